"""/ws: refuses strangers, resumes from an id, keeps order, and carries what Store writes."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dashboard.server.runner import running_server
from dashboard.server.testing import SECRET, Auth, bearer
from dashboard.server.ws import CLOSE_UNAUTHORIZED
from host.store import Store
from host.store.models import Event

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
RECEIVE_TIMEOUT = 10.0


@pytest.fixture
async def ws_base(app: FastAPI) -> AsyncIterator[str]:
    """ws://host:port of the app served on a real socket."""
    async with running_server(app, lifespan=False) as base:
        yield base.replace("http://", "ws://")


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _receive(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    messages = []
    for _ in range(count):
        raw = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
        messages.append(json.loads(raw))
    return messages


async def _mid(store: Store, price: int) -> None:
    await store.record_market(ts=T0, symbol="BTCUSDT", price=Decimal(price), kind="mid")


async def _event_ids(store: Store) -> list[int]:
    async with store.sessionmaker() as session:
        return list(await session.scalars(select(Event.id).order_by(Event.id)))


@pytest.mark.parametrize("query", ["", "?token=not-a-token", "?token=&after=0"])
async def test_ws_when_token_missing_or_bad_then_closed_4401(
    ws_base: str, auth: Auth, query: str
) -> None:
    async with connect(f"{ws_base}/ws{query}") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CLOSE_UNAUTHORIZED


async def test_ws_when_token_expired_then_closed_4401_with_reason(ws_base: str, auth: Auth) -> None:
    import jwt

    expired = jwt.encode({"sub": "vic", "exp": 1}, SECRET, algorithm="HS256")

    async with connect(f"{ws_base}/ws?token={expired}") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)

    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        CLOSE_UNAUTHORIZED,
        "Token has expired; log in again",
    )


async def test_ws_when_after_given_then_resumes_after_that_id_in_order(
    ws_base: str, auth: Auth, app_store: Store
) -> None:
    for price in range(5):
        await _mid(app_store, 60000 + price)
    ids = await _event_ids(app_store)

    async with connect(f"{ws_base}/ws?token={_token(auth.viewer)}&after={ids[1]}") as ws:
        messages = await _receive(ws, 3)

    assert [m["id"] for m in messages] == ids[2:]
    assert [m["payload"]["price"] for m in messages] == ["60002", "60003", "60004"]
    assert {m["kind"] for m in messages} == {"market"}
    assert all(set(m) == {"id", "ts", "kind", "payload"} for m in messages)


async def test_ws_when_trade_written_through_store_then_it_arrives(
    ws_base: str, auth: Auth, app_store: Store
) -> None:
    async with connect(f"{ws_base}/ws?token={_token(auth.viewer)}") as ws:
        await asyncio.sleep(0.2)  # the subscription exists before the write
        await app_store.record_trade(
            client_id="c-42",
            ts=T0,
            symbol="BTCUSDT",
            side="buy",
            price=Decimal("65000.5"),
            quantity=Decimal("0.003"),
            fee=Decimal("0.078"),
            liquidity="taker",
            realized_pnl=Decimal(0),
        )
        (message,) = await _receive(ws, 1)

    assert message["kind"] == "trade"
    assert message["payload"]["client_id"] == "c-42"
    assert (message["payload"]["price"], message["payload"]["quantity"]) == ("65000.5", "0.003")


async def test_ws_when_written_by_another_process_store_then_polled_and_delivered(
    ws_base: str, auth: Auth, database_url: str
) -> None:
    other = await Store.open(database_url)  # like the engine: its own engine and connections
    try:
        async with connect(f"{ws_base}/ws?token={_token(auth.viewer)}") as ws:
            await asyncio.sleep(0.2)
            await other.record_equity(
                ts=T0, equity=Decimal("1000.5"), pnl=Decimal(0), drawdown=Decimal(0)
            )
            (message,) = await _receive(ws, 1)
    finally:
        await other.close()

    assert (message["kind"], message["payload"]["equity"]) == ("equity", "1000.5")


async def test_ws_when_events_written_during_catch_up_then_none_lost_or_repeated(
    ws_base: str, auth: Auth, app_store: Store
) -> None:
    for price in range(30):
        await _mid(app_store, price)

    async def write_more() -> None:
        for price in range(30, 60):
            await _mid(app_store, price)

    async with connect(f"{ws_base}/ws?token={_token(auth.viewer)}&after=0") as ws:
        writer = asyncio.create_task(write_more())
        messages = await _receive(ws, 60)
        await writer

    assert [m["id"] for m in messages] == await _event_ids(app_store)
    assert [m["payload"]["price"] for m in messages] == [str(p) for p in range(60)]


async def test_ws_when_two_clients_then_both_get_every_event(
    ws_base: str, auth: Auth, app_store: Store
) -> None:
    url = f"{ws_base}/ws?token={_token(auth.viewer)}"
    async with (
        connect(url) as first,
        connect(f"{url.split('?')[0]}?token={_token(bearer('olga'))}") as second,
    ):
        await asyncio.sleep(0.2)
        for price in range(10):
            await _mid(app_store, price)
        got_first = await _receive(first, 10)
        got_second = await _receive(second, 10)

    assert [m["id"] for m in got_first] == [m["id"] for m in got_second]
    assert [m["payload"]["price"] for m in got_first] == [str(p) for p in range(10)]


async def test_ws_when_connected_then_token_not_in_server_log(
    ws_base: str, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    token = _token(auth.viewer)
    caplog.set_level("INFO", logger="uvicorn.error")

    async with connect(f"{ws_base}/ws?token={token}"):
        await asyncio.sleep(0.1)

    assert any("WebSocket /ws?token=[redacted]" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text
