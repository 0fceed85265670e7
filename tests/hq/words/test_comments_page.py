"""The comments page and its API twin: who sees which comments (a store's manager their
store's, an analyst every store's), the filters, the matched words marked as escaped
text, the privacy guard on the counts, an analyst's topic edit (kept with who and when,
in the audit log), and bad input answered with a 4xx that changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from hq.people.admin import add_api_token, add_user
from hq.tables.chain import AuditEvent
from hq.tables.surveys import Comment
from hq.words.keep import keep_comment
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.words.answers import REASONS, web_link, web_rating

WORDS = [
    (1, "fi", "Jono oli tosi pitkä ja myyjä Maija oli töykeä, soita 040 123 4567"),
    (2, "fi", "Kassajono ei liikkunut <script>alert(1)</script>"),
    (1, "sv", "Kön var lång och personalen otrevlig"),
    (2, "fi", "Jonossa seisoin kauan"),
    (4, "en", "Nice and clean, the queue was short"),
    (1, "fi", "Hinnat ovat kalliita, jono pitkä"),
]


def seed(hq, store="s1", words=WORDS):
    """Web answers with words at *store*'s web link, an hour apart: their rating ids."""
    ids = []
    with hq.sessions() as s:
        link = web_link(s, store, hq.clock.now, name=f"QR {store}")
        for i, (score, lang, text) in enumerate(words):
            at = hq.clock.now - timedelta(hours=i + 1)
            rid = web_rating(s, store, link, at, score=score)
            keep_comment(s, rating_id=rid, store_id=store, device_id=link, language=lang,
                         text=text, now=at, reasons=REASONS[lang])  # fmt: skip
            ids.append(rid)
        s.commit()
    return link, ids


def log_in_as(hq, username, role, scope="", language="en"):
    with hq.sessions() as s:
        add_user(s, username, PASSWORD, hq.clock.now, language=language, role=role, scope=scope)
        s.commit()
    data = {
        "username": username,
        "password": PASSWORD,
        "csrf": csrf_of(hq.client.get("/login").text),
    }
    assert hq.client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_an_analyst_reads_every_stores_comments_with_matched_words_marked_and_escaped(hq):
    _link, _ids = seed(hq)
    seed(hq, "s2", [(1, "fi", "Jono Tampereella")])
    log_in_as(hq, "ana", "analyst")
    page = hq.client.get("/comments")
    assert page.status_code == 200
    html = page.text
    assert html.count('class="comment"') == len(WORDS) + 1
    assert "<mark>Jono</mark>" in html and "<mark>töykeä</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "[name]" in html and "[phone]" in html and "Maija" not in html
    assert 'action="/comments/' in html  # an analyst may edit topics
    assert 'href="/comments"' in html  # the nav links to it


def test_a_store_manager_sees_only_their_stores_comments_and_cannot_edit(hq):
    seed(hq)
    seed(hq, "s2", [(1, "fi", "Jono Tampereella")])
    log_in_as(hq, "mgr", "manager", "store:s2")
    html = hq.client.get("/comments").text
    assert html.count('class="comment"') == 1 and "Tampereella" in html
    assert 'action="/comments/' not in html
    assert hq.client.get("/comments?store=s1").status_code == 404
    with hq.sessions() as s:
        rid = s.scalars(select(Comment.rating_id).where(Comment.store_id == "s1")).first()
    form = {"csrf": csrf_of(html), "topic": "staff"}
    assert hq.client.post(f"/comments/{rid}/topics", data=form).status_code == 404
    with hq.sessions() as s:
        other = s.scalars(select(Comment.rating_id).where(Comment.store_id == "s2")).one()
    answer = hq.client.post(f"/comments/{other}/topics", data=form)
    assert answer.status_code == 403
    with hq.sessions() as s:
        assert s.get(Comment, other).topics == ["queue"]


