"""The what-if page (``/stores/S/what-if``) and its API twin: the form and the table show
the re-count of hq.insight.recount, bad input is a clear 400 (page) or 422 (API) naming the field
and changes nothing, an anonymous browser goes to the login, and the JSON says what the
page says. A screenshot in Chromium goes to ``artifacts/whatif.png``. On both databases."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from hq.tables.models import Survey
from kiosk.timekeeping.localtime import to_utc_text
from tests.conftest import HELSINKI
from tests.hq.conftest import LiveServer, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401 -- fixture

MORNING = datetime(2026, 11, 19, 9, 0, tzinfo=HELSINKI)
# (seconds after the first press, score, the kiosk's flag with a 6 s window and 3 s
# thank-you): shoppers who press again, or change their mind a few seconds later; a
# button held down.
PRESSES = [
    (0, 4, None), (1, 4, "lockout"), (4, 1, "repeat"), (60, 1, None), (64, 1, "repeat"),
    (200, 3, None), (300, 4, None), (302, 4, "lockout"), (305, 2, "repeat"), (320, 4, None),
    (400, 2, "stuck"), (500, 1, None),
]  # fmt: skip


def seed(hq) -> None:
    ratings = [
        hq.rating(
            score=score,
            flag=flag,
            mono_ns=10**12 + s * 10**9,
            recorded_at=to_utc_text(MORNING + timedelta(seconds=s)),
        )
        for s, score, flag in PRESSES
    ]
    assert hq.post(ratings).status_code == 200


def table(html: str) -> dict[str, tuple[str, str, str]]:
    """The page's table: row key → (as stored, re-counted, difference)."""
    out = {}
    for key, cells in re.findall(r'<tr data-row="([^"]+)">(.*?)</tr>', html, re.S):
        values = re.findall(r'data-col="(\w+)">([^<]*)<', cells)
        out[key] = tuple(v for _col, v in values)
    return out


DAY = "from=2026-11-19&to=2026-11-19"


def test_the_form_and_the_table_show_the_recount(hq):
    seed(hq)
    log_in(hq)
    html = hq.client.get(f"/stores/s1/what-if?{DAY}").text
    assert 'name="repeat_window" value="6"' in html  # the kiosk's default
    assert 'name="thank_you" value="3"' in html
    rows = table(html)
    assert rows["counted"] == ("6", "6", "0")  # 6 s and 3 s are the kiosk's rules
    assert rows["repeat"] == ("3", "3", "0") and rows["lockout"] == ("2", "2", "0")
    assert rows["stuck"] == ("1", "1", "0")

    answer = hq.client.get(f"/stores/s1/what-if?repeat_window=2&{DAY}")
    assert answer.status_code == 200
    rows = table(answer.text)
    # The two repeats 3 s and 4 s after a press count with 2 s; the one 3 s after the
    # lockout at 302 s counts too; the lockouts and the stuck button stay.
    assert rows["counted"] == ("6", "9", "+3")
    assert rows["repeat"] == ("3", "0", "-3")
    assert rows["lockout"] == ("2", "2", "0") and rows["stuck"] == ("1", "1", "0")
    assert rows["csat"] == ("66.7", "44.4", "-22.3")
    assert "index" in rows
    assert re.search(r'data-changed="let_in">3<', answer.text)
    assert re.search(r'data-changed="left_out">0<', answer.text)

    rows = table(hq.client.get(f"/stores/s1/what-if?repeat_window=120&{DAY}").text)
    # With 120 s only the first press and the one at 200 s (136 s after 64 s) count.
    assert rows["counted"] == ("6", "2", "-4")


@pytest.mark.parametrize("window", ["-1", "3600.5", "abc", "nan", "inf", "1e999", "6s"])
def test_a_bad_window_is_a_400_page_naming_it(hq, window):
    seed(hq)
    log_in(hq)
    before = hq.count()
    answer = hq.client.get("/stores/s1/what-if", params={"repeat_window": window})
    assert answer.status_code == 400
    assert "repeat_window=" in answer.text and "from 0 to 3600" in answer.text
    assert hq.count() == before
    api = hq.client.get(
        "/api/v1/stores/s1/what-if",
        params={"repeat_window": window},
        headers=hq.auth(hq.reader_token),
    )
    assert api.status_code == 422
    assert "repeat_window" in api.json()["error"]["message"]


