"""``/ws``: the authenticated live feed, resumable by event id."""

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, WebSocket, WebSocketDisconnect

from dashboard.server.api.deps import MAX_ROW_NUMBER, user_from_token
from dashboard.server.feed import EventFeed, event_message, fetch_events
from host.store import Store

__all__ = ["router", "CLOSE_UNAUTHORIZED", "CLOSE_TOO_SLOW"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ws"])

#: Close code for a missing or bad token (4000 + the HTTP status, a common convention).
CLOSE_UNAUTHORIZED = 4401
#: Close code for a client whose queue overflowed: reconnect with ``after=<last id>``.
CLOSE_TOO_SLOW = 1013


@router.websocket("/ws")
async def stream_events(
    websocket: WebSocket,
    token: Annotated[str | None, Query()] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ROW_NUMBER)] = None,
) -> None:
    """Send every event with id > ``after`` in order, then new ones as they are written.

    Without ``after`` only new events are sent. Messages are JSON ``{id, ts, kind, payload}``.
    """
    store: Store = websocket.app.state.store
    feed: EventFeed = websocket.app.state.feed
    # Subscribe before the handshake: an event committed while the client authenticates is
    # then in its queue, so "only new events" means new since the client asked to connect.
    subscription = feed.subscribe()
    try:
        await websocket.accept()
        async with store.sessionmaker() as session:
            user = await user_from_token(
                session=session, settings=websocket.app.state.settings, token=token
            )
    except HTTPException as error:
        feed.unsubscribe(subscription)
        await websocket.close(CLOSE_UNAUTHORIZED, str(error.detail))
        return
    except BaseException:
        feed.unsubscribe(subscription)
        raise
    receiver = asyncio.create_task(_drain(websocket))
    try:
        cursor = subscription.start_id if after is None else after
        # Catch up from the table up to where the live queue starts, then follow the queue.
        while cursor < subscription.start_id:
            rows = await fetch_events(store, after=cursor, upto=subscription.start_id)
            if not rows:
                break
            for row in rows:
                await websocket.send_text(event_message(row))
                cursor = row.id
        while not receiver.done():
            while not subscription.queue.empty():
                event_id, message = subscription.queue.get_nowait()
                if event_id > cursor:
                    await websocket.send_text(message)
                    cursor = event_id
            if subscription.overflowed:
                await websocket.close(
                    CLOSE_TOO_SLOW, f"too far behind; reconnect with after={cursor}"
                )
                return
            subscription.wake.clear()
            if not subscription.queue.empty():
                continue
            waiter = asyncio.create_task(subscription.wake.wait())
            await asyncio.wait({waiter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if websocket.app.state.feed_stopping:
                await websocket.close(1001, "server is shutting down")
                return
        logger.debug("client of %s left", user.username)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away mid-send
    finally:
        feed.unsubscribe(subscription)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a disconnect is noticed at once."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