def test_the_filters_choose_by_store_touchpoint_face_topic_and_period(hq):
    link, _ids = seed(hq)
    seed(hq, "s2", [(1, "fi", "Jono Tampereella")])
    log_in_as(hq, "ana", "analyst")

    def shown(query):
        page = hq.client.get(f"/comments?{query}")
        assert page.status_code == 200, page.text
        return page.text.count('class="comment"')

    assert shown("store=s1") == len(WORDS)
    assert shown(f"touchpoint={link}") == len(WORDS)
    assert shown("score=1") == 4
    assert shown("topic=prices") == 1
    assert shown("topic=staff&store=s1") == 2
    day = hq.clock.now.date()
    assert shown(f"from={day + timedelta(days=1)}&to={day + timedelta(days=2)}") == 0
    assert shown(f"from={day}&to={day}") == len(WORDS) + 1


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [("score=11", 400, "score"), ("score=x", 400, "score"), ("topic=Queue!", 400, "topic"),
     ("from=2026-13-01", 400, "from"), ("from=2026-11-20&to=2026-11-01", 400, "from"),
     ("from=2024-01-01&to=2026-01-01", 400, "from"), ("store=nope", 404, None),
     ("touchpoint=nope", 404, None)],
)  # fmt: skip
def test_a_bad_filter_is_a_clear_4xx_never_a_500(hq, query, status, field):
    seed(hq)
    log_in_as(hq, "ana", "analyst")
    page = hq.client.get(f"/comments?{query}")
    assert page.status_code == status
    if field:
        assert f"{field}:" in page.text
    api = hq.client.get(f"/api/v1/comments?{query}", headers=hq.auth(hq.reader_token))
    assert api.status_code == status and "error" in api.json()


