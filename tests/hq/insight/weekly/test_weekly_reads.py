"""The weekly summary read from the kept counts on SQLite and PostgreSQL (issue 33): the
same changes as the method finds in the plain counts, flagged ratings left out, busyness
from the business figures, a region's stores pooled; the API twin, who may see it, and
the weekly report that opens with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import finished
from hq.insight.scheduled.render import render
from hq.insight.weekly.slices import examine
from hq.insight.weekly.summary import last_week, region_summary, store_summary
from hq.people.admin import add_store
from hq.people.roles import add_region, set_store_region
from hq.tables.business import BusinessHour
from hq.tables.models import DayCount, HourCount, Store
from tests.hq.conftest import NOON
from tests.hq.insight.weekly.simulated import keep, store_weeks

WEEK, _ = last_week(NOON.date())  # Monday 9.11.2026: s1's last complete week at NOON
NORM = WEEK - timedelta(weeks=8)
MONDAY_EVENINGS = {"weekday": 0, "hours": (17, 24), "share": 0.5}


def test_the_kept_counts_read_as_the_method_finds_them(hq):
    cells = store_weeks(11, planted=MONDAY_EVENINGS, first=NORM)
    keep(hq, "s1", cells, flagged=True)
    with hq.sessions() as s:
        summary = store_summary(s, s.get(Store, "s1"), NOON)
    expected = examine(cells, "smiley4")
    assert (summary.first, summary.last, summary.norm_first) == (WEEK, WEEK + timedelta(6), NORM)
    assert summary.verdict == "changes" and summary.examined.ratings == expected.ratings
    assert [(c.where, c.n, c.norm_n) for c in summary.changes] == [
        (c.where, c.n, c.norm_n) for c in expected.changes
    ]
    assert summary.changes[0].parts == {"weekday": 0, "hours": "evening"}


def test_business_figures_add_the_busyness_slices(hq):
    """The hours with business figures add a slice per band of busyness, counted as the
    method counts the plain cells with each hour's band (the bands decided in SQL)."""
    cells = store_weeks(12, planted={"hours": (17, 24), "share": 0.45}, first=NORM)
    keep(hq, "s1", cells)
    with hq.sessions() as s:
        without = store_summary(s, s.get(Store, "s1"), NOON).examined.tested
    with hq.sessions() as s, s.begin():
        for day in range(63):
            d = NORM + timedelta(days=day)
            for hour in range(8, 20):  # the evening's last hours have no figures
                at = datetime(d.year, d.month, d.day, hour, tzinfo=UTC).isoformat()
                s.add(BusinessHour(store_id="s1", starts_at=at, day=d.isoformat(), hour=hour,
                                   transactions=60 if hour >= 17 else 15, staff=2,
                                   imported_at=at))  # fmt: skip
    with hq.sessions() as s:
        found = store_summary(s, s.get(Store, "s1"), NOON).examined
    assert found.tested == without + 2  # two bands of busyness: 5–10 and 20–40 per staff member
    banded = [c._replace(busy=None if c.hour >= 20 else 3 if c.hour >= 17 else 1) for c in cells]
    plain = examine(banded, "smiley4")
    assert (found.tested, found.ratings, found.norm_ratings) == (
        plain.tested, plain.ratings, plain.norm_ratings)  # fmt: skip
    assert found.tau2 == pytest.approx(plain.tau2, rel=1e-9)
    told = [(c.where, c.n, c.norm_n, c.before, c.after) for c in found.changes]
    assert told and told == [(c.where, c.n, c.norm_n, c.before, c.after) for c in plain.changes]


