"""The web survey over HTTP, on SQLite and PostgreSQL (issue 32): a shopper answers
through a link; the answer is a rating of the link in the kiosks' table and counts;
the follow-up is added once; flags as at the kiosk; every bad request is a clear 4xx
page that changes nothing, never a 5xx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from hq.answer import guard
from hq.fleet.surveys import set_survey
from hq.fleet.touchpoints import add_web_link, retire_web_link
from hq.tables.models import DayCount, HourCount, Rating, WebClient
from hq.tables.surveys import Comment

NPS = {"scale": "nps", "question": {"fi": "Suosittelisitko?", "sv": "Skulle du rekommendera?",
                                    "en": "Would you recommend us?"}}  # fmt: skip


@pytest.fixture
def link(hq):
    """A web link of store s1 at the entrance: its code."""
    with hq.sessions() as s:
        return add_web_link(s, None, "s1", "Door", "entrance", hq.clock.now).code


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of the page's form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def answer(hq, code: str, score: int, lang: str = "en", **over):
    page = hq.client.get(f"/r/{code}?lang={lang}")
    assert page.status_code == 200, page.text
    return hq.client.post(f"/r/{code}", data={**form_of(page.text), "score": str(score), **over},
                          follow_redirects=False)  # fmt: skip


def ratings(hq) -> list:
    with hq.sessions() as s:
        return s.execute(
            select(Rating.device_id, Rating.source, Rating.database_id, Rating.seq, Rating.score,
                   Rating.reason, Rating.flag).order_by(Rating.seq)
        ).all()  # fmt: skip


def state(hq) -> list:
    with hq.sessions() as s:
        return [
            s.execute(text(q)).all()
            for q in ("SELECT id, reason, flag FROM ratings ORDER BY id",
                      "SELECT rating_id, text FROM comments ORDER BY rating_id",
                      "SELECT * FROM rating_days ORDER BY store_id, day, scale",
                      "SELECT * FROM rating_hours ORDER BY store_id, day, hour, device_id, reason",
                      "SELECT * FROM question_days ORDER BY store_id, day, survey_id")
        ]  # fmt: skip


def test_a_shopper_answers_and_the_answer_counts_like_a_press(hq, link):
    page = hq.client.get(f"/r/{link}", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert '<html lang="sv">' in page.text and "Hur lyckades vi i dag?" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert re.findall(r'data-face="(\w+)">', page.text) == [
        "very_unhappy", "unhappy", "happy", "very_happy"]  # fmt: skip
    sent = answer(hq, link, 2)
    assert sent.status_code == 303 and "/more?t=" in sent.headers["location"]
    assert guard.COOKIE in sent.headers["set-cookie"]
    assert ratings(hq) == [(f"web-{link}", "web", "web", 1, 2, None, None)]
    more = hq.client.get(sent.headers["location"])
    assert 'name="reason" value="queue"' in more.text  # unhappy: the follow-up is asked
    done = hq.client.post(f"/r/{link}/more", data={**form_of(more.text), "reason": "queue",
                          "words": "Long queue. Mail me: anna@example.com"},
                          follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"].startswith(f"/r/{link}/thanks")
    assert "Thank you!" in hq.client.get(done.headers["location"]).text
    assert ratings(hq)[0][5] == "queue"
    with hq.sessions() as s:
        comment = s.get(Comment, s.scalar(select(Rating.id)))
        assert "anna@example.com" not in comment.text and "Long queue" in comment.text
        hours = s.execute(select(HourCount.reason, HourCount.n).where(
            HourCount.device_id == f"web-{link}")).all()  # fmt: skip
        assert hours == [("queue", 1)]  # moved from "no reason" to its reason
        assert s.scalar(select(DayCount.s2).where(DayCount.store_id == "s1")) == 1
    # the store's figures see it at once
    daily = hq.client.get("/api/v1/stores/s1/daily?from=2026-11-20&to=2026-11-20",
                          headers=hq.auth(hq.reader_token)).json()  # fmt: skip
    assert "2" in str(daily) and daily  # one rating of score 2 counted


def test_a_happy_answer_gets_only_the_text_box_and_a_second_answer_numbers_on(hq, link):
    first = answer(hq, link, 4)
    more = hq.client.get(first.headers["location"])
    assert 'name="reason"' not in more.text and 'name="words"' in more.text
    skipped = hq.client.post(f"/r/{link}/more", data={**form_of(more.text), "skip": "1"},
                             follow_redirects=False)  # fmt: skip
    assert skipped.status_code == 303
    hq.client.cookies.clear()
    answer(hq, link, 3)
    assert [r[3] for r in ratings(hq)] == [1, 2]
    with hq.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0


def test_nps_shows_eleven_numbers_and_takes_zero(hq, link):
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": NPS, "hours": {}}, hq.clock.now)
    page = hq.client.get(f"/r/{link}?lang=fi")
    assert "Suosittelisitko?" in page.text
    assert re.findall(r'name="score" value="(\d+)"', page.text) == [str(n) for n in range(11)]
    assert answer(hq, link, 0, "fi").status_code == 303
    assert ratings(hq)[0][4] == 0
    assert answer(hq, link, 11, "fi").status_code == 400


def test_a_second_answer_from_one_browser_is_a_repeat_kept_not_counted(hq, link):
    answer(hq, link, 4)
    answer(hq, link, 1)
    assert [r[6] for r in ratings(hq)] == [None, "repeat"]
    hq.clock.now += guard.REPEAT_WINDOW + timedelta(seconds=1)
    answer(hq, link, 1)
    assert [r[6] for r in ratings(hq)] == [None, "repeat", None]
    with hq.sessions() as s:
        day = s.scalar(select(DayCount).where(DayCount.store_id == "s1"))
        assert (day.s4, day.s1, day.repeat) == (1, 1, 1)


def test_a_burst_from_one_address_is_flagged_kept_and_then_slowed_down(hq, link):
    statuses = []
    fields = form_of(hq.client.get(f"/r/{link}").text)
    for i in range(guard.LIMIT + 1):
        hq.client.cookies.clear()  # a new browser each time, one address
        sent = hq.client.post(f"/r/{link}", data={**fields, "score": str(1 + i % 4)},
                              follow_redirects=False)  # fmt: skip
        statuses.append(sent.status_code)
    flags = [r[6] for r in ratings(hq)]
    assert len(flags) == guard.LIMIT + 1  # every answer kept
    assert flags[: guard.BURST] == [None] * guard.BURST
    assert set(flags[guard.BURST :]) == {"burst"}
    assert statuses[: guard.LIMIT] == [303] * guard.LIMIT
    assert statuses[-1] == 429  # kept, flagged, and a friendly page instead of the next step
    slow = hq.client.get(f"/r/{link}?lang=fi")
    assert slow.status_code == 429 and slow.headers["retry-after"] == "60"
    assert '<html lang="fi">' in slow.text
    with hq.sessions() as s:
        day = s.scalar(select(DayCount).where(DayCount.store_id == "s1"))
        assert day.burst == guard.LIMIT + 1 - guard.BURST
        names = s.scalars(select(WebClient.client)).all()
        assert all(re.fullmatch(r"[ab]:[0-9a-f]{32}", n) for n in names)  # keyed hashes only
    hq.clock.now += guard.BURST_WINDOW
    assert answer(hq, link, 4).status_code == 303


def test_outside_opening_hours_an_answer_is_closed_but_not_after_purchase(hq, link):
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": {}, "hours": {"fri": "14:00-20:00"}}, hq.clock.now)
        receipt = add_web_link(s, None, "s1", "Receipt", "after_purchase", hq.clock.now).code
    page = hq.client.get(f"/r/{link}?lang=en")
    assert "The store is closed now" in page.text
    answer(hq, link, 4)
    hq.client.cookies.clear()
    answer(hq, receipt, 4)
    assert {r[0]: r[6] for r in ratings(hq)} == {f"web-{link}": "closed", f"web-{receipt}": None}


def test_unknown_and_retired_links_are_a_friendly_404(hq, link):
    gone = hq.client.get("/r/nosuchcode1", headers={"Accept-Language": "fi"})
    assert gone.status_code == 404 and '<html lang="fi">' in gone.text
    page = hq.client.get(f"/r/{link}")
    with hq.sessions() as s:
        retire_web_link(s, None, f"web-{link}", hq.clock.now)
    assert hq.client.get(f"/r/{link}").status_code == 404
    late = hq.client.post(f"/r/{link}", data={**form_of(page.text), "score": "1"})
    assert late.status_code == 404 and ratings(hq) == []


def test_a_changed_survey_refuses_the_old_form_and_a_forged_one(hq, link):
    page = hq.client.get(f"/r/{link}?lang=en")
    fields = form_of(page.text)
    forged = hq.client.post(f"/r/{link}", data={**fields, "version": "7", "score": "1"})
    assert forged.status_code == 400 and "not the one we sent" in forged.text
    for sig in ("\x80", "ä" * 32, ""):
        sent = hq.client.post(f"/r/{link}", data={**fields, "sig": sig, "score": "1"})
        assert sent.status_code == 400
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": NPS, "hours": {}}, hq.clock.now)
    stale = hq.client.post(f"/r/{link}", data={**fields, "score": "1"})
    assert stale.status_code == 409 and "The survey has changed" in stale.text
    assert f'href="/r/{link}?lang=en"' in stale.text
    assert ratings(hq) == []


def test_the_second_step_is_taken_once_and_only_while_open(hq, link):
    more = hq.client.get(answer(hq, link, 1).headers["location"])
    fields = form_of(more.text)
    bad = hq.client.post(f"/r/{link}/more", data={**fields, "reason": "weather"})
    assert bad.status_code == 400
    assert hq.client.post(f"/r/{link}/more", data={**fields, "reason": "staff"}).status_code == 200
    again = hq.client.post(f"/r/{link}/more", data={**fields, "reason": "queue"})
    assert again.status_code == 409 and "already told us" in again.text
    assert ratings(hq)[0][5] == "staff"
    hq.client.cookies.clear()
    more = hq.client.get(answer(hq, link, 1).headers["location"])
    hq.clock.now += timedelta(minutes=16)
    late = hq.client.post(f"/r/{link}/more", data={**form_of(more.text), "reason": "staff"})
    assert late.status_code == 410 and ratings(hq)[1][5] is None
    other = dict(form_of(more.text), t=form_of(more.text)["t"].replace(".", ".9", 1))
    assert hq.client.post(f"/r/{link}/more", data=other).status_code == 400
    for t in ("x.1.y", "a" * 36 + "." + "9" * 5000 + ".s", "a" * 36 + ".²." + "0" * 32, ""):
        assert hq.client.get(f"/r/{link}/more", params={"t": t}).status_code == 400


@pytest.mark.parametrize(
    ("body", "kind", "status"),
    [
        (b"score=1", "application/x-www-form-urlencoded", 400),  # no survey fields
        (b"", "application/x-www-form-urlencoded", 400),
        (b"score=%ff%fe", "application/x-www-form-urlencoded", 400),  # not UTF-8
        ("score=ä".encode("latin-1"), "application/x-www-form-urlencoded", 400),
        (b'{"score": 1}', "application/json", 415),
        (b"words=" + b"a" * 20_000, "application/x-www-form-urlencoded", 413),
        (b"&".join(b"f%d=1" % i for i in range(50)), "application/x-www-form-urlencoded", 400),
    ],
)
def test_broken_forms_are_clear_pages_and_change_nothing(hq, link, body, kind, status):
    before = state(hq)
    for path in (f"/r/{link}", f"/r/{link}/more"):
        sent = hq.client.post(path, content=body, headers={"Content-Type": kind})
        assert sent.status_code == status, (path, sent.text[:300])
        assert sent.headers["content-type"].startswith("text/html")
        assert "<h1>" in sent.text
    assert state(hq) == before


def test_a_huge_comment_or_a_forged_score_changes_nothing(hq, link):
    more = hq.client.get(answer(hq, link, 1).headers["location"])
    before = state(hq)
    huge = hq.client.post(f"/r/{link}/more", data={**form_of(more.text), "words": "x" * 5000})
    assert huge.status_code == 413 and state(hq) == before
    page = hq.client.get(f"/r/{link}")
    for score in ("0", "5", "-1", "one", "", "²", "1" * 5000, "٣"):
        sent = hq.client.post(f"/r/{link}", data={**form_of(page.text), "score": score})
        assert sent.status_code == 400, score
    assert state(hq) == before


def test_the_page_is_small_on_the_wire_and_gzip_when_asked(hq, link):
    plain = hq.client.get(f"/r/{link}", headers={"Accept-Encoding": "identity"})
    zipped = hq.client.get(f"/r/{link}", headers={"Accept-Encoding": "gzip"})
    assert len(plain.content) < 30_000
    assert zipped.headers["content-encoding"] == "gzip"
    assert "<svg" in plain.text and "<script" not in plain.text and "http" not in plain.text.split(
        "<body>")[1]  # fmt: skip


def test_web_links_are_never_missing_anything_on_the_fleets_pages(hq, link):
    for score in (1, 2, 3):
        hq.client.cookies.clear()
        answer(hq, link, score)
    from hq.insight.chain_health import lacking, silent_devices

    with hq.sessions() as s:
        assert lacking(s) == {}
        silent, working = silent_devices(s, hq.clock.now + timedelta(days=3))
        assert f"web-{link}" not in [x.device_id for x in silent] and working == 2


def test_two_hq_processes_count_one_address_together(hq, link, database_url):
    from fastapi.testclient import TestClient

    from hq.server.app import create_app

    other = create_app(database_url, clock=hq.clock)
    try:
        second = TestClient(other)
        fields = form_of(hq.client.get(f"/r/{link}").text)
        for i in range(guard.BURST + 1):  # one address, every other answer to the other HQ
            client = (hq.client, second)[i % 2]
            client.cookies.clear()
            sent = client.post(f"/r/{link}", data={**fields, "score": "4"}, follow_redirects=False)
            assert sent.status_code == 303
        assert [r[6] for r in ratings(hq)] == [None] * guard.BURST + ["burst"]
        assert [r[3] for r in ratings(hq)] == list(range(1, guard.BURST + 2))  # one seq line
    finally:
        other.state.engine.dispose()


def test_answers_at_once_to_one_link_each_get_their_own_seq(hq, link):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.hq.conftest import LiveServer

    fields = form_of(hq.client.get(f"/r/{link}").text)
    with LiveServer(hq.app) as server:

        def shopper(i: int) -> int:
            sent = requests.post(f"{server.url}/r/{link}", data={**fields, "score": str(1 + i % 4)},
                                 allow_redirects=False, timeout=30)  # fmt: skip
            return sent.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(shopper, range(16)))
    assert statuses == [303] * 16
    assert sorted(r[3] for r in ratings(hq)) == list(range(1, 17))
    with hq.sessions() as s:
        days = s.scalar(select(DayCount).where(DayCount.store_id == "s1"))
        assert days.s1 + days.s2 + days.s3 + days.s4 + days.burst == 16
