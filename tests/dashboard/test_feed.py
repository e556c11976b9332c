"""EventFeed: bounded per-client queues and waiting out holes in the id sequence."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from dashboard.server import feed as feed_module
from dashboard.server.feed import EventFeed
from host.store import Store
from host.store.models import Event

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def _drain(queue: asyncio.Queue[tuple[int, str]]) -> list[int]:
    ids = []
    while not queue.empty():
        ids.append(queue.get_nowait()[0])
    return ids


async def _wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(("poll", "size"), [(0, 10), (0.1, 0)])
def test_feed_when_settings_invalid_then_value_error(poll: float, size: int) -> None:
    with pytest.raises(
        ValueError,
        match=r"^(Poll interval must be > 0 seconds, not 0|Queue size must be at least 1, not 0)$",
    ):
        EventFeed(None, poll_seconds=poll, queue_size=size)  # type: ignore[arg-type]


async def test_feed_when_client_slow_then_only_it_is_dropped(store: Store) -> None:
    feed = EventFeed(store, poll_seconds=0.02, queue_size=5)
    await feed.start()
    try:
        slow = feed.subscribe()
        fast = feed.subscribe()
        fast_ids: list[int] = []

        for price in range(8):
            await store.record_market(ts=T0, symbol="X", price=Decimal(price), kind="mid")
            await _wait_for(lambda: not fast.queue.empty())
            fast_ids += await _drain(fast.queue)

        assert slow.overflowed and feed.dropped_clients == 1
        assert slow.queue.qsize() == 5
        assert not fast.overflowed and len(fast_ids) == 8
        assert fast_ids == sorted(fast_ids)
    finally:
        await feed.stop()


async def test_feed_when_id_hole_then_waits_then_delivers_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_module, "GAP_WAIT_SECONDS", 0.5)
    feed = EventFeed(store, poll_seconds=0.02, queue_size=100)
    await feed.start()
    base = feed.last_id
    subscription = feed.subscribe()
    try:
        async with store.sessionmaker.begin() as session:
            session.add(Event(id=base + 2, ts=T0, kind="late", payload={}))
        await asyncio.sleep(0.2)
        assert subscription.queue.empty()  # id base+1 may still be committing: hold base+2

        async with store.sessionmaker.begin() as session:
            session.add(Event(id=base + 1, ts=T0, kind="early", payload={}))
        await _wait_for(lambda: subscription.queue.qsize() == 2)

        assert await _drain(subscription.queue) == [base + 1, base + 2]
    finally:
        await feed.stop()


async def test_feed_when_hole_never_fills_then_delivered_after_wait(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_module, "GAP_WAIT_SECONDS", 0.2)
    feed = EventFeed(store, poll_seconds=0.02, queue_size=100)
    await feed.start()
    base = feed.last_id
    subscription = feed.subscribe()
    try:
        async with store.sessionmaker.begin() as session:
            session.add(Event(id=base + 3, ts=T0, kind="after-rollback", payload={}))

        await _wait_for(lambda: subscription.queue.qsize() == 1)

        assert await _drain(subscription.queue) == [base + 3]
    finally:
        await feed.stop()
