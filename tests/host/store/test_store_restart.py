"""What a restarted engine reads back from the store: every fill in order, and the orders the
dead process left open, closed with a reason; plus the engine's own risk-event line."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from host.store import Store
from host.store.models import Event, Order, RiskEvent

T0 = datetime(2026, 11, 25, 6, 0, 0, tzinfo=UTC)


async def _order(store: Store, client_id: str, status: str) -> None:
    await store.record_order(
        client_id=client_id,
        ts=T0,
        symbol="BTCUSDT",
        side="buy",
        kind="limit",
        price=Decimal("65000.1"),
        quantity=Decimal("0.002"),
        status=status,
        gateware_backend="model",
        gateware_reason=None,
        gateware_latency_us=1.0,
        drb_reason=None,
        detail={"tag": client_id},
    )


async def _trade(store: Store, client_id: str, seq: int, **changes: Any) -> None:
    values: dict[str, Any] = {
        "client_id": client_id,
        "ts": T0 + timedelta(seconds=seq),
        "symbol": "BTCUSDT",
        "side": "buy",
        "price": Decimal("65000.1"),
        "quantity": Decimal("0.001"),
        "fee": Decimal("0.026"),
        "liquidity": "taker",
        "realized_pnl": Decimal(0),
        "fill_seq": seq,
    }
    values.update(changes)
    await store.record_trade(**values)


async def test_stored_fills_when_trades_recorded_then_all_in_order_with_exact_values(
    store: Store,
) -> None:
    await _trade(store, "1", 1)
    await _trade(store, "2", 1, side="sell", price=Decimal("65010.5"), fee=Decimal("0.0001"))
    await _trade(store, "1", 1)  # a replay: idempotent, not a third fill

    fills = await store.stored_fills()

    assert [(f.side, f.price, f.quantity, f.fee) for f in fills] == [
        ("buy", Decimal("65000.1"), Decimal("0.001"), Decimal("0.026")),
        ("sell", Decimal("65010.5"), Decimal("0.001"), Decimal("0.0001")),
    ]
    assert {f.symbol for f in fills} == {"BTCUSDT"}


async def test_close_open_orders_when_some_open_then_only_those_cancelled_with_reason(
    store: Store,
) -> None:
    for client_id, status in (
        ("1", "working"),
        ("2", "accepted"),
        ("3", "filled"),
        ("4", "rejected_gateware"),
        ("5", "cancelled"),
    ):
        await _order(store, client_id, status)

    closed = await store.close_open_orders(ts=T0 + timedelta(minutes=1), reason="RESTART: gone")

    assert closed == ["1", "2"]
    async with store.sessionmaker() as session:
        rows = {o.client_id: o for o in await session.scalars(select(Order))}
        updates = list(
            await session.scalars(
                select(Event).where(Event.kind == "order").order_by(Event.id).offset(5)
            )
        )
    assert {c: r.status for c, r in rows.items()} == {
        "1": "cancelled",
        "2": "cancelled",
        "3": "filled",
        "4": "rejected_gateware",
        "5": "cancelled",
    }
    assert rows["1"].detail == {"tag": "1", "exchange_reason": "RESTART: gone"}
    assert [(e.ref, e.payload["status"]) for e in updates] == [
        ("1", "cancelled"),
        ("2", "cancelled"),
    ]
    assert await store.close_open_orders(ts=T0, reason="again") == []


async def test_record_risk_event_when_line_engine_then_stored_and_unknown_line_refused(
    store: Store,
) -> None:
    await store.record_risk_event(
        ts=T0, line="engine", kind="halt", reason="LINK_DOWN: alert stream ended", detail={}
    )
    async with store.sessionmaker() as session:
        (row,) = await session.scalars(select(RiskEvent))
    assert (row.line, row.reason) == ("engine", "LINK_DOWN: alert stream ended")
    with pytest.raises(ValueError, match="Line must be one of gateware, drbguard, engine"):
        await store.record_risk_event(ts=T0, line="strategy", kind="x", reason="y", detail={})
    # Guard status stays per guard line: the engine is not one.
    with pytest.raises(ValueError, match="Line must be one of gateware, drbguard, not 'engine'"):
        await store.record_guard_status(ts=T0, line="engine", backend="x", status={})
