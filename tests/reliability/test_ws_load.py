"""50 WebSocket clients while a Store writer publishes at full speed: every client receives every
event id, in order."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from dashboard.server.runner import running_server
from dashboard.server.testing import Auth
from host.store import Store
from host.store.models import Event

CLIENTS = 50
WRITE_SECONDS = 5.0
T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
async def ws_url(app: FastAPI, auth: Auth) -> AsyncIterator[str]:
    async with running_server(app, lifespan=False) as base:
        token = auth.viewer["Authorization"].removeprefix("Bearer ")
        yield f"{base.replace('http://', 'ws://')}/ws?token={token}"


async def _collect(ws: ClientConnection, stop: asyncio.Event, expected: list[int]) -> list[int]:
    ids: list[int] = []
    while not (stop.is_set() and len(ids) >= len(expected)):
        try:
            raw = await asyncio.wait_for(ws.recv(), 15.0)
        except TimeoutError:
            break
        ids.append(json.loads(raw)["id"])
    return ids


async def test_fifty_clients_each_receive_every_event_in_order(
    ws_url: str, app_store: Store
) -> None:
    stop = asyncio.Event()
    expected: list[int] = []
    sockets = [await connect(ws_url) for _ in range(CLIENTS)]
    try:
        await asyncio.sleep(0.3)
        collectors = [asyncio.create_task(_collect(ws, stop, expected)) for ws in sockets]
        started = time.monotonic()
        written = 0
        while time.monotonic() - started < WRITE_SECONDS:
            written += 1
            await app_store.record_market(
                ts=T0, symbol="BTCUSDT", price=Decimal(written), kind="mid"
            )
        async with app_store.sessionmaker() as session:
            expected.extend(await session.scalars(select(Event.id).order_by(Event.id)))
        stop.set()
        received = await asyncio.gather(*collectors)
    finally:
        for ws in sockets:
            await ws.close()
    assert written > 0 and len(expected) >= written
    for ids in received:
        assert ids == expected
