"""A store's report counts what its web comments speak of (issue 32), as the store page
does: topic counts only (never a shopper's words), apart from the kiosk reasons, and none
from fewer than the privacy guard's few. In HTML, text and PDF, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pypdf

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from hq.words.keep import keep_comment
from tests.hq.report_data import LAST_WEEK, MONDAY
from tests.hq.words.answers import REASONS_FI, web_link, web_rating

WORDS = "Jono oli pitkä ja kassalla kesti, soita 040 765 4321"


def _comments(hq, n: int) -> None:
    at = datetime(LAST_WEEK.year, LAST_WEEK.month, LAST_WEEK.day, 10, tzinfo=UTC)
    with hq.sessions() as s:
        link = web_link(s, "s1", at)
        for i in range(n):
            rid = web_rating(s, "s1", link, at + timedelta(hours=i), score=1)
            keep_comment(s, rating_id=rid, store_id="s1", device_id=link, language="fi",
                         text=WORDS, now=at, reasons=REASONS_FI)  # fmt: skip
        s.commit()


def _report(hq):
    with hq.sessions() as s:
        report = build_report(s, "store:s1", report_period("weekly", LAST_WEEK), MONDAY,
                              language("fi"))  # fmt: skip
    return render(report)


def test_the_report_counts_the_topics_of_the_weeks_comments_never_their_words(hq):
    _comments(hq, 5)
    mail = _report(hq)
    pdf = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(mail.pdf)).pages)
    for told in (mail.html, mail.text, pdf):
        assert "Asiakkaiden kommenteissa (verkko)" in told
        assert "Jono" in told
        assert "Jono oli pitkä" not in told and "040 765 4321" not in told
    assert "Jono: 100 % (5)" in mail.text


def test_fewer_comments_than_the_guard_are_not_counted_in_the_report(hq):
    _comments(hq, 4)
    mail = _report(hq)
    assert "Asiakkaiden kommenteissa (verkko)" not in mail.html + mail.text
