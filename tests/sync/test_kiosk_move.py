"""A kiosk moved to another store at HQ (issue 29), over real HTTP on SQLite and
PostgreSQL: what it recorded before it learnt of the move is taken in its old store,
the settings pull tells it its new store, and what it records from then on (also after
a restart) lands there; nothing is held back on the kiosk."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hq.people.credentials import token_hash
from hq.tables.chain import DeviceStore
from hq.tables.models import DayCount, Rating
from hq.tables.models import Store as StoreRow
from kiosk.settings.load import load_settings
from kiosk.settings.model import ID_PATTERN
from kiosk.settings.overlay import apply_overlay, overlay_path
from kiosk.store.context import RatingContext
from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from sync.client import HQClient
from sync.config_pull import pull_config
from tests.hq.conftest import HQ, LiveServer, database_url, make_hq, pg_template  # noqa: F401 (fixtures)
from tests.hq.fleet.test_chain import admin_token
from tests.sync.conftest import press, uploader, write_settings
from tests.sync.test_store_message_pull import Replying


@pytest.fixture
def hq_live(database_url) -> Iterator[tuple[HQ, str]]:  # noqa: F811 (the fixture)
    """HQ on SQLite or PostgreSQL over real HTTP on 127.0.0.1, with k1 in s1 and k2 in s2."""
    hq = make_hq(database_url)
    with LiveServer(hq.app) as server:
        yield hq, server.url
    hq.client.close()
    hq.app.state.engine.dispose()


def stores_at_hq(hq) -> dict[str, int]:
    """Store → ratings HQ holds of k1 there."""
    with hq.sessions() as s:
        rows = s.execute(
            select(Rating.store_id, func.count()).where(Rating.device_id == "k1")
            .group_by(Rating.store_id)
        )  # fmt: skip
        return {store: n for store, n in rows}  # noqa: C416 (Row pairs)


def counted(hq) -> dict[str, int]:
    """Store → ratings of the day counts (what the figures read), every column summed."""
    with hq.sessions() as s:
        out: dict[str, int] = {}
        for row in s.scalars(select(DayCount)):
            out[row.store_id] = out.get(row.store_id, 0) + sum(
                getattr(row, c) for c in DayCount.columns()
            )
        return out


def test_a_moved_kiosk_sends_what_it_held_to_its_old_store_and_the_rest_to_its_new(
    hq_live, kiosk, kiosk_db, tmp_path
):
    hq, url = hq_live
    path = write_settings(tmp_path, url, hq.token, kiosk_db)
    ledger, client = Ledger(kiosk), HQClient(url, hq.token)
    assert pull_config(load_settings(path), ledger, client) == "none"  # in s1, as set up
    never = client.config().body  # never moved: its file names its store and zone
    assert "store_id" not in never and "timezone" not in never

    before = press(kiosk, 5)
    moved = hq.client.patch("/api/v1/devices/k1", json={"store": "s2"}, headers=admin_token(hq))
    assert moved.status_code == 200 and moved.json()["store"] == "s2", moved.text
    with hq.sessions() as s:  # its first store, then the move, from HQ's clock on
        history = s.execute(
            select(DeviceStore.store_id, DeviceStore.since).where(DeviceStore.device_id == "k1")
            .order_by(DeviceStore.id)
        ).all()  # fmt: skip
    assert [h.store_id for h in history] == ["s1", "s2"]
    assert history[1].since.startswith(hq.clock.now.date().isoformat())
    # HQ's token cache still knew k1 in s1; another HQ process would not: be that one.
    hq.app.state.devices.forget(token_hash(hq.token))
    before += press(kiosk, 3)  # pressed before the kiosk heard of the move: still s1

    outcome = uploader(kiosk, url, hq.token).run_once()
    assert outcome.ok and outcome.accepted == 8 and outcome.held == 0, outcome
    assert stores_at_hq(hq) == {"s1": 8}
    assert counted(hq) == {"s1": 8}

    # The settings pull carries the store; the kiosk keeps it beside its database.
    assert client.config().body["store_id"] == "s2"
    with hq.sessions() as s:  # and the zone its new store's days are counted in
        zone = s.scalar(select(StoreRow.timezone).where(StoreRow.id == "s2"))
    assert client.config().body["timezone"] == zone
    assert pull_config(load_settings(path), ledger, client) == "updated"
    assert json.loads(overlay_path(load_settings(path)).read_text())["store_id"] == "s2"
    settings = apply_overlay(load_settings(path))
    assert settings.device.store_id == "s2"
    assert load_settings(path).device.store_id == "s1"  # its own file is left as it was
    kiosk.context = dataclasses.replace(kiosk.context, store_id=settings.device.store_id)
    after = press(kiosk, 4)
    assert {r.store_id for r in after} == {"s2"}

    outcome = uploader(kiosk, url, hq.token).run_once()
    assert outcome.ok and outcome.accepted == 4 and outcome.held == 0, outcome
    assert stores_at_hq(hq) == {"s1": 8, "s2": 4}
    assert counted(hq) == {"s1": 8, "s2": 4}
    assert ledger.held_count() == 0 and kiosk.pending_count() == 0
    # what it recorded before keeps its store on the kiosk too
    kept = dict(kiosk.db.conn.execute("SELECT id, store_id FROM ratings").fetchall())
    assert {kept[r.id] for r in before} == {"s1"} and {kept[r.id] for r in after} == {"s2"}

    # A restart: the kiosk starts from its file and the overlay, in its new store.
    clock = kiosk.clock
    kiosk.close()
    restarted = apply_overlay(load_settings(path))
    context = dataclasses.replace(RatingContext.from_settings(restarted), rules=kiosk.context.rules)
    with Store(kiosk_db, context, clock=clock) as again:
        later = press(again, 2)
        assert {r.store_id for r in later} == {"s2"}
        outcome = uploader(again, url, hq.token).run_once()
        assert outcome.ok and outcome.accepted == 2 and outcome.held == 0, outcome
        assert Ledger(again).held_count() == 0
        assert pull_config(load_settings(path), Ledger(again), client) == "unchanged"
    assert stores_at_hq(hq) == {"s1": 8, "s2": 6}

    # A store k1 never belonged to is refused as ever, and changes nothing.
    stray = hq.rating(store_id="s9")
    refused = requests.post(f"{url}/api/v1/ratings", json={"ratings": [stray]},
                            headers=hq.auth(), timeout=10)  # fmt: skip
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_rating"
    assert stores_at_hq(hq) == {"s1": 8, "s2": 6} and counted(hq) == {"s1": 8, "s2": 6}


def test_a_store_id_the_kiosk_cannot_use_is_refused_and_its_store_stays(kiosk, tmp_path):
    settings = load_settings(write_settings(tmp_path, "http://127.0.0.1:9", "t", kiosk.path))
    ledger = Ledger(kiosk)
    for junk in ("two words", "x" * 300, "ö/../etc"):
        answer = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": junk})
        assert pull_config(settings, ledger, answer) == "refused"
        assert not overlay_path(settings).exists()
        assert "store_id" in ledger.notes()["last_error"]
        assert apply_overlay(settings).device.store_id == "s1"
    for nothing in (None, "", 7, ["s2"]):  # an HQ that sends none, or no text: not a move
        answer = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": nothing})
        assert pull_config(settings, ledger, answer) == "none"
        assert apply_overlay(settings).device.store_id == "s1"
    back = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": "s2"})
    assert pull_config(settings, ledger, back) == "updated"
    assert apply_overlay(settings).device.store_id == "s2"
    home = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": "s1"})
    assert pull_config(settings, ledger, home) == "none"  # moved back where its file says
    assert not overlay_path(settings).exists()
    assert apply_overlay(settings).device.store_id == "s1"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(store=st.one_of(st.text(max_size=80), st.from_regex(ID_PATTERN, fullmatch=True)))
def test_whatever_store_hq_sends_the_kiosk_uses_it_whole_or_not_at_all(kiosk, tmp_path, store):
    settings_path = write_settings(tmp_path, "http://127.0.0.1:9", "t", kiosk.path)
    local = load_settings(settings_path)
    overlay_path(local).unlink(missing_ok=True)
    answer = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": store})
    outcome = pull_config(local, Ledger(kiosk), answer)
    used = apply_overlay(load_settings(settings_path)).device.store_id
    if store and store != "s1" and re.fullmatch(ID_PATTERN, store):
        assert (outcome, used) == ("updated", store)
    else:  # none sent, its own store, or one the kiosk's settings model refuses
        assert outcome in ("none", "refused") and used == "s1"
        assert not overlay_path(local).exists()


def test_a_moved_kiosk_counts_its_days_in_its_new_stores_zone(kiosk, tmp_path):
    settings = load_settings(write_settings(tmp_path, "http://127.0.0.1:9", "t", kiosk.path))
    ledger = Ledger(kiosk)
    assert settings.device.timezone == "Europe/Helsinki"
    bad = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": "s2",
                    "timezone": "Mars/Olympus"})  # fmt: skip
    assert pull_config(settings, ledger, bad) == "refused"  # whole or not at all
    assert "timezone" in ledger.notes()["last_error"]
    assert not overlay_path(settings).exists()
    assert apply_overlay(settings).device.timezone == "Europe/Helsinki"
    good = Replying({"version": 0, "survey": {}, "hours": {}, "store_id": "s2",
                     "timezone": "Europe/Stockholm"})  # fmt: skip
    assert pull_config(settings, ledger, good) == "updated"
    used = apply_overlay(load_settings(settings.source))
    assert (used.device.store_id, used.device.timezone) == ("s2", "Europe/Stockholm")
    assert load_settings(settings.source).device.timezone == "Europe/Helsinki"  # file as it was
