"""An e-mail channel's language (issue 29), at a real SMTP server (aiosmtpd on
127.0.0.1), on SQLite and PostgreSQL: set in the dashboard's form, through the API and on
the command line (the chain's default language, Finnish, unless told); a Swedish channel
gets its test message, its alerts and its daily digest in Swedish; a language HQ does not
speak is a 400 naming the field, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hq.alerts.delivery import queue_digests
from hq.people.admin import add_api_token
from hq.tables.alerts import Channel
from tests.hq.alert_fixtures import worker_of
from tests.hq.alerts.test_alert_mail import unhappy_day
from tests.hq.dashboard.test_alert_setup import mail_env, people, post  # noqa: F401
from tests.hq.people.test_access import log_in_as
from tests.hq.served import hymio


def languages(hq) -> dict[str, str]:
    with hq.sessions() as s:
        return {c.name: c.language for c in s.scalars(select(Channel))}


def test_a_swedish_channel_gets_its_test_alerts_and_digest_in_swedish(people, smtp, monkeypatch):  # noqa: F811
    hq, (inbox, mail) = people, smtp
    mail_env(monkeypatch, mail)
    log_in_as(hq, "admin")
    for name, language in (("butik", "sv"), ("kauppa", "")):  # "": the chain's default
        made = post(hq, "/alerts/channels", {"name": name, "kind": "email", "scope": "",
                                             "target": f"{name}@hymio.test",
                                             "language": language})  # fmt: skip
        assert made.status_code == 303, made.text
    assert languages(hq) == {"butik": "sv", "kauppa": "fi"}
    page = hq.client.get("/alerts/setup?channel=butik").text
    form = page.split('id="channel-form"')[1]
    assert '<option value="sv" selected>Svenska</option>' in form
    assert 'data-language="sv">Svenska</td>' in page
    tested = post(hq, "/alerts/channels/butik/test", {})
    assert tested.status_code == 200 and len(inbox.messages) == 1
    test = inbox.messages[0]
    assert test["Subject"] == "[Hymiö] Hymiö: ett testmeddelande till kanalen butik"
    assert "admin skickade det från HQ" in test.get_content()
    post(hq, "/alerts/channels/kauppa/test", {})
    assert inbox.messages[1]["Subject"] == "[Hymiö] Hymiö: testiviesti kanavalle kauppa"

    rule = {"name": "Index", "kind": "index_below", "scope": "", "p_value": "75",
            "p_days": "1", "p_min_n": "30", "channels": ["butik", "kauppa"],
            "enabled": "yes"}  # fmt: skip
    assert post(hq, "/alerts/rules", rule).status_code == 303
    unhappy_day(hq)
    assert worker_of(hq, mail).run_once() == (1, 2)
    by = {m["To"]: m for m in inbox.messages[2:]}
    sv, fi = by["butik@hymio.test"], by["kauppa@hymio.test"]
    assert sv["Subject"].startswith("[Hymiö] Kamppi: index 25,0 under 75,0")
    assert fi["Subject"].startswith("[Hymiö] Kamppi: indeksi 25,0 alle 75,0")
    assert 'lang="sv"' in sv.get_body(("html",)).get_content()

    # the same channel as a digest: the next day's message in Swedish
    changed = post(hq, "/alerts/channels/butik", {"kind": "email", "scope": "",
                                                  "target": "butik@hymio.test",
                                                  "digest": "yes"})  # fmt: skip
    assert changed.status_code == 303 and languages(hq)["butik"] == "sv"  # kept
    hq.clock.now += timedelta(days=1)
    with hq.sessions() as s:
        assert queue_digests(s, hq.clock.now) == 1
        s.commit()
    worker_of(hq, mail).run_once()
    digest = inbox.messages[-1]
    assert digest["To"] == "butik@hymio.test"
    assert digest["Subject"].startswith("[Hymiö] Larm som öppnades")
    assert "alert(s)" not in digest.get_content()


def test_the_api_and_the_command_line_set_a_channels_language(people, smtp, monkeypatch, tmp_path):  # noqa: F811
    hq, (inbox, mail) = people, smtp
    mail_env(monkeypatch, mail)
    with hq.sessions() as s:
        token = add_api_token(s, "config-as-code", hq.clock.now, "", "admin")
    admin = {"Authorization": f"Bearer {token}"}
    body = {"name": "ops", "kind": "email", "target": "ops@hymio.test", "language": "sv"}
    made = hq.client.post("/api/v1/alert-channels", headers=admin, json=body)
    assert made.status_code == 201 and made.json()["language"] == "sv", made.text
    tested = hq.client.post("/api/v1/alert-channels/ops/test", headers=admin)
    assert tested.json()["delivered"] is True
    assert inbox.messages[-1]["Subject"] == "[Hymiö] Hymiö: ett testmeddelande till kanalen ops"
    kept = hq.client.put("/api/v1/alert-channels/ops", headers=admin,
                         json={"kind": "email", "target": "ops@hymio.test"})  # fmt: skip
    assert kept.status_code == 200 and kept.json()["language"] == "sv"
    english = hq.client.put("/api/v1/alert-channels/ops", headers=admin,
                            json={"kind": "email", "target": "ops@hymio.test",
                                  "language": "en"})  # fmt: skip
    assert english.json()["language"] == "en"
    plain = {"name": "fi", "kind": "email", "target": "f@hymio.test"}
    default = hq.client.post("/api/v1/alert-channels", headers=admin, json=plain)
    assert default.json()["language"] == "fi"
    before = languages(hq)
    for wrong in ("de", "", "FI", None):
        answer = hq.client.post("/api/v1/alert-channels", headers=admin,
                                json={**body, "name": "x", "language": wrong})  # fmt: skip
        if wrong is None:
            assert answer.status_code == 201  # none: the default
            continue
        assert answer.status_code == 422 and "language" in answer.text, (wrong, answer.text)
    assert {k: v for k, v in languages(hq).items() if k != "x"} == before
    log_in_as(hq, "admin")
    german = {"name": "y", "kind": "email", "scope": "", "target": "y@hymio.test", "language": "de"}
    refused = post(hq, "/alerts/channels", german)
    assert refused.status_code == 400 and 'data-field="language"' in refused.text
    assert "y" not in languages(hq)

    url = str(hq.app.state.engine.url.render_as_string(hide_password=False))
    done = hymio("hq", "add-channel", "--database", url, "--name", "lager", "--kind", "email",
                 "--to", "lager@hymio.test", "--language", "sv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    wrong = hymio("hq", "add-channel", "--database", url, "--name", "z", "--kind", "email",
                  "--to", "z@hymio.test", "--language", "de")  # fmt: skip
    assert wrong.returncode == 2 and "--language" in wrong.stderr
    assert languages(hq)["lager"] == "sv" and "z" not in languages(hq)
