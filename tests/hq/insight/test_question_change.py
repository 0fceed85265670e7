"""A question change is not a change of opinion (issue 30, B8): the audit's chain showed
a store's change of question as a -12,4 drop in the ranking's change and -12,6 in the
report. Where a store asked another question version in a period than in what it is
compared with, the ranking (dashboard and report), the store page's change and the
report show no change and say plainly "the question changed on <date>". On SQLite and
PostgreSQL."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, date, datetime, timedelta

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from hq.people.admin import add_device
from hq.tables.models import DeviceReceived
from kiosk.rating import LEGACY_DATABASE
from kiosk.timekeeping.localtime import to_utc_text, zone
from tests.hq.conftest import log_in
from tests.hq.report_data import LAST_WEEK, MONDAY, three_stores

DAYS = "from=2026-11-16&to=2026-11-22&compare=previous"
OLD = {"survey_id": "default", "question_id": "overall", "config_version": 1}
NEW = {"survey_id": "default", "question_id": "overall", "config_version": 2}


def week(hq, device: str, store: str, first: date, happy: float, asked: dict, token: str):
    """40 ratings a day of *device* over the 7 days from *first*, asking *asked*."""
    rng, tz, sent = random.Random(f"{device}{first}"), zone("Europe/Helsinki"), []
    for d in range(7):
        day = first + timedelta(days=d)
        for i in range(40):
            local = datetime(day.year, day.month, day.day, 9 + i % 10, i, tzinfo=tz)
            score = rng.choice([3, 4]) if rng.random() < happy else rng.choice([1, 2])
            when = to_utc_text(local.astimezone(UTC))
            sent.append(
                hq.rating(device_id=device, store_id=store, score=score, recorded_at=when, **asked)
            )
    with hq.sessions() as s:
        got = s.get(DeviceReceived, (device, LEGACY_DATABASE))
        last = got.last_seq if got else 0
    for i, r in enumerate(sent, start=1):
        r["seq"] = last + i
    assert hq.post(sent, token).status_code == 200


def chain(hq):
    """Kamppi (s1) asked version 1 the week before and version 2 last week, far less happy
    with the new wording; Tampere (s2) asked version 1 both weeks."""
    hq.clock.now = MONDAY
    tokens = three_stores(hq)
    before = LAST_WEEK - timedelta(days=7)
    week(hq, "k1", "s1", before, 0.9, OLD, tokens["k1"])
    week(hq, "k1", "s1", LAST_WEEK, 0.5, NEW, tokens["k1"])
    week(hq, "k2", "s2", before, 0.6, OLD, tokens["k2"])
    week(hq, "k2", "s2", LAST_WEEK, 0.7, OLD, tokens["k2"])


def change_cell(page: str, store: str) -> str:
    row = re.search(rf'<tr data-store="{store}".*?</tr>', page, re.S).group(0)
    cell = re.search(r'data-metric="change">(.*?)</td>', row, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def test_a_question_change_shows_no_change_but_says_when_it_changed(hq):
    chain(hq)
    log_in(hq)
    hq.client.post("/language", data={"language": "en", "csrf": _csrf(hq)})
    for query in ("", DAYS):  # the last 30 days against the 30 before, and a chosen week
        ranking = hq.client.get(f"/?{query}").text
        assert change_cell(ranking, "s1") == "the question changed on 2026-11-16", query
    assert re.fullmatch(r"[+-]?\d+\.\d", change_cell(ranking, "s2"))  # the chosen week's

    page = hq.client.get(f"/stores/s1?{DAYS}").text
    shown = re.search(r'<p data-metric="change">(.*?)</p>', page, re.S).group(1)
    assert 'data-question-changed="2026-11-16"' in shown
    assert not re.search(r"[+-]\d+\.\d", shown)  # no drop of opinion
    other = hq.client.get(f"/stores/s2?{DAYS}").text
    assert re.search(r'<p data-metric="change">[^<]*[+-]\d+\.\d</p>', other)

    fi = language("fi")
    with hq.sessions() as s:
        report = build_report(s, "region:south", report_period("weekly", LAST_WEEK),
                              MONDAY, fi)  # fmt: skip
    kamppi = next(p for p in report.stores if p.store.id == "s1")
    assert kamppi.change is None and kamppi.changed_on == date(2026, 11, 16)
    tampere = next(p for p in report.stores if p.store.id == "s2")
    assert tampere.change is not None and tampere.changed_on is None
    mail = render(report)
    note = fi.gettext("the question changed on %(day)s") % {"day": fi.date(date(2026, 11, 16))}
    (ranked,) = [x for x in mail.text.splitlines() if re.match(r"\s+\d\. Kamppi", x)]
    assert ranked.endswith(note)
    assert f"{fi.gettext('change:')} {note})" in mail.text
    assert mail.html.count(note) == 2  # the ranking's row and the store's change


def test_a_question_change_shows_no_change_for_the_stores_kiosks_either(hq):
    """Kamppi's two kiosks both changed question last week: on the chosen week against the
    one before, neither shows a change; Tampere's two kiosks, which did not, show theirs."""
    chain(hq)
    with hq.sessions() as s:
        tokens = {k: add_device(s, store, k, hq.clock.now) for k, store in
                  (("k1b", "s1"), ("k2b", "s2"))}  # fmt: skip
    before = LAST_WEEK - timedelta(days=7)
    week(hq, "k1b", "s1", before, 0.8, OLD, tokens["k1b"])
    week(hq, "k1b", "s1", LAST_WEEK, 0.6, NEW, tokens["k1b"])
    week(hq, "k2b", "s2", before, 0.4, OLD, tokens["k2b"])
    week(hq, "k2b", "s2", LAST_WEEK, 0.8, OLD, tokens["k2b"])
    log_in(hq)
    for store, kiosks, shown in (("s1", ("k1", "k1b"), False), ("s2", ("k2", "k2b"), True)):
        page = hq.client.get(f"/stores/{store}?{DAYS}").text
        for kiosk in kiosks:
            row = re.search(rf'<tr data-device="{kiosk}".*?</tr>', page, re.S).group(0)
            cell = re.search(r'data-metric="change">(.*?)</td>', row, re.S).group(1)
            assert bool(re.fullmatch(r"[+-]\d+\.\d", cell.strip())) is shown, kiosk


def _csrf(hq) -> str:
    from tests.hq.conftest import csrf_of

    return csrf_of(hq.client.get("/").text)
