"""keep_comment: a web answer's words kept with personal data removed, tagged with the
store's reasons, once per rating, in the caller's transaction; an analyst's topic edit
noted with who and when and written to the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.core.errors import InputError
from hq.tables.chain import AuditEvent
from hq.tables.surveys import Comment
from hq.words.keep import (
    CUT,
    MAX_LENGTH,
    CommentExistsError,
    TopicsError,
    keep_comment,
    set_topics,
)
from tests.hq.words.answers import REASONS_FI, REASONS_SV, web_link, web_rating


def keep(s, hq, rating_id, device_id, text, language="fi", reasons=REASONS_FI):
    return keep_comment(
        s,
        rating_id=rating_id,
        store_id="s1",
        device_id=device_id,
        language=language,
        text=text,
        now=hq.clock.now,
        reasons=reasons,
    )


def test_a_comment_is_kept_redacted_and_tagged_and_committed_by_the_caller(hq):
    original = "Jono oli pitkä ja myyjä töykeä. Soittakaa 040 123 4567 tai maija@example.fi"
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        kept = keep(s, hq, rid, link, f"  {original}\n")
        assert kept.text == "Jono oli pitkä ja myyjä töykeä. Soittakaa [phone] tai [email]"
        assert kept.topics == ["queue", "staff"]
        assert kept.matched == {"queue": ["Jono", "pitkä"], "staff": ["myyjä", "töykeä"]}
        assert kept.removed == {"phone": 1, "email": 1} and not kept.cut
        s.commit()
    with hq.sessions() as s:
        row = s.get(Comment, rid)
        assert (row.store_id, row.device_id, row.language) == ("s1", link, "fi")
        assert row.text == kept.text and row.topics == ["queue", "staff"]
        assert row.matched["staff"] == ["myyjä", "töykeä"]
        assert row.topics_edited_by is None
        every_text = [t for (t,) in s.execute(select(Comment.text))]
        assert all("4567" not in t and "@" not in t for t in every_text)


def test_nothing_is_kept_when_the_caller_does_not_commit(hq):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        s.commit()
    with hq.sessions() as s:
        rid = web_rating(s, "s1", link, hq.clock.now)
        assert keep(s, hq, rid, link, "Kassalla jonoa") is not None
        s.rollback()
    with hq.sessions() as s:
        assert s.scalars(select(Comment)).all() == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_words_keep_nothing(hq, text):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        assert keep(s, hq, rid, link, text) is None
        s.commit()
        assert s.scalars(select(Comment)).all() == []


def test_a_second_comment_for_one_rating_is_refused_and_the_first_stays(hq):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        keep(s, hq, rid, link, "Kö vid kassan", "sv", REASONS_SV)
        with pytest.raises(CommentExistsError, match=rid):
            keep(s, hq, rid, link, "Something else", "sv", REASONS_SV)
        s.commit()
    with hq.sessions() as s:
        with pytest.raises(CommentExistsError):
            keep(s, hq, rid, link, "again", "sv", REASONS_SV)
        assert s.get(Comment, rid).text == "Kö vid kassan"
        assert s.get(Comment, rid).topics == ["queue"]


def test_a_language_the_survey_does_not_speak_is_an_input_error(hq):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        with pytest.raises(InputError, match="'de'"):
            keep(s, hq, rid, link, "Hallo", "de")


def test_a_long_comment_is_cut_after_its_personal_data_is_removed(hq):
    # an e-mail address across the cut is removed whole, not kept in part
    text = "a" * (MAX_LENGTH - 20) + " maija.virtanen@example.com " + "b " * 3000
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        kept = keep(s, hq, rid, link, text)
        assert kept.cut and kept.text.endswith(CUT) and len(kept.text) <= MAX_LENGTH
        assert "maija" not in kept.text and "@" not in kept.text
        assert kept.removed == {"email": 1}


def test_an_analyst_sets_the_topics_with_who_and_when_in_the_audit_log(hq):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        keep(s, hq, rid, link, "Hyllyt tyhjinä")
        assert s.get(Comment, rid).topics == ["availability"]
        row = set_topics(
            s,
            rating_id=rid,
            topics=["cleanliness", "availability", "cleanliness"],
            allowed=list(REASONS_FI),
            actor="user:anna",
            now=hq.clock.now,
        )
        assert row.topics == ["availability", "cleanliness"]  # the survey's order, once
        s.commit()
    with hq.sessions() as s:
        row = s.get(Comment, rid)
        assert row.topics_edited_by == "user:anna" and row.topics_edited_at.startswith("2026-11")
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "comment")).one()
        assert (event.actor, event.action, event.object_id) == ("user:anna", "topics", rid)
        assert "cleanliness" in event.changes


@pytest.mark.parametrize("topics", [["gifts"], ["Queue"], [7]])
def test_a_topic_not_of_the_survey_is_refused_and_nothing_changes(hq, topics):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        rid = web_rating(s, "s1", link, hq.clock.now)
        keep(s, hq, rid, link, "Jono")
        with pytest.raises(TopicsError, match="topic"):
            set_topics(s, rating_id=rid, topics=topics, allowed=list(REASONS_FI),
                       actor="user:a", now=hq.clock.now)  # fmt: skip
        assert s.get(Comment, rid).topics == ["queue"]
        with pytest.raises(KeyError):
            set_topics(s, rating_id="nope", topics=[], allowed=[], actor="a", now=hq.clock.now)
