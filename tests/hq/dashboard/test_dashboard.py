"""The dashboard in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser). Screenshots of each page go to ``artifacts/`` for people to look at."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from hq.fleet.surveys import set_survey
from kiosk.counting.metrics import by_local_day, merge
from kiosk.timekeeping.localtime import to_utc_text
from tests.conftest import HELSINKI
from tests.hq.conftest import PASSWORD, LiveServer, csrf_of, log_in

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def _fill(hq, n: int = 400) -> list[dict]:
    rnd = random.Random(7)
    ratings = []
    for _ in range(n):
        when = hq.clock.now - timedelta(minutes=rnd.randint(0, 29 * 24 * 60))
        flag = rnd.choice([None] * 9 + ["repeat"])
        reason = rnd.choice([None, "queue", "staff", "prices"])
        ratings.append(
            hq.rating(
                score=rnd.choice([1, 2, 3, 3, 4, 4, 4]),
                flag=flag,
                recorded_at=to_utc_text(when),
                reason=reason,
            )
        )
    assert hq.post(ratings).status_code == 200
    hq.client.post(
        "/api/v1/heartbeat",
        headers=hq.auth(),
        json={
            "version": "0.3.0",
            "pending": 17,
            "oldest_pending_at": to_utc_text(hq.clock.now - timedelta(hours=2)),
            "clock_synced": True,
            "last_error": "HQ unreachable for 2 h",
        },
    )
    return ratings


def _log_in(page, url: str, username: str = "admin") -> None:
    page.goto(f"{url}/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # Where each reader lands (a manager on their part: hq.dashboard.regions.landing).
    page.wait_for_url(lambda at: not at.endswith("/login"))


def test_the_dashboard_shows_the_numbers_of_the_database(hq, browser):
    ratings = _fill(hq)
    hq.clock.now += timedelta(hours=3)  # k2 never spoke; k1 now silent for 3 h
    expected = by_local_day("smiley4", ratings, "Europe/Helsinki")
    last = max(expected)
    week = merge(*[s for d, s in expected.items() if (last - d).days < 7]).as_dict()
    month = merge(*expected.values()).as_dict()
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _log_in(page, server.url)
        row = page.locator("tr[data-store=s1]")
        cell = "td[data-period='{}'][data-metric='{}']"
        assert row.locator(cell.format("30 days", "count")).inner_text() == str(month["count"])
        assert row.locator(cell.format("30 days", "csat")).inner_text() == str(month["csat"])
        assert row.locator(cell.format("30 days", "index")).inner_text() == str(month["index"])
        assert row.locator(cell.format("7 days", "csat")).inner_text() == str(week["csat"])
        assert page.locator(".alert").inner_text().startswith("2 of 2 devices silent")
        page.screenshot(path=ARTIFACTS / "hq-overview.png", full_page=True)

        page.click("a[href='/stores/s1']")
        page.wait_for_url(f"{server.url}/stores/s1")
        assert page.locator("#heat-map rect.cell").count() == 7 * 24
        counts = [c.get_attribute("data-count") for c in page.locator("#heat-map rect.cell").all()]
        shown = [int(c) for c in counts if c.isdigit()]
        assert all(c in ("none", "few") or int(c) >= 5 for c in counts)  # no hour under 5
        assert 0 < sum(shown) <= month["count"]
        assert page.locator("svg.bars").is_visible()
        k1 = page.locator("tr[data-device=k1]")
        assert k1.locator("td[data-received]").get_attribute("data-received") == "400"
        assert k1.locator("td[data-missing]").get_attribute("data-missing") == "0"
        page.screenshot(path=ARTIFACTS / "hq-store.png", full_page=True)

        with page.expect_download() as download:
            page.click("#export")
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert sorted(r["rating_id"] for r in rows) == sorted(r["id"] for r in ratings)
        assert {r["store_name"] for r in rows} == {"Kamppi"}

        page.goto(f"{server.url}/fleet")
        assert page.locator("tr.silent").count() == 2
        k1 = page.locator("tr[data-device=k1]").inner_text()
        assert "HQ unreachable" in k1
        assert "3 h ago" in k1  # last seen
        assert "5 h ago" in k1  # its oldest unsent rating
        page.screenshot(path=ARTIFACTS / "hq-fleet.png", full_page=True)


def test_a_closed_store_has_no_silent_devices_and_logout_ends_the_session(hq, browser):
    with hq.sessions() as s:
        week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        set_survey(s, "s2", "", {"hours": dict.fromkeys(week, "closed")}, hq.clock.now)
    with LiveServer(hq.app) as server:
        page = browser.new_page()
        _log_in(page, server.url)
        page.goto(f"{server.url}/fleet")
        assert page.locator("tr.silent").count() == 1  # k1 (open, never seen), not k2
        assert page.locator("tr[data-device=k2].silent").count() == 0
        page.click("text=Log out")
        page.wait_for_url(f"{server.url}/login")
        page.goto(f"{server.url}/fleet")
        assert page.url.endswith("/login")


def test_login_refuses_wrong_passwords_and_forms_without_the_csrf_token(hq):
    page = hq.client.get("/login")
    assert page.status_code == 200
    token = csrf_of(page.text)
    wrong = hq.client.post("/login", data={"username": "admin", "password": "nope", "csrf": token})
    assert wrong.status_code == 401
    forged = hq.client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403
    assert hq.client.get("/fleet", follow_redirects=False).status_code == 303
    ok = hq.client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert hq.client.get("/fleet").status_code == 200
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_names_from_admins_and_devices_are_escaped(hq):
    from hq.people.admin import add_store

    with hq.sessions() as s:
        add_store(s, "x1", "<script>alert(1)</script> & Co", "Asia/Kolkata", hq.clock.now)
    hq.client.post("/api/v1/heartbeat", headers=hq.auth(), json={"last_error": "<img src=x>"})
    log_in(hq)
    overview = hq.client.get("/").text
    assert "<script>alert(1)</script>" not in overview
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in overview
    fleet = hq.client.get("/fleet").text
    assert "<img src=x>" not in fleet
    assert "&lt;img src=x&gt;" in fleet


def test_a_login_holds_on_every_hq_process_of_the_same_database(hq, database_url):
    from fastapi.testclient import TestClient

    from hq.server.app import create_app

    log_in(hq)
    other = create_app(database_url, clock=hq.clock)
    try:
        with TestClient(other, cookies=hq.client.cookies) as client:
            assert client.get("/fleet", follow_redirects=False).status_code == 200
        with TestClient(other) as stranger:
            assert stranger.get("/fleet", follow_redirects=False).status_code == 303
    finally:
        other.state.engine.dispose()


def test_what_has_not_arrived_is_shown_per_device_and_its_days_are_marked(hq, browser):
    # k1 sent seq 1–3 and 7–8 five days ago and yesterday; it says it numbered up to 12
    # and holds one rating HQ refused, recorded two days ago.
    local = hq.clock.now
    days_ago = [local - timedelta(days=d) for d in (5, 5, 5, 1, 1)]
    ratings = [
        hq.rating(seq=seq, recorded_at=to_utc_text(when))
        for seq, when in zip((1, 2, 3, 7, 8), days_ago, strict=True)
    ]
    assert hq.post(ratings).status_code == 200
    held_at = to_utc_text(local - timedelta(days=2, hours=1))
    status = {
        "databases": [
            {
                "database_id": "legacy", "last_seq": 12, "pending": 4, "held": 1,
                "held_reason": "invalid: rating x: ratings.0.reason: bad key",
                "held_at": [held_at], "oldest_pending_at": to_utc_text(local),
            }
        ]
    }  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=status, headers=hq.auth()).status_code == 200
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _log_in(page, server.url)
        page.goto(f"{server.url}/fleet")
        k1 = page.locator("tr[data-device=k1]")
        assert k1.get_attribute("data-complete") == "no"
        assert k1.locator("td[data-received]").inner_text() == "5"
        assert k1.locator("td[data-missing]").inner_text() == "3"  # seq 4–6
        assert k1.locator("td[data-not-received]").inner_text() == "4"  # seq 9–12
        held = k1.locator("td[data-held]")
        assert held.get_attribute("data-held") == "1" and "bad key" in held.inner_text()
        assert page.locator("tr[data-device=k2]").get_attribute("data-complete") == "yes"
        page.screenshot(path=ARTIFACTS / "hq-fleet-incomplete.png", full_page=True)
        page.goto(f"{server.url}/stores/s1")
        marked = {
            row.get_attribute("data-date")
            for row in page.locator("#daily tr[data-incomplete=yes]").all()
        }
        expected = {
            (local - timedelta(days=d)).astimezone(HELSINKI).date().isoformat() for d in range(6)
        }
        # The gap lies between five days ago and yesterday; the tail and the pending
        # ones from yesterday to today; the held one two days ago.
        assert marked == expected
        assert page.locator("#incomplete-note").is_visible()
        title = page.locator("#daily tr[data-incomplete=yes] .badge").first.get_attribute("title")
        assert "k1" in title
        page.screenshot(path=ARTIFACTS / "hq-store-incomplete.png", full_page=True)