def test_bad_days_thank_you_or_store_say_what_is_wrong(hq):
    log_in(hq)
    answer = hq.client.get("/stores/s1/what-if?from=2026-09-30&to=2026-09-01")
    assert answer.status_code == 400 and "is after to" in answer.text
    answer = hq.client.get("/stores/s1/what-if?thank_you=0.1")
    assert answer.status_code == 400 and "thank_you=" in answer.text
    long = hq.client.get("/stores/s1/what-if", params={"repeat_window": "9" * 41})
    assert long.status_code == 422 and "repeat_window" in long.text
    assert hq.client.get("/stores/nowhere/what-if").status_code == 404
    api = hq.client.get("/api/v1/stores/nowhere/what-if", headers=hq.auth(hq.reader_token))
    assert api.status_code == 404 and api.json()["error"]["code"] == "unknown_store"
    api = hq.client.get(
        "/api/v1/stores/s1/what-if?from=2026-09-30&to=2026-09-01",
        headers=hq.auth(hq.reader_token),
    )
    assert api.status_code == 400 and api.json()["error"]["code"] == "bad_range"


def test_an_anonymous_browser_goes_to_the_login_and_a_script_needs_a_token(hq):
    answer = hq.client.get("/stores/s1/what-if?repeat_window=2", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert hq.client.get("/api/v1/stores/s1/what-if").status_code == 401
    bad = hq.client.get("/api/v1/stores/s1/what-if", headers=hq.auth("not-a-token"))
    assert bad.status_code == 401


def test_the_json_says_what_the_page_says(hq):
    seed(hq)
    query = f"repeat_window=2.5&thank_you=0.5&{DAY}"
    data = hq.client.get(f"/api/v1/stores/s1/what-if?{query}", headers=hq.auth(hq.reader_token))
    assert data.status_code == 200
    data = data.json()
    log_in(hq)
    rows = table(hq.client.get(f"/stores/s1/what-if?{query}").text)
    assert (data["from"], data["to"], data["scale"]) == ("2026-11-19", "2026-11-19", "smiley4")
    assert (data["repeat_window"], data["thank_you"], data["lead_in_seconds"]) == (2.5, 0.5, 3600)
    stored, recounted = data["stored"], data["recounted"]
    assert rows["counted"][:2] == (str(stored["counted"]), str(recounted["counted"]))
    s, r = stored["scales"]["smiley4"], recounted["scales"]["smiley4"]
    assert rows["csat"][:2] == (f"{s['csat']:.1f}", f"{r['csat']:.1f}")
    assert rows["index"][:2] == (f"{s['index']:.1f}", f"{r['index']:.1f}")
    for flag in set(stored["not_counted"]) | set(recounted["not_counted"]):
        want = (str(stored["not_counted"].get(flag, 0)), str(recounted["not_counted"].get(flag, 0)))
        assert rows[flag][:2] == want
    assert stored["ratings"] == recounted["ratings"] == len(PRESSES)
    assert data["changed"]["let_in"] - data["changed"]["left_out"] == (
        recounted["counted"] - stored["counted"]
    )


def test_the_thank_you_time_defaults_to_the_stores_settings_at_hq(hq):
    log_in(hq)
    with hq.sessions() as s:
        s.add(Survey(store_id="s1", device_id="", version=1, updated_at=to_utc_text(hq.clock.now),
                     body={"survey": {}, "hours": {}, "behaviour": {"thank_you": 5}}))  # fmt: skip
        s.add(Survey(store_id="s2", device_id="", version=1, updated_at=to_utc_text(hq.clock.now),
                     body={"survey": {}, "hours": {}, "behaviour": {"thank_you": 99}}))  # fmt: skip
        s.commit()
    assert 'name="thank_you" value="5"' in hq.client.get("/stores/s1/what-if").text
    # A value no kiosk would take is not believed: the kiosk's default.
    assert 'name="thank_you" value="3"' in hq.client.get("/stores/s2/what-if").text
    data = hq.client.get("/api/v1/stores/s1/what-if").json()
    assert data["thank_you"] == 5.0


def test_the_what_if_page_in_chromium(hq, browser):  # noqa: F811 -- the fixture
    seed(hq)
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        _log_in(page, server.url)
        page.goto(f"{server.url}/stores/s1/what-if?{DAY}")
        page.fill("input[name=repeat_window]", "2")
        page.click("#what-if button[type=submit]")
        page.wait_for_url(re.compile(r".*repeat_window=2&.*"))
        assert page.inner_text("tr[data-row=counted] td[data-col=recounted]") == "9"
        assert page.inner_text("tr[data-row=counted] td[data-col=difference]") == "+3"
        page.screenshot(path=ARTIFACTS / "whatif.png", full_page=True)
