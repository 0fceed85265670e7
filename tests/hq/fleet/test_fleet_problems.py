"""The fleet page at chain scale (issue 31): counts of problems and a page of kiosks from
SQL, problems first, filtered by store, region and problem; checked against a plain
Python model of the repo's rules on a seeded fleet, on SQLite and PostgreSQL. Bad GET
parameters are a 400 naming the parameter; a manager sees only their stores' kiosks."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from hq.alerts.kinds import KINDS
from hq.fleet import problems as fp
from hq.fleet.releases import Plan, bucket
from hq.fleet.rollouts import FAILED
from hq.insight.chain_health import silent_devices
from hq.people.admin import add_store, add_user
from hq.people.roles import add_region, set_role, set_store_region
from hq.tables.models import Device, DeviceDatabase, DeviceGroup, Release, Rollout, Survey
from kiosk.timekeeping.hours import WEEKDAYS
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, LiveServer, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.dashboard.test_phone import TAPPED, WIDEST
from tests.hq.region_fixtures import client_of

STORES = ("s1", "s2", "s3", "s4")  # s3, s4 in the region "north"; s4 closed all week


def seed(hq, n: int = 140, rng: random.Random | None = None) -> None:
    """*n* kiosks more, spread over four stores, each with a random mix of problems."""
    rng = rng or random.Random(31)
    now = hq.clock.now
    with hq.sessions() as s:
        add_store(s, "s3", "Oulu", "Europe/Helsinki", now)
        add_store(s, "s4", "Åbo", "Europe/Helsinki", now)
        add_region(s, "north", "North", None, now)
        s.commit()
        for store in ("s3", "s4"):
            set_store_region(s, store, "north")
        closed = dict.fromkeys(WEEKDAYS, "closed")
        s.add(Survey(store_id="s4", device_id="", version=1, body={"hours": closed},
                     updated_at=to_utc_text(now)))  # fmt: skip
        for v in ("1.0", "1.1"):
            s.add(Release(version=v, manifest="", signature="", size=0, added_at=v))
        s.flush()
        s.add(Rollout(version="1.0", scope="all", target="", created_at=to_utc_text(now)))
        s.add(Rollout(version="1.1", scope="percent", target="30", created_at=to_utc_text(now)))
        s.add(Rollout(version="1.1", scope="group", target="pilots", created_at=to_utc_text(now)))
        for i in range(n):
            status: dict = {}
            if rng.random() < 0.7:
                status = {
                    "clock_synced": rng.choice([True, True, False, None]),
                    "disk_free": rng.choice([None, 100_000_000, 199_999_999, 200_000_000, 9e9]),
                    "cpu_temperature": rng.choice([None, 40.0, 75.0, 75.5, 90.0]),
                    "stuck_buttons": rng.choice([None, [], [], [3], [1, 2]]),
                }
                if rng.random() < 0.4:
                    outcome = rng.choice(["updated", "rolled_back", "refused", "failed"])
                    status["last_update"] = {"outcome": outcome, "version": "1.1"}
            seen = rng.choice([None, 5, 30, 61, 200])
            device = Device(
                id=f"d{i:03d}", store_id=rng.choice(STORES), token_hash=f"{i:064d}",
                created_at=to_utc_text(now), last_status=status or None,
                version=rng.choice([None, "1.0", "1.1"]), name="",
                last_seen_at=None if seen is None else to_utc_text(now - timedelta(minutes=seen)),
                retired_at=to_utc_text(now) if rng.random() < 0.05 else None,
            )  # fmt: skip
            s.add(device)
            if rng.random() < 0.1:
                s.add(DeviceGroup(name="pilots", device_id=device.id))
            if rng.random() < 0.1:  # it holds ratings HQ refused, and HQ lacks them
                s.add(DeviceDatabase(device_id=device.id, database_id="legacy", first_seq=1,
                                     last_seq=5, pending=0, held=2, held_reason="bad",
                                     reported_at=to_utc_text(now)))  # fmt: skip
        s.commit()


def model(hq) -> dict[str, set[str]]:
    """Each problem's kiosks, by the repo's rules in plain Python, device by device."""
    now, out = hq.clock.now, {p: set() for p in fp.PROBLEMS}
    disk, hot = KINDS["low_disk"].defaults["mb"], KINDS["high_temperature"].defaults["celsius"]
    with hq.sessions() as s:
        silent = {d.device_id for d in silent_devices(s, now)[0]}
        steps = Plan(list(s.query(Rollout).order_by(Rollout.id.desc())),
                     {"pilots": {g.device_id for g in s.query(DeviceGroup)}})  # fmt: skip
        held = {d.device_id for d in s.query(DeviceDatabase) if d.held}
        for d in s.query(Device):
            if d.retired_at:
                continue
            st = d.last_status or {}
            wanted = steps.wanted(d.id, d.store_id)
            checks = {
                "silent": d.id in silent,
                "behind": wanted is not None and wanted != d.version,
                "holding": d.id in held,
                "clock": st.get("clock_synced") is False,
                "disk": st.get("disk_free") is not None and st["disk_free"] < disk * 1e6,
                "temperature": st.get("cpu_temperature") is not None
                and st["cpu_temperature"] > hot,
                "stuck": bool(st.get("stuck_buttons")),
                "failed": (st.get("last_update") or {}).get("outcome") in FAILED,
            }
            for name, on in checks.items():
                if on:
                    out[name].add(d.id)
    return out


def test_counts_and_pages_match_a_plain_model_of_the_rules(hq):
    seed(hq)
    expected = model(hq)
    assert all(expected.values()), {k: len(v) for k, v in expected.items()}  # each one seen
    with hq.sessions() as s:
        view = fp.fleet_page(s, hq.clock.now, fp.Scope(), per_page=25)
        assert view.counts == {k: len(v) for k, v in expected.items()}
        assert view.total == 142
        anything = set().union(*expected.values())
        assert view.with_problems == len(anything)
        seen: list[str] = []
        for page in range(1, view.pages + 1):
            rows = fp.fleet_page(s, hq.clock.now, fp.Scope(), page=page, per_page=25).rows
            seen += [r.device_id for r in rows]
            for r in rows:
                assert set(r.problems) == {k for k, v in expected.items() if r.device_id in v}
        assert len(seen) == len(set(seen)) == 142  # every kiosk once
        assert set(seen[: len(anything)]) == anything  # the problems first
        for name in fp.PROBLEMS:
            only = fp.fleet_page(s, hq.clock.now, fp.Scope(), name, per_page=1000)
            assert {r.device_id for r in only.rows} == expected[name]
            assert only.total_shown == len(expected[name])


def test_migration_0027_keeps_every_status_and_the_counts_read_it_as_before(hq, database_url):
    """Statuses written before 0027 (``json`` on PostgreSQL) are the same after it
    (``jsonb``), and the problems counted from them still match the plain model."""
    from sqlalchemy import select, text

    from tests.hq.migrating import migrate, migrated

    migrate(database_url, "0026_question_days", down=True)
    seed(hq)
    with hq.sessions() as s:
        before = dict(s.execute(select(Device.id, Device.last_status)).all())
    with migrated(database_url, "head") as conn:
        postgres = conn.dialect.name == "postgresql"
        kind = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'devices' AND column_name = 'last_status'"
            )
            if postgres
            else text("SELECT type FROM pragma_table_info('devices') WHERE name = 'last_status'")
        ).scalar()
    assert kind == ("jsonb" if postgres else "JSON")
    expected = model(hq)
    with hq.sessions() as s:
        assert dict(s.execute(select(Device.id, Device.last_status)).all()) == before
        view = fp.fleet_page(s, hq.clock.now, fp.Scope(), per_page=1000)
    assert view.counts == {k: len(v) for k, v in expected.items()}
    assert all(expected.values())  # every problem seen, stuck buttons among them


def test_the_sql_bucket_is_the_python_bucket(hq):
    from sqlalchemy import select

    from hq.fleet.rollouts import bucket_sql

    seed(hq, 60)
    with hq.sessions() as s:
        found = dict(s.execute(select(Device.id, bucket_sql(s))).all())
    assert found == {d: bucket(d) for d in found}


def test_the_page_filters_pages_and_refuses_bad_parameters(hq):
    seed(hq)
    expected = model(hq)
    log_in(hq)
    page = hq.client.get("/fleet").text
    for name in fp.PROBLEMS:
        n = len(expected[name])
        assert re.search(rf'data-problem="{name}" data-count="{n}"', page), name
    assert len(re.findall(r"<tr data-device=", page)) == 50
    assert 'href="/fleet?page=2"' in page and 'href="/fleet?page=3"' in page
    last = hq.client.get("/fleet?page=3").text
    assert len(re.findall(r"<tr data-device=", last)) == 142 - 100
    temp = hq.client.get("/fleet?problem=temperature").text
    shown = set(re.findall(r'<tr data-device="([^"]+)"', temp))
    assert shown == expected["temperature"]
    north = hq.client.get("/fleet?region=north&problem=disk").text
    with hq.sessions() as s:
        stores = {d.id: d.store_id for d in s.query(Device)}
    disk_north = {d for d in expected["disk"] if stores[d] in ("s3", "s4")}
    assert set(re.findall(r'<tr data-device="([^"]+)"', north)) == disk_north
    assert f'data-count="{len(disk_north)}"' in north
    s4 = hq.client.get("/fleet?store=s4").text
    assert 'data-problem="silent" data-count="0"' in s4  # closed all week: never silent
    assert hq.client.get("/fleet?silent=1").text.count('id="only-silent"') == 1
    for query, field in (
        ("page=0", "page"), ("page=x", "page"), ("page=99", "page"), ("problem=nosuch", "problem"),
        ("store=nosuch", "store"), ("region=nosuch", "region"), ("page=" + "9" * 30, "page"),
    ):  # fmt: skip
        answer = hq.client.get(f"/fleet?{query}")
        assert answer.status_code == 400, query
        assert f'data-field="{field}"' in answer.text, query
    reader = hq.auth(hq.reader_token)
    api = hq.client.get("/api/v1/devices?problem=stuck&page=1&per_page=5", headers=reader)
    assert api.status_code == 200 and api.headers["x-total-count"] == str(len(expected["stuck"]))
    assert len(api.json()) == min(5, len(expected["stuck"]))
    assert all("stuck" in d["problems"] for d in api.json())
    every = hq.client.get("/api/v1/devices", headers=hq.auth(hq.reader_token)).json()
    assert len(every) == 142  # without page: every kiosk, as before
    for query, code in (("page=0", "bad_page"), ("per_page=501&page=1", "bad_per_page"),
                        ("problem=x", "bad_problem"), ("store=zz", "bad_store")):  # fmt: skip
        answer = hq.client.get(f"/api/v1/devices?{query}", headers=hq.auth(hq.reader_token))
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, query


def test_a_manager_sees_only_their_stores_kiosks_and_counts(hq):
    seed(hq)
    expected = model(hq)
    with hq.sessions() as s:
        add_user(s, "maija", PASSWORD, hq.clock.now)
        set_role(s, "maija", "manager", "region:north")
        stores = {d.id: d.store_id for d in s.query(Device)}
    client = client_of(hq, "maija")
    page = client.get("/fleet?problem=stuck").text
    shown = set(re.findall(r'<tr data-device="([^"]+)"', page))
    assert shown == {d for d in expected["stuck"] if stores[d] in ("s3", "s4")}
    for name in fp.PROBLEMS:
        n = len({d for d in expected[name] if stores[d] in ("s3", "s4")})
        assert f'data-problem="{name}" data-count="{n}"' in page, name
    assert client.get("/fleet?store=s1").status_code == 400  # not hers
    everything = client.get("/fleet?page=1").text
    assert 'data-device="k1"' not in everything and 'data-device="k2"' not in everything


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_silent_devices_come_from_sql_and_read_only_the_silent(hq):
    seed(hq)
    with hq.sessions() as s:
        silent, working = silent_devices(s, hq.clock.now)
        assert working == s.query(Device).filter(Device.retired_at.is_(None)).count()
        statements: list[str] = []

        def heard(_conn, _cursor, statement, *_):
            statements.append(statement)

        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", heard)
        silent_devices(s, hq.clock.now)
        event.remove(engine, "before_cursor_execute", heard)
    assert any("last_seen_at <" in q for q in statements)
    assert silent and all(d.store_id != "s4" for d in silent)  # s4 is closed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_paged_fleet_page_in_chromium_at_390_and_1366_px(hq, browser):  # noqa: F811
    seed(hq)
    (ARTIFACTS / "issue31").mkdir(parents=True, exist_ok=True)
    problems = []
    with LiveServer(hq.app) as server:
        for width, language in ((390, "fi"), (390, "sv"), (1366, "fi"), (1366, "sv")):
            context = browser.new_context(
                viewport={"width": width, "height": 844 if width < 800 else 900},
                extra_http_headers={"Accept-Language": language},
            )
            page = context.new_page()
            _log_in(page, server.url)
            page.goto(server.url + "/fleet")
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems.append(f"{width} {language}: {page.evaluate(WIDEST, width)}")
            if width == 390:
                for element in page.locator(TAPPED + ", ul.problems a, .pager a").all():
                    box = element.bounding_box()
                    if box and box["height"] < 44:
                        problems.append(f"{language}: {element.evaluate('e => e.outerHTML')}")
            page.screenshot(path=str(ARTIFACTS / "issue31" / f"fleet-{width}-{language}.png"))
            page.locator("ul.problems a[data-problem=disk]").click()  # a link, no JavaScript
            assert "problem=disk" in page.url
            assert page.locator("tbody tr[data-device]").count() == int(
                page.locator("a[data-problem=disk]").get_attribute("data-count")
            )
            page.goto(server.url + "/fleet")
            page.locator("#fleet-pages a[rel=next]").click()
            assert "page=2" in page.url and page.locator("tbody tr[data-device]").count() == 50
            context.close()
    assert problems == [], "\n".join(problems)
