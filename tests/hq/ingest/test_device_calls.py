"""Device requests through the token cache (issue 20): a rotated token is refused at its
next request though it is cached, on every device endpoint, and nothing it sends is
written; the admission queue hands slots on in order and answers 503 past its wait."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from hq.core.errors import ApiError
from hq.ingest.device_calls import Admission
from hq.people.admin import rotate_token
from hq.tables.models import Device


def test_a_rotated_token_is_refused_at_once_though_it_is_cached(hq):
    assert hq.post([hq.rating()]).status_code == 200  # the token is now cached
    with hq.sessions() as s:
        new = rotate_token(s, "k1")
    late = hq.rating()
    for answer in (
        hq.post([late]),
        hq.client.post("/api/v1/heartbeat", json={"pending": 1}, headers=hq.auth()),
        hq.client.get("/api/v1/config", headers=hq.auth()),
    ):
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "bad_token"
    assert hq.count() == 1  # the refused batch wrote nothing
    with hq.sessions() as s:
        assert s.scalar(select(Device.last_status).where(Device.id == "k1")) is None
    assert hq.post([late], token=new).json()["accepted"] == 1


def test_a_device_uses_its_own_token_only(hq):
    other = hq.extra_devices["k2"]
    assert hq.post([hq.rating()], token=other).status_code == 403  # k1's rating, k2's token
    assert hq.client.get("/api/v1/config", headers=hq.auth("nonsense")).status_code == 401


def test_admission_queues_in_order_and_refuses_past_its_wait():
    async def scenario() -> list[str]:
        gate = Admission(limit=1, queued=2, wait=0.3)
        order: list[str] = []

        async def job(name: str, hold: float) -> None:
            try:
                async with gate:
                    order.append(name)
                    await asyncio.sleep(hold)
            except ApiError as e:
                order.append(f"{name}:{e.status}")

        first = asyncio.create_task(job("a", 0.1))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(job(n, 0.5)) for n in ("b", "c")]
        await asyncio.sleep(0)
        refused = asyncio.create_task(job("d", 0))  # the queue of 2 is full: refused at once
        await asyncio.gather(first, *waiting, refused)
        assert gate.working == 0 and not gate._waiters
        return order

    order = asyncio.run(scenario())
    # a works and d is refused at once; b gets a's slot at 0.1 s and holds it to 0.6 s, so c
    # gives up at 0.3 s.
    assert order == ["a", "d:503", "b", "c:503"]


def test_a_waiter_that_gives_up_frees_its_place():
    async def scenario() -> None:
        gate = Admission(limit=1, queued=5, wait=5)
        async with gate:
            waiter = asyncio.create_task(gate.__aenter__())
            await asyncio.sleep(0.01)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        assert gate.working == 0 and not gate._waiters
        async with gate:  # the slot is free for the next one
            assert gate.working == 1

    asyncio.run(scenario())
