"""A weekly report as the SMTP server receives it (issue 19): once per recipient, in their
language, its PDF (read back with pypdf) and its HTML part with the figures of the
dashboard's store page and daily API for the same days, and the store's place in its
region of three stores as the all-stores page ranks them. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from hq.core.language import language
from hq.insight.scheduled.sending import send_due_reports
from hq.insight.scheduled.subscriptions import add_subscription
from hq.people.admin import add_user, set_language
from hq.people.roles import set_role
from hq.tables.models import Rating
from tests.hq.conftest import PASSWORD, log_in
from tests.hq.mailbox import Mailbox
from tests.hq.report_data import LAST_WEEK, MONDAY, spread, three_stores

DAYS = "from=2026-11-16&to=2026-11-22"


@pytest.fixture
def chain(hq):
    """Region Etelä of Kamppi (s1), Tampere (s2) and Espoo (s3, too few for a place), two
    weeks of ratings each; users anna (Swedish) and the admin (Finnish) with addresses."""
    tokens = three_stores(hq)
    with hq.sessions() as s:
        add_user(s, "anna", PASSWORD, hq.clock.now, "sv", "analyst", "", "anna@example.com")
        set_language(s, "admin", "fi")
    for device, store, seed, happy, per_day in (
        ("k1", "s1", 1, 0.85, 30), ("k2", "s2", 2, 0.55, 30), ("k3", "s3", 3, 0.7, 2),
    ):  # fmt: skip
        spread(hq, device, store, LAST_WEEK - timedelta(days=7), 14, per_day, seed,
               tokens[device], happy)  # fmt: skip
    return hq


def subscribe(hq, scope: str, to: list[str], lang: str = "fi") -> int:
    with hq.sessions() as s:
        when = MONDAY - timedelta(days=4)  # subscribed during the week the report is of
        return add_subscription(s, scope, "weekly", lang, to, "admin", when).id


def pdf_text(message) -> str:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    pages = pypdf.PdfReader(io.BytesIO(part.get_content())).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def html_text(message) -> str:
    body = message.get_body(("html",)).get_content()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def cards(page: str) -> dict[str, dict[str, str]]:
    """The store page's cards: period → metric → the figure as shown."""
    out = {}
    for chunk in page.split('<div class="card" data-period="')[1:]:
        name = html.unescape(chunk.split('"', 1)[0])
        figures = re.findall(r'data-metric="(\w+)">([^<]+)<', chunk.split("</div>", 1)[0])
        out[name] = {k: html.unescape(v).strip() for k, v in figures}
    return out


