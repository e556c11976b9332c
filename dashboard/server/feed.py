"""The live event feed: one poller tails the ``events`` table and fans out to every client.

Each client has its own bounded queue, so a slow client never slows the others; a client
that falls more than a queue behind is disconnected and resumes by id (``?after=``).
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select

from host.store import Store
from host.store.models import Event
from host.store.types import dumps, json_default

__all__ = ["EventFeed", "Subscription", "event_message", "fetch_events"]

logger = logging.getLogger(__name__)

#: Rows read per query, for the poller and for a client's catch-up.
BATCH = 500
#: How long a hole in the ids is waited for: on MySQL a transaction that took id N may
#: commit after the one that took N+1; a hole that stays this long was a rollback.
GAP_WAIT_SECONDS = 1.0


def event_message(row: Event) -> str:
    """The JSON text sent for one event: ``{id, ts, kind, payload}``."""
    return dumps(
        {"id": row.id, "ts": json_default(row.ts), "kind": row.kind, "payload": row.payload}
    )


async def fetch_events(store: Store, *, after: int, upto: int | None = None) -> list[Event]:
    """Up to :data:`BATCH` events with ``after < id (<= upto)``, in id order."""
    query = select(Event).where(Event.id > after)
    if upto is not None:
        query = query.where(Event.id <= upto)
    async with store.sessionmaker() as session:
        return list(await session.scalars(query.order_by(Event.id).limit(BATCH)))


@dataclass(eq=False)
class Subscription:
    """One client's place in the feed.

    Attributes
    ----------
    start_id : int
        The last event id delivered to the feed when the client subscribed: everything up
        to it comes from the catch-up query, everything after it from :attr:`queue`.
    queue : asyncio.Queue
        ``(id, message)`` pairs, bounded.
    overflowed : bool
        Set when the queue was full; the client must reconnect.
    """

    start_id: int
    queue: asyncio.Queue[tuple[int, str]]
    overflowed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class EventFeed:
    """Polls ``events`` every ``poll_seconds`` (or at once when the in-process Store commits).

    Parameters
    ----------
    store : Store
        Where to read events.
    poll_seconds : float
        Polling interval when nothing wakes the feed earlier.
    queue_size : int
        Events buffered per client.
    """

    def __init__(self, store: Store, *, poll_seconds: float, queue_size: int) -> None:
        if poll_seconds <= 0:
            raise ValueError(f"Poll interval must be > 0 seconds, not {poll_seconds!r}")
        if queue_size < 1:
            raise ValueError(f"Queue size must be at least 1, not {queue_size!r}")
        self._store = store
        self._poll_seconds = poll_seconds
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_id = 0
        self.dropped_clients = 0

    @property
    def client_count(self) -> int:
        """How many clients are subscribed."""
        return len(self._subscriptions)

    async def start(self) -> None:
        """Begin tailing from the newest event."""
        async with self._store.sessionmaker() as session:
            self.last_id = int(await session.scalar(select(func.max(Event.id))) or 0)
        self._store.add_commit_listener(self._wake.set)
        self._task = asyncio.create_task(self._run(), name="event-feed")

    async def stop(self) -> None:
        """Stop polling and wake every client so that it can close."""
        self._store.remove_commit_listener(self._wake.set)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for subscription in self._subscriptions:
            subscription.wake.set()

    def subscribe(self) -> Subscription:
        """Start buffering new events for one client."""
        subscription = Subscription(start_id=self.last_id, queue=asyncio.Queue(self._queue_size))
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a client."""
        self._subscriptions.discard(subscription)

    async def _run(self) -> None:
        gap_since: float | None = None
        while True:
            try:
                gap_since = await self._poll(gap_since)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not end the feed: clients keep their place and the
                # next poll picks up where this one stopped.
                logger.exception("event feed poll failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()

    async def _poll(self, gap_since: float | None) -> float | None:
        while True:
            rows = await fetch_events(self._store, after=self.last_id)
            if not rows:
                return None
            for row in rows:
                if row.id != self.last_id + 1:
                    now = time.monotonic()
                    gap_since = gap_since if gap_since is not None else now
                    if now - gap_since < GAP_WAIT_SECONDS:
                        return gap_since
                gap_since = None
                self._deliver(row.id, event_message(row))
                self.last_id = row.id
            if len(rows) < BATCH:
                return None

    def _deliver(self, event_id: int, message: str) -> None:
        for subscription in list(self._subscriptions):
            if subscription.overflowed:
                continue
            try:
                subscription.queue.put_nowait((event_id, message))
            except asyncio.QueueFull:
                subscription.overflowed = True
                self.dropped_clients += 1
            subscription.wake.set()
