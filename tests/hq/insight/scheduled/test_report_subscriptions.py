"""Adding, listing and removing scheduled reports on the ``/reports`` page and with
``hymio hq add-report``, ``reports``, ``remove-report``, ``send-reports``: bad input is
refused naming the field, and changes nothing. The page on SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from hq.people.admin import add_user, set_language
from hq.people.roles import add_region
from hq.tables.reports import ReportSubscription
from hymio.cli import main
from tests.hq.conftest import PASSWORD, csrf_of, free_port, log_in
from tests.hq.mailbox import Mailbox


def count(hq) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(ReportSubscription))


def add(hq, **over):
    page = hq.client.get("/reports")
    form = {"csrf": csrf_of(page.text), "scope": "store:s1", "period": "weekly",
            "language": "fi", "recipients": "anna, boss@example.com", **over}  # fmt: skip
    return hq.client.post("/reports", data=form, follow_redirects=False)


@pytest.fixture
def page(hq):
    with hq.sessions() as s:
        add_user(s, "anna", PASSWORD, hq.clock.now, "", "analyst", "", "anna@example.com")
        add_user(s, "mute", PASSWORD, hq.clock.now)  # no e-mail address
        add_region(s, "south", "Etelä", None, hq.clock.now)
    log_in(hq)
    return hq


def test_a_report_added_on_the_page_is_listed_and_removed_with_its_button(page):
    hq = page
    assert 'href="/reports"' in hq.client.get("/").text  # in the header
    assert 'id="no-reports"' in hq.client.get("/reports").text
    answer = add(hq)
    assert answer.status_code == 303 and answer.headers["location"] == "/reports"
    listing = hq.client.get("/reports").text
    with hq.sessions() as s:
        (row,) = s.scalars(select(ReportSubscription)).all()
    assert (row.scope, row.period, row.language, row.recipients, row.created_by) == (
        "store:s1", "weekly", "fi", ["anna", "boss@example.com"], "admin"
    )  # fmt: skip
    assert f'data-report="{row.id}"' in listing and "anna, boss@example.com" in listing
    assert "week 47: 2026-11-16 – 2026-11-22" in listing  # next: the week NOON is in
    assert '<option value="region:south">Region Etelä</option>' in listing
    removed = hq.client.post(
        f"/reports/{row.id}/remove", data={"csrf": csrf_of(listing)}, follow_redirects=False
    )
    assert removed.status_code == 303 and count(hq) == 0


@pytest.mark.parametrize(
    ("field", "over", "says"),
    [
        ("scope", {"scope": "shop:s1"}, "'shop:s1' is not store:ID or region:ID"),
        ("scope", {"scope": "store:nowhere"}, "there is no store 'nowhere'"),
        ("scope", {"scope": "region:north"}, "there is no region 'north'"),
        ("period", {"period": "hourly"}, "'hourly' is not one of daily, weekly, monthly"),
        ("language", {"language": "de"}, "'de' is not one of fi, sv, en"),
        ("recipients", {"recipients": ""}, "give at least one recipient"),
        ("recipients", {"recipients": "anna, nobody"}, "there is no user 'nobody'"),
        ("recipients", {"recipients": "mute"}, "user 'mute' has no e-mail address"),
        ("recipients", {"recipients": "a@b@c.fi"}, "'a@b@c.fi' is not an e-mail address"),
    ],
)
def test_bad_input_on_the_page_is_a_400_naming_the_field_and_changes_nothing(
    page, field, over, says
):
    hq = page
    answer = add(hq, **over)
    assert answer.status_code == 400 and count(hq) == 0
    text = html.unescape(answer.text)
    assert f'data-field="{field}"' in answer.text and says in text
    names = {"scope": "Store or region", "period": "How often", "language": "Language",
             "recipients": "Recipients"}  # fmt: skip
    assert f"{names[field]}: " in text and "nothing was changed" in text
    assert html.escape(over.get("recipients", "anna, boss@example.com")) in answer.text  # kept


def test_the_page_speaks_the_users_language_and_needs_a_login_and_the_forms_token(page):
    hq = page
    with hq.sessions() as s:
        set_language(s, "admin", "fi")
    refused = add(hq, period="hourly")
    assert "Kuinka usein: 'hourly' ei ole mikään näistä" in html.unescape(refused.text)
    assert "mitään ei muutettu" in refused.text
    form = {"csrf": "forged", "scope": "store:s1", "period": "weekly", "language": "fi",
            "recipients": "boss@example.com"}  # fmt: skip
    assert hq.client.post("/reports", data=form).status_code == 403 and count(hq) == 0
    assert add(hq).status_code == 303 and count(hq) == 1
    token = csrf_of(hq.client.get("/reports").text)
    gone = hq.client.post("/reports/999/remove", data={"csrf": token})
    assert gone.status_code == 404 and "raporttitilausta 999 ei ole" in gone.text
    assert count(hq) == 1
    hq.client.post("/logout", data={"csrf": csrf_of(hq.client.get("/reports").text)})
    assert hq.client.get("/reports", follow_redirects=False).headers["location"] == "/login"
    assert add_without_login(hq).status_code == 303 and count(hq) == 1


def add_without_login(hq):
    form = {"csrf": "x", "scope": "store:s1", "period": "weekly", "language": "fi",
            "recipients": "boss@example.com"}  # fmt: skip
    return hq.client.post("/reports", data=form, follow_redirects=False)


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    assert main(["hq", "add-store", "--database", url, "--id", "s1", "--name", "Kamppi",
                 "--timezone", "Europe/Helsinki"]) == 0  # fmt: skip
    return url


def hymio(url: str, *args: str) -> int:
    return main(["hq", args[0], "--database", url, *args[1:]])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scope", "s1"], "--scope: 's1' is not store:ID or region:ID"),
        (["--scope", "store:x"], "--scope: there is no store 'x'"),
        (["--period", "yearly"], "--period: 'yearly' is not one of daily, weekly, monthly"),
        (["--language", "de"], "--language: 'de' is not one of fi, sv, en"),
        (["--to", "ghost"], "--to: there is no user 'ghost'"),
        (["--to", "not-an-address@"], "--to: 'not-an-address@' is not an e-mail address"),
    ],
)
def test_bad_input_to_add_report_names_the_option_and_changes_nothing(url, capsys, args, says):
    given = {"--scope": "store:s1", "--period": "weekly", "--to": "boss@example.com"}
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    assert hymio(url, "add-report", *[x for kv in given.items() for x in kv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"hymio: {says}") and err.endswith("; nothing was changed")
    assert hymio(url, "reports") == 0
    assert "no scheduled reports" in capsys.readouterr().out


def test_the_commands_add_list_send_and_remove_a_report(url, capsys, tmp_path, monkeypatch):
    assert hymio(url, "add-report", "--scope", "store:s1", "--period", "daily", "--language",
                 "sv", "--to", "boss@example.com", "--to", "ops@example.com") == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("added report 1: store:s1, daily, in sv, to ")
    assert hymio(url, "reports") == 0
    assert "1\tstore:s1\tdaily\tsv\tboss@example.com, ops@example.com\tnone sent yet" in (
        capsys.readouterr().out
    )
    monkeypatch.delenv("HYMIO_SMTP_HOST", raising=False)
    assert hymio(url, "send-reports") == 2
    assert "HYMIO_SMTP_HOST is not set" in capsys.readouterr().err
    from hq.tables.database import open_database

    engine, sessions = open_database(url)
    with sessions() as s:  # as if the last one had gone out two days ago
        row = s.get(ReportSubscription, 1)
        before = date.fromisoformat(row.last_period) - timedelta(days=1)
        s.execute(update(ReportSubscription).values(last_period=before.isoformat()))
        s.commit()
    engine.dispose()
    monkeypatch.setenv("HYMIO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HYMIO_SMTP_SECURITY", "none")
    monkeypatch.setenv("HYMIO_SMTP_PORT", str(free_port()))  # nothing listens there
    assert hymio(url, "send-reports") == 1
    err = capsys.readouterr().err
    assert "hymio: report 1 (store:s1) not sent: SMTP 127.0.0.1:" in err
    assert "tried again at the next run" in err
    with Mailbox(tmp_path) as box:
        monkeypatch.setenv("HYMIO_SMTP_PORT", str(box.port))
        assert hymio(url, "send-reports") == 0
        assert capsys.readouterr().out.strip() == "sent 2 report e-mail(s)"
        assert hymio(url, "send-reports") == 0
        assert capsys.readouterr().out.strip() == "sent 0 report e-mail(s)"
        assert sorted(m["To"] for m in box.messages) == ["boss@example.com", "ops@example.com"]
        assert box.messages[0]["Subject"].startswith("Hymiö-rapport: Kamppi, ")
    assert hymio(url, "remove-report", "--id", "1") == 0
    assert hymio(url, "remove-report", "--id", "1") == 2
    assert "--id: there is no report subscription 1; nothing was changed" in capsys.readouterr().err


def test_preview_report_writes_the_html_the_text_and_the_pdf(url, tmp_path, capsys):
    out = tmp_path / "preview"
    assert hymio(url, "preview-report", "--scope", "store:s1", "--language", "fi",
                 "--out", str(out)) == 0  # fmt: skip
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert "Kamppi" in (out / "report.html").read_text() and (out / "report.txt").is_file()
    assert hymio(url, "preview-report", "--scope", "store:s1", "--period", "hourly",
                 "--out", str(out)) == 2  # fmt: skip
    assert "--period: 'hourly' is not one of" in capsys.readouterr().err