def test_a_weekly_report_is_received_once_with_the_dashboards_figures(chain, tmp_path):
    hq = chain
    with hq.sessions() as s:
        set_role(s, "admin", "admin", "", "admin@example.com")
    subscribe(hq, "store:s1", ["anna", "boss@example.com", "admin"])
    with hq.sessions() as s:  # the users' addresses are looked up when the report goes out
        set_role(s, "anna", "analyst", "", "anna.new@example.com")
        set_role(s, "admin", "admin", "", "")
    with Mailbox(tmp_path) as box:
        early = MONDAY - timedelta(hours=2)  # 05:00 in Helsinki: not yet (from 06:00)
        assert send_due_reports(hq.sessions, early, box.settings()) == 0
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 2  # admin: no address
        assert send_due_reports(hq.sessions, MONDAY + timedelta(minutes=1), box.settings()) == 0
        got = {m["To"]: m for m in box.messages}
    assert sorted(got) == ["anna.new@example.com", "boss@example.com"]
    assert [m["X-Envelope-To"] for m in box.messages] == [m["To"] for m in box.messages]

    log_in(hq)
    page = hq.client.get(f"/stores/s1?{DAYS}").text
    shown = cards(page)
    now = shown["2026-11-16 – 2026-11-22"]
    before = shown["the period before (2026-11-09 – 2026-11-15)"]
    change = re.search(r'data-metric="change">[^<]*?([+-]?[\d,]+)</p>', page).group(1)
    daily = hq.client.get(f"/api/v1/stores/s1/daily?{DAYS}", headers=hq.auth(hq.reader_token))
    counted = sum(d["scales"]["smiley4"]["count"] for d in daily.json()["days"])
    assert now["count"] == language("fi").number(counted)  # the page and the API agree

    fi, boss = language("fi"), got["boss@example.com"]
    assert boss["Subject"] == "Hymiö-raportti: Kamppi, viikko 47: 16.11.2026 – 22.11.2026"
    row = (f"{fi.gettext('Ratings')} {now['count']} {before['count']}",
           f"CSAT % {now['csat']} {before['csat']} {change}",
           f"{fi.gettext('Index')} {now['index']} {before['index']}")  # fmt: skip
    place = fi.gettext("Place %(rank)s of %(of)s in %(region)s by %(metric)s") % {
        "rank": 1, "of": 3, "region": "Etelä", "metric": "CSAT %"
    }  # fmt: skip
    for text in (pdf_text(boss), html_text(boss)):
        for expected in (*row, place, fi.gettext("Complete: HQ has every rating of these days.")):
            assert expected in text
    assert "Hymiö HQ" in boss.get_body(("plain",)).get_content()

    sv = language("sv")  # anna reads the dashboard in Swedish: so is her report
    assert sv.gettext("Why shoppers were unhappy") in pdf_text(got["anna.new@example.com"])
    assert now["csat"] in pdf_text(got["anna.new@example.com"])  # 80,2 in Swedish too


def test_the_places_in_a_region_of_three_stores_are_the_dashboards(chain, tmp_path):
    hq = chain
    subscribe(hq, "region:south", ["boss@example.com"], "en")
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 1
        (report,) = box.messages
    log_in(hq)
    hq.client.post("/language", data={"language": "en", "csrf": _csrf(hq)})
    ranking = hq.client.get(f"/?{DAYS}&compare=previous").text
    ranks = dict(re.findall(r'<tr data-store="(s\d)" data-rank="(\d*)">', ranking))
    assert ranks == {"s1": "1", "s2": "2", "s3": ""}  # Espoo: 14 ratings, too few
    text = pdf_text(report)
    assert "The stores of Etelä ranked by CSAT %" in text
    assert re.search(r"1 Kamppi .* 2 Tampere .* too few Espoo", text)
    en = language("en")
    assert "Place 1 of 3 in Etelä by CSAT %" in text
    assert "Place 2 of 3 in Etelä by CSAT %" in text
    assert "No place in Etelä: a store needs 20 ratings in the period" in text
    assert en.gettext("Unhappy answers by hour") in html_text(report)
    assert report["Subject"] == "Hymiö report: Etelä, week 47: 2026-11-16 – 2026-11-22"


def _csrf(hq) -> str:
    from tests.hq.conftest import csrf_of

    return csrf_of(hq.client.get("/").text)


def test_a_kiosk_that_lacks_ratings_is_named_with_what_it_lacks(hq, tmp_path):
    spread(hq, "k1", "s1", LAST_WEEK, 7, 10, seed=9)
    with hq.sessions() as s:
        last = s.scalar(select(func.max(Rating.seq)))
    late = hq.rating(seq=last + 4, recorded_at="2026-11-18T12:00:00.000000+00:00")
    assert hq.post([late]).status_code == 200  # 3 ratings numbered before it never came
    subscribe(hq, "store:s1", ["boss@example.com"], "en")
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 1
        text = pdf_text(box.messages[0])
    log_in(hq)
    page = hq.client.get(f"/stores/s1?{DAYS}").text
    days = re.search(r'<span class="badge">(\d+) day\(s\) may lack ratings</span>', page)
    assert f"{days.group(1)} day(s) may lack ratings" in text
    assert "k1: missing inside what HQ received: 3" in text
    assert "Complete: HQ has every rating" not in text