def _chain(hq) -> None:
    """Region south: s1 and s9 (Itäkeskus)."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        add_store(s, "s9", "Itäkeskus", "Europe/Helsinki", now)
        set_store_region(s, "s1", "south")
        set_store_region(s, "s9", "south")


def test_a_region_pools_its_stores_and_tells_which_store_changed(hq):
    _chain(hq)
    keep(hq, "s1", store_weeks(21, first=NORM))
    keep(hq, "s9", store_weeks(22, planted={"share": 0.4}, first=NORM))
    with hq.sessions() as s:
        stores = [s.get(Store, "s1"), s.get(Store, "s9")]
        summary = region_summary(s, "south", "South", stores, NOON)
    assert summary.verdict == "changes"
    assert summary.changes[0].parts == {"store": "s9"}
    assert summary.units["s9"] == "Itäkeskus"


def test_the_api_twin_in_three_languages_and_its_refusals(hq):
    _chain(hq)
    keep(hq, "s1", store_weeks(11, planted=MONDAY_EVENINGS, first=NORM))
    keep(hq, "s9", store_weeks(23, first=NORM))
    reader = hq.auth(hq.reader_token)
    body = hq.client.get("/api/v1/stores/s1/weekly-changes", headers=reader).json()
    assert body["verdict"] == "changes" and body["first"] == WEEK.isoformat()
    first = body["changes"][0]
    assert first["where"] == {"weekday": 0, "hours": "evening"}
    assert first["sentence"].startswith("Unhappy share on Mondays in the evenings (from 17) rose")
    assert f"(n = {first['n']})" in first["sentence"] and first["p_adjusted"] < 0.05
    fi = hq.client.get("/api/v1/stores/s1/weekly-changes?lang=fi", headers=reader).json()
    assert "maanantaisin iltaisin" in fi["changes"][0]["sentence"]
    assert " nousi " in fi["changes"][0]["sentence"]
    sv = hq.client.get("/api/v1/stores/s1/weekly-changes?lang=sv", headers=reader).json()
    assert "på måndagar på kvällarna" in sv["changes"][0]["sentence"]
    quiet = hq.client.get("/api/v1/stores/s9/weekly-changes", headers=reader).json()
    assert quiet["verdict"] == "no_change"
    assert quiet["line"] == "No change beyond the usual week-to-week variation."
    # an earlier week: the one before had no norm of 3 weeks (the counts start at NORM)
    early = (NORM + timedelta(days=16)).isoformat()
    old = hq.client.get(f"/api/v1/stores/s1/weekly-changes?week={early}", headers=reader).json()
    assert old["verdict"] == "too_early" and old["first"] == (NORM + timedelta(14)).isoformat()
    region = hq.client.get("/api/v1/regions/south/weekly-changes", headers=reader)
    assert region.status_code == 200 and region.json()["scope"] == "region"
    for path, field in (("/api/v1/stores/s1/weekly-changes?week=2026-13-01", "week"),
                        ("/api/v1/stores/s1/weekly-changes?lang=de", "lang")):  # fmt: skip
        answer = hq.client.get(path, headers=reader)
        assert answer.status_code == 422 and field in answer.text
    assert hq.client.get("/api/v1/stores/nope/weekly-changes", headers=reader).status_code == 404
    assert hq.client.get("/api/v1/regions/nope/weekly-changes", headers=reader).status_code == 404
    assert hq.client.get("/api/v1/stores/s1/weekly-changes").status_code == 401


def test_the_weekly_report_opens_with_what_changed_in_its_language(hq):
    keep(hq, "s1", store_weeks(11, planted=MONDAY_EVENINGS, first=NORM))
    period = finished("weekly", NOON.date())
    assert period.first == WEEK
    with hq.sessions() as s:
        report = build_report(s, "store:s1", period, NOON, language("sv"))
        daily = build_report(s, "store:s1", finished("daily", NOON.date()), NOON, language("sv"))
    assert daily.weekly is None  # only the weekly report has it
    mail = render(report)
    text = mail.text
    top = text.index("Vad som ändrades veckan")
    assert top < text.index("Andelen missnöjda på måndagar på kvällarna") < text.index("== Kamppi")
    assert "p < 0,001 efter Holms korrektion" in text
    assert 'id="weekly" data-verdict="changes"' in mail.html
    assert mail.html.index('id="weekly"') < mail.html.index('class="figures"')


def test_a_regions_week_is_the_last_one_ended_in_all_of_its_stores(hq):
    with hq.sessions() as s:
        add_store(s, "la", "Los Angeles", "America/Los_Angeles", hq.clock.now)
        stores = [s.get(Store, "s1"), s.get(Store, "la")]
        monday = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday in Helsinki, Sunday in LA
        both = region_summary(s, "r", "R", stores, monday)
        helsinki = region_summary(s, "r", "R", stores[:1], monday)
    assert helsinki.first == WEEK + timedelta(weeks=1)  # 16.–22.11. has ended in Helsinki
    assert both.first == WEEK  # … but not in Los Angeles
    assert both.verdict == "too_early"  # no ratings at all


def _flagged_only(hq, store_id: str, scale: str, n: int) -> None:
    """*n* repeats a day on *scale* at 10:00 over the summary's nine weeks: ratings that
    count for nothing, kept as ingest keeps them (an hour row and the day's ``repeat``)."""
    with hq.sessions() as s, s.begin():
        for i in range(63):
            day = (NORM + timedelta(days=i)).isoformat()
            s.add(HourCount(store_id=store_id, day=day, hour=10, device_id="k1",
                            survey_id="default", question_id="overall", config_version=1,
                            scale=scale, score=0, flag="repeat", reason="", n=n))  # fmt: skip
            s.add(DayCount(store_id=store_id, day=day, scale=scale, repeat=n))


def test_the_main_scale_is_the_one_with_the_most_counted_ratings(hq):
    """The week's scale is read from the day counts: ratings that count for nothing do
    not make a scale the main one, and a store with none counted is too early to tell."""
    keep(hq, "s1", store_weeks(31, first=NORM))
    _flagged_only(hq, "s1", "nps", 10_000)  # far more ratings than smiley4's, none counted
    _flagged_only(hq, "s2", "nps", 50)
    with hq.sessions() as s:
        busy = store_summary(s, s.get(Store, "s1"), NOON)
        flagged = store_summary(s, s.get(Store, "s2"), NOON)
    assert busy.scale == "smiley4" and busy.examined.ratings > 0
    assert flagged.scale is None and flagged.verdict == "too_early"
