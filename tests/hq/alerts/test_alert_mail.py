"""An alert's e-mail as its reader gets it (issue 30), at a real SMTP server, on SQLite
and PostgreSQL: in the person's language, the title translated with the language's own
numbers, the time in the store's zone, the top reasons of the unhappy answers the rule
looked at, and a small bar chart of them (inline SVG) in the HTML part; the alert pages
say the same."""

from __future__ import annotations

from datetime import timedelta

from hq.alerts.manage import operator
from hq.alerts.setup import save_rule
from hq.people.admin import add_user
from hq.people.roles import add_region, set_store_region
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD
from tests.hq.people.test_access import log_in_as


def unhappy_day(hq) -> None:
    """40 answers at s1 this morning: 30 unhappy (20 queue, 6 staff, 4 no reason)."""
    ratings = []
    for i in range(40):
        at = to_utc_text(hq.clock.now - timedelta(minutes=10 + i))
        reason = "queue" if i < 20 else "staff" if i < 26 else None
        score = 1 if i < 30 else 4
        ratings.append(hq.rating(score=score, reason=reason if score == 1 else None,
                                 recorded_at=at))  # fmt: skip
    assert hq.post(ratings).status_code == 200


def test_the_manager_gets_the_alert_in_finnish_with_local_times_and_reasons(hq, smtp):
    inbox, mail = smtp
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "etela", "Etelä", None, now)
        set_store_region(s, "s1", "etela")
        add_user(s, "maria", PASSWORD, now, "fi", "manager", "store:s1", "maria@hymio.test")
        add_user(s, "erik", PASSWORD, now, "sv", "manager", "region:etela", "erik@hymio.test")
        save_rule(s, operator(s), now, name="Indeksi", kind="index_below", scope="",
                  params={"value": 75, "days": 1, "min_n": 30}, channels=[],
                  notify_managers=True)  # fmt: skip
    unhappy_day(hq)
    assert worker_of(hq, mail).run_once() == (1, 2)
    by = {rcpt[0]: m for (_, rcpt), m in zip(inbox.envelopes, inbox.messages, strict=True)}
    fi, sv = by["maria@hymio.test"], by["erik@hymio.test"]
    assert (
        fi["Subject"]
        == "[Hymiö] Kamppi: indeksi 25,0 alle 75,0 viimeisen 1 päivän aikana (40 vastausta)"
    )
    assert sv["Subject"].startswith("[Hymiö] Kamppi: index 25,0 under 75,0")
    text = fi.get_body(("plain",)).get_content()
    assert "Avattu: pe 20.11.2026 12:00 (Europe/Helsinki)" in text  # 10:00 UTC
    assert "Tyytyväisyysindeksi alle rajan" in text
    lines = text.splitlines()
    reasons = lines[lines.index("Tyytymättömien vastausten syyt:") + 1 :][:2]
    assert reasons[0].endswith(": 67 % (20)") and reasons[1].endswith(": 20 % (6)")
    html = fi.get_body(("html",)).get_content()
    assert "<svg" in html and 'data-reason="queue"' in html and 'lang="fi"' in html
    assert "unhappy" not in text and "index 25.0" not in text
    log_in_as(hq, "maria")  # the pages say it in Finnish too, at local times
    hq.client.post("/language", data={"language": "fi", "csrf": _csrf(hq)})
    page = hq.client.get("/alerts/1").text
    assert "Kamppi: indeksi 25,0 alle 75,0" in page and "pe 20.11.2026 12:00" in page
    assert "index_below" not in page.split("<main")[1] and "UTC" not in page.split("<main")[1]


def _csrf(hq) -> str:
    from tests.hq.conftest import csrf_of

    return csrf_of(hq.client.get("/alerts").text)