def test_an_analyst_edits_a_comments_topics_and_who_and_when_are_kept(hq):
    _link, ids = seed(hq)
    log_in_as(hq, "ana", "analyst")
    html = hq.client.get("/comments").text
    rid = ids[3]
    form = {"csrf": csrf_of(html), "topic": ["staff", "queue"], "back": "/comments?store=s1"}
    answer = hq.client.post(f"/comments/{rid}/topics", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/comments?store=s1#c-{rid}"
    with hq.sessions() as s:
        row = s.get(Comment, rid)
        assert row.topics == ["queue", "staff"] and row.topics_edited_by == "user:ana"
        event = s.scalars(select(AuditEvent).where(AuditEvent.object_id == rid)).one()
        assert (event.kind, event.action, event.actor) == ("comment", "topics", "user:ana")
    html = hq.client.get("/comments").text
    assert "Topics set by user:ana" in html
    bad = {"csrf": csrf_of(html), "topic": ["gifts"]}
    assert hq.client.post(f"/comments/{rid}/topics", data=bad).status_code == 400
    expired = {"csrf": "wrong", "topic": ["prices"]}
    assert hq.client.post(f"/comments/{rid}/topics", data=expired).status_code == 403
    with hq.sessions() as s:
        assert s.get(Comment, rid).topics == ["queue", "staff"]


def test_the_counts_of_topics_are_guarded_below_the_privacy_floor(hq):
    seed(hq)  # six comments, five of them about the queue
    log_in_as(hq, "ana", "analyst")
    html = hq.client.get("/comments?store=s1").text
    counts = html.split('id="comment-topics"')[1].split("</section>")[0]
    assert '<li data-topic="queue">' in counts  # 5 comments: shown
    assert 'data-topic="prices"' not in counts  # 1 comment: not counted here
    assert "Topics of fewer than 5 comments are not counted here." in html
    few = hq.client.get("/comments?topic=prices").text
    assert 'id="too-few-comments"' in few
    store = hq.client.get("/stores/s1").text
    assert 'id="comment-topics"' in store and 'id="comments-link"' in store
    assert "In shoppers&#39; comments (web)" in store or "In shoppers' comments (web)" in store
    assert '<li data-topic="queue">' in store.split('id="comment-topics"')[1]


def test_the_api_twin_reads_and_sets_topics_with_the_same_access(hq):
    _link, ids = seed(hq)
    seed(hq, "s2", [(1, "fi", "Jono Tampereella")])
    with hq.sessions() as s:
        manager = add_api_token(s, "m2", hq.clock.now, scope="store:s2", role="analyst")
        s.commit()
    whole = hq.client.get("/api/v1/comments", headers=hq.auth(hq.reader_token)).json()
    assert whole["total"] == len(WORDS) + 1 and whole["few"] == 5
    first = next(c for c in whole["comments"] if c["rating_id"] == ids[0])
    assert first["text"].endswith("soita [phone]") and first["matched"]["queue"] == [
        "Jono",
        "pitkä",
    ]
    assert {"topic": "queue", "comments": 7} in whole["topics"]  # s1 6, s2 1
    part = hq.client.get("/api/v1/comments", headers=hq.auth(manager)).json()
    assert [c["store_id"] for c in part["comments"]] == ["s2"] and part["counted"] is None
    assert hq.client.get("/api/v1/comments?store=s1", headers=hq.auth(manager)).status_code == 404
    put = hq.client.put(f"/api/v1/comments/{ids[4]}/topics", json={"topics": ["cleanliness"]},
                        headers=hq.auth(hq.reader_token))  # fmt: skip
    assert put.status_code == 200 and put.json()["topics"] == ["cleanliness"]
    assert put.json()["topics_edited_by"].startswith("token:")
    refused = hq.client.put(f"/api/v1/comments/{ids[4]}/topics", json={"topics": ["gifts"]},
                            headers=hq.auth(hq.reader_token))  # fmt: skip
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_topics"
    hidden = hq.client.put(f"/api/v1/comments/{ids[4]}/topics", json={"topics": []},
                           headers=hq.auth(manager))  # fmt: skip
    assert hidden.status_code == 404
    assert (
        hq.client.put(f"/api/v1/comments/{ids[4]}/topics", json={"topics": []}).status_code == 401
    )
    with hq.sessions() as s:
        assert s.get(Comment, ids[4]).topics == ["cleanliness"]


def test_comments_come_a_page_at_a_time_with_and_without_a_topic(hq):
    words = [(1, "fi", f"Jono {i}" if i % 2 else f"Hinta {i}") for i in range(55)]
    seed(hq, words=words)
    auth = hq.auth(hq.reader_token)

    def read(query):
        return hq.client.get(f"/api/v1/comments?{query}", headers=auth).json()

    first, second = read("page=1"), read("page=2")
    assert first["total"] == second["total"] == 55 and first["page_size"] == 50
    assert len(first["comments"]) == 50 and len(second["comments"]) == 5
    ids = [c["rating_id"] for c in first["comments"] + second["comments"]]
    assert len(set(ids)) == 55  # newest first, none twice
    times = [c["recorded_at"] for c in first["comments"] + second["comments"]]
    assert times == sorted(times, reverse=True)
    queue = read("topic=queue"), read("topic=queue&page=2")
    assert (
        queue[0]["total"] == 27 and len(queue[0]["comments"]) == 27 and queue[1]["comments"] == []
    )
    assert all(c["topics"] == ["queue"] for c in queue[0]["comments"])


def test_the_export_carries_each_comment_redacted_and_its_topics_empty_for_kiosks(hq):
    _, ids = seed(hq)
    kiosk = hq.rating(recorded_at=to_utc_text(hq.clock.now - timedelta(minutes=30)))
    assert hq.post([kiosk]).status_code == 200
    answer = hq.client.get("/api/v1/export.csv", headers=hq.auth(hq.reader_token))
    assert answer.status_code == 200
    rows = {r["rating_id"]: r for r in csv.DictReader(io.StringIO(answer.text, newline=""))}
    assert rows[ids[0]]["comment"].endswith("soita [phone]") and "040" not in answer.text
    assert rows[ids[0]]["comment_topics"] == "queue;staff"
    assert rows[ids[1]]["comment"] == "Kassajono ei liikkunut <script>alert(1)</script>"
    assert rows[kiosk["id"]]["comment"] == rows[kiosk["id"]]["comment_topics"] == ""
