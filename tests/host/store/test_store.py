"""Store: each write lands with its outbox event, exactly, idempotently, in one transaction."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from host.store import Store
from host.store.models import (
    EquityPoint,
    Event,
    GuardStatus,
    MarketSample,
    OperatorCommand,
    Order,
    Position,
    RiskEvent,
    Signal,
    Trade,
)

T0 = datetime(2026, 11, 25, 6, 0, 0, 123456, tzinfo=UTC)


async def _events(store: Store, kind: str | None = None) -> list[Event]:
    async with store.sessionmaker() as session:
        query = select(Event).order_by(Event.id)
        if kind is not None:
            query = query.where(Event.kind == kind)
        return list(await session.scalars(query))


async def _count(store: Store, model: Any) -> int:
    async with store.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _order(store: Store, client_id: str = "c-1", **changes: Any) -> int:
    values: dict[str, Any] = {
        "client_id": client_id,
        "ts": T0,
        "symbol": "BTCUSDT",
        "side": "buy",
        "kind": "limit",
        "price": Decimal("65000.1"),
        "quantity": Decimal("0.002"),
        "status": "accepted",
        "gateware_backend": "model",
        "gateware_reason": None,
        "gateware_latency_us": 180.5,
        "drb_reason": None,
        "detail": {"gateware": {"rule": "C6", "limit": 1000}},
    }
    values.update(changes)
    return await store.record_order(**values)


async def _trade(store: Store, **changes: Any) -> int:
    values: dict[str, Any] = {
        "client_id": "c-1",
        "ts": T0,
        "symbol": "BTCUSDT",
        "side": "buy",
        "price": Decimal("65000.1"),
        "quantity": Decimal("0.001"),
        "fee": Decimal("0.026"),
        "liquidity": "taker",
        "realized_pnl": Decimal(0),
    }
    values.update(changes)
    return await store.record_trade(**values)


async def test_record_signal_when_written_then_row_and_event_carry_exact_values(
    store: Store,
) -> None:
    signal_id = await store.record_signal(
        ts=T0,
        symbol="BTCUSDT",
        kind="liquidation_cascade",
        side="SELL",
        strength=Decimal("1.000000000000000001"),
        detail={"notional": Decimal("2500000.5"), "window_s": 30},
    )

    async with store.sessionmaker() as session:
        row = await session.get(Signal, signal_id)
    assert row is not None
    assert row.strength == Decimal("1.000000000000000001")
    assert row.side == "sell"
    assert row.ts == T0
    (event,) = await _events(store)
    assert event.kind == "signal"
    assert event.payload["id"] == signal_id
    assert event.payload["strength"] == "1.000000000000000001"
    assert event.payload["detail"] == {"notional": "2500000.5", "window_s": 30}


async def test_decimal_columns_when_extreme_values_then_round_trip_exactly(store: Store) -> None:
    big = Decimal("123456789012345678.123456789012345678")
    tiny = Decimal("0.000000000000000001")

    await store.record_equity(ts=T0, equity=big, pnl=tiny, drawdown=Decimal("-5"))

    async with store.sessionmaker() as session:
        row = await session.scalar(select(EquityPoint))
    assert row is not None
    assert (row.equity, row.pnl, row.drawdown) == (big, tiny, Decimal(-5))


async def test_record_when_price_is_float_then_type_error(store: Store) -> None:
    with pytest.raises(TypeError, match=r"^Price must be a Decimal, not 1\.5$"):
        await store.record_market(ts=T0, symbol="BTCUSDT", price=1.5, kind="mid")  # type: ignore[arg-type]
    assert await _count(store, MarketSample) == 0


async def test_record_when_side_unknown_then_value_error(store: Store) -> None:
    with pytest.raises(ValueError, match=r"^Side must be 'buy' or 'sell', not 'long'$"):
        await _order(store, side="long")
    assert await _count(store, Order) == 0


async def test_record_order_when_client_id_repeats_then_first_row_kept(store: Store) -> None:
    first = await _order(store)

    second = await _order(store, status="rejected", gateware_reason="MAX_NOTIONAL")

    assert second == first
    async with store.sessionmaker() as session:
        rows = list(await session.scalars(select(Order)))
    assert [(r.status, r.gateware_reason) for r in rows] == [("accepted", None)]
    assert len(await _events(store, "order")) == 1


async def test_last_client_id_when_orders_stored_then_highest_number(store: Store) -> None:
    assert await store.last_client_id() == 0
    for client_id in ("9", "12", "3"):
        await _order(store, client_id=client_id)

    # Numeric, not text, order: "9" > "12" as strings.
    assert await store.last_client_id() == 12


async def test_record_order_when_client_id_empty_then_value_error(store: Store) -> None:
    with pytest.raises(ValueError, match=r"^Client id must be a non-empty string, not ''$"):
        await _order(store, client_id="")


async def test_update_order_when_filled_then_status_and_detail_merged(store: Store) -> None:
    await _order(store)

    await store.update_order(
        client_id="c-1",
        ts=T0 + timedelta(milliseconds=5),
        status="filled",
        filled_quantity=Decimal("0.002"),
        average_price=Decimal("65000.05"),
        detail={"broker": {"ack_ts": "2026-11-25T06:00:00.2+00:00"}},
    )

    async with store.sessionmaker() as session:
        row = await session.scalar(select(Order))
    assert row is not None
    assert row.status == "filled"
    assert row.filled_quantity == Decimal("0.002")
    assert row.average_price == Decimal("65000.05")
    assert set(row.detail) == {"gateware", "broker"}
    events = await _events(store, "order")
    assert [e.payload["action"] for e in events] == ["created", "updated"]
    assert all(e.ref == "c-1" for e in events)


async def test_update_order_when_replayed_then_one_event_and_a_real_change_still_recorded(
    store: Store,
) -> None:
    # A held write replayed after a commit whose answer was lost repeats every argument.
    await _order(store)
    update = {
        "client_id": "c-1",
        "ts": T0 + timedelta(milliseconds=5),
        "status": "working",
        "filled_quantity": Decimal("0.001"),
        "average_price": Decimal("65000.05"),
        "detail": {"broker": {"fills": 1}},
    }
    await store.update_order(**update)
    await store.update_order(**update)
    # The neighbour: the same status and time, another quantity, is a change.
    await store.update_order(**{**update, "filled_quantity": Decimal("0.002")})

    events = await _events(store, "order")
    assert [e.payload["action"] for e in events] == ["created", "updated", "updated"]
    assert [e.payload["filled_quantity"] for e in events[1:]] == ["0.001", "0.002"]


async def test_last_equity_time_when_points_stored_then_the_latest(store: Store) -> None:
    assert await store.last_equity_time() is None
    for offset in (5, 9, 2):
        await store.record_equity(
            ts=T0 + timedelta(seconds=offset),
            equity=Decimal(1000),
            pnl=Decimal(0),
            drawdown=Decimal(0),
        )
    assert await store.last_equity_time() == T0 + timedelta(seconds=9)


async def test_update_order_when_unknown_then_key_error(store: Store) -> None:
    with pytest.raises(KeyError, match="Order must be recorded before it is updated"):
        await store.update_order(
            client_id="nope", ts=T0, status="filled", filled_quantity=Decimal(1), average_price=None
        )
    assert await _events(store) == []


async def test_record_trade_when_same_fill_twice_then_one_row(store: Store) -> None:
    first = await _trade(store)

    second = await _trade(store)

    assert second == first
    assert await _count(store, Trade) == 1
    assert len(await _events(store, "trade")) == 1


async def test_record_when_same_order_and_fill_raced_then_one_row_each(store: Store) -> None:
    # Both writers look the key up before either inserts: the loser's insert hits the unique
    # key and returns the winner's row instead of failing or writing a second event.
    order_ids = await asyncio.gather(_order(store), _order(store))
    trade_ids = await asyncio.gather(_trade(store), _trade(store))

    assert order_ids[0] == order_ids[1]
    assert trade_ids[0] == trade_ids[1]
    assert await _count(store, Order) == 1
    assert await _count(store, Trade) == 1
    assert len(await _events(store, "order")) == 1
    assert len(await _events(store, "trade")) == 1


async def test_record_risk_event_when_same_key_twice_then_one_row_and_one_event(
    store: Store,
) -> None:
    event = {"ts": T0, "line": "engine", "kind": "halt", "reason": "X", "detail": {}}

    first = await store.record_risk_event(**event, key="k-1")
    again = await store.record_risk_event(**event, key="k-1")
    other = await store.record_risk_event(**event, key="k-2")
    unkeyed = [await store.record_risk_event(**event) for _ in range(2)]

    assert again == first
    assert len({first, other, *unkeyed}) == 4  # another key, or none, is another event
    assert await _count(store, RiskEvent) == 4
    assert len(await _events(store, "risk_event")) == 4


async def test_record_trade_when_fill_seq_differs_then_two_rows(store: Store) -> None:
    first = await _trade(store, fill_seq=1)
    again = await _trade(store, fill_seq=1, price=Decimal("65001"))

    second = await _trade(store, fill_seq=2)

    assert again == first
    assert second != first
    async with store.sessionmaker() as session:
        keys = sorted(await session.scalars(select(Trade.trade_key)))
    assert keys == ["c-1#1", "c-1#2"]


async def test_record_trade_when_content_differs_then_two_rows(store: Store) -> None:
    await _trade(store)

    await _trade(store, ts=T0 + timedelta(microseconds=1))

    assert await _count(store, Trade) == 2


async def test_upsert_position_when_called_twice_then_one_row_updated(store: Store) -> None:
    for quantity in (Decimal("0.5"), Decimal("-0.25")):
        await store.upsert_position(
            symbol="ETHUSDT",
            ts=T0,
            quantity=quantity,
            average_price=Decimal("3000"),
            realized_pnl=Decimal("1.5"),
            unrealized_pnl=Decimal("-0.75"),
        )

    async with store.sessionmaker() as session:
        rows = list(await session.scalars(select(Position)))
    assert [(r.symbol, r.quantity) for r in rows] == [("ETHUSDT", Decimal("-0.25"))]
    assert [e.payload["quantity"] for e in await _events(store, "position")] == ["0.5", "-0.25"]


async def test_record_guard_status_when_called_twice_then_latest_snapshot_kept(
    store: Store,
) -> None:
    await store.record_guard_status(
        ts=T0, line="gateware", backend="model", status={"state": "DISARMED"}
    )

    await store.record_guard_status(
        ts=T0 + timedelta(seconds=1),
        line="gateware",
        backend="verilator",
        status={"state": "ACTIVE"},
    )

    async with store.sessionmaker() as session:
        rows = list(await session.scalars(select(GuardStatus)))
    assert [(r.backend, r.status) for r in rows] == [("verilator", {"state": "ACTIVE"})]
    assert len(await _events(store, "guard_status")) == 2


async def test_record_guard_status_when_line_unknown_then_value_error(store: Store) -> None:
    with pytest.raises(ValueError, match=r"^Line must be one of gateware, drbguard, not 'fpga'$"):
        await store.record_guard_status(ts=T0, line="fpga", backend="model", status={})


async def test_record_risk_event_when_detail_names_order_then_event_on_its_timeline(
    store: Store,
) -> None:
    await store.record_risk_event(
        ts=T0,
        line="drbguard",
        kind="reject",
        reason="MAX_DRAWDOWN: drawdown=0.12, limit=0.10",
        detail={"client_id": "c-9", "drawdown": Decimal("0.12")},
    )

    (event,) = await _events(store)
    assert (event.kind, event.ref) == ("risk_event", "c-9")
    assert event.payload["detail"]["drawdown"] == "0.12"
    assert await _count(store, RiskEvent) == 1


async def test_record_market_when_liquidation_then_side_and_quantity_kept(store: Store) -> None:
    await store.record_market(
        ts=T0,
        symbol="BTCUSDT",
        price=Decimal("64000"),
        kind="liquidation",
        quantity=Decimal("1.2"),
        side="sell",
    )

    (event,) = await _events(store, "market")
    assert (event.payload["price"], event.payload["quantity"], event.payload["side"]) == (
        "64000",
        "1.2",
        "sell",
    )


async def test_record_when_detail_not_json_then_nothing_written(store: Store) -> None:
    with pytest.raises(TypeError, match=r"^Detail value must be JSON-serialisable, not "):
        await store.record_signal(
            ts=T0, symbol="X", kind="k", side=None, strength=Decimal(1), detail={"o": object()}
        )
    assert await _count(store, Signal) == 0
    assert await _events(store) == []


async def test_record_when_event_insert_fails_then_row_rolled_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_event(session: Any, **_: Any) -> None:
        session.add(Event(ts=None, kind="signal", payload={}))  # ts NOT NULL: the flush fails

    monkeypatch.setattr(Store, "_event", staticmethod(broken_event))

    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError differs per backend
        await store.record_signal(
            ts=T0, symbol="X", kind="k", side=None, strength=Decimal(1), detail={}
        )

    monkeypatch.undo()
    assert await _count(store, Signal) == 0


async def test_commands_when_submitted_then_pending_until_completed(store: Store) -> None:
    command_id = await store.submit_command(
        kind="kill", payload={"line": "gateware", "reason": "drill"}, actor="olga"
    )

    (pending,) = await store.pending_commands()
    assert (pending.id, pending.kind, pending.actor) == (command_id, "kill", "olga")
    assert pending.payload == {"line": "gateware", "reason": "drill"}

    await store.complete_command(command_id=command_id, ok=True, result="kill latched")

    assert await store.pending_commands() == []
    async with store.sessionmaker() as session:
        row = await session.get(OperatorCommand, command_id)
        audits = list(await session.scalars(select(RiskEvent).order_by(RiskEvent.id)))
    assert row is not None
    assert (row.status, row.result) == ("done", "kill latched")
    assert row.completed_ts is not None
    assert [(a.kind, a.actor, a.line) for a in audits] == [
        ("command_kill", "olga", "gateware"),
        ("command_done", "olga", "gateware"),
    ]
    assert [e.kind for e in await _events(store)] == [
        "command",
        "risk_event",
        "command",
        "risk_event",
    ]


async def test_complete_command_when_not_ok_then_failed(store: Store) -> None:
    command_id = await store.submit_command(kind="rearm", payload={"line": "both"}, actor="olga")

    await store.complete_command(command_id=command_id, ok=False, result="LIMITS_INCOMPLETE")

    async with store.sessionmaker() as session:
        row = await session.get(OperatorCommand, command_id)
    assert row is not None and row.status == "failed"


async def test_complete_command_when_already_done_then_key_error(store: Store) -> None:
    command_id = await store.submit_command(kind="kill", payload={}, actor="olga")
    await store.complete_command(command_id=command_id, ok=True, result="ok")

    with pytest.raises(KeyError, match="Command must be pending to complete"):
        await store.complete_command(command_id=command_id, ok=True, result="again")


async def test_submit_command_when_kind_unknown_then_value_error(store: Store) -> None:
    with pytest.raises(
        ValueError, match=r"^Command kind must be one of kill, rearm, set_limit, not 'reboot'$"
    ):
        await store.submit_command(kind="reboot", payload={}, actor="olga")
    assert await _count(store, OperatorCommand) == 0


async def test_commit_listener_when_write_commits_then_called_once(store: Store) -> None:
    calls: list[int] = []
    store.add_commit_listener(lambda: calls.append(1))

    await store.record_equity(ts=T0, equity=Decimal(1), pnl=Decimal(0), drawdown=Decimal(0))
    with pytest.raises(TypeError):
        await store.record_equity(ts=T0, equity=1.0, pnl=Decimal(0), drawdown=Decimal(0))  # type: ignore[arg-type]

    assert calls == [1]


async def test_event_ids_when_many_writes_then_strictly_increasing(store: Store) -> None:
    for i in range(20):
        await store.record_market(ts=T0, symbol="BTCUSDT", price=Decimal(60000 + i), kind="mid")

    events = await _events(store)
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 20
    assert [e.payload["price"] for e in events] == [str(60000 + i) for i in range(20)]


async def test_sqlite_when_opened_then_wal_mode(tmp_path: Any) -> None:
    store = await Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        async with store.engine.connect() as connection:
            mode = await connection.scalar(text("PRAGMA journal_mode"))
    finally:
        await store.close()
    assert mode == "wal"


async def test_record_order_when_reason_text_long_then_cut_to_column(store: Store) -> None:
    reason = "NOT_ARMED: state=DISARMED, unset=" + "X" * 3000

    await _order(store, drb_reason=reason, gateware_backend="serial:" + "/dev/x" * 40)

    async with store.sessionmaker() as session:
        row = await session.scalar(select(Order))
    assert row is not None and row.drb_reason is not None
    assert len(row.drb_reason) == 1024 and row.drb_reason.endswith("\u2026")
    assert row.drb_reason.startswith("NOT_ARMED: state=DISARMED")
    assert len(row.gateware_backend) == 128


async def test_record_order_when_client_id_too_long_then_value_error(store: Store) -> None:
    with pytest.raises(ValueError, match=r"^Client id must be at most 64 characters, not 65$"):
        await _order(store, client_id="c" * 65)
    assert await _count(store, Order) == 0


async def test_record_risk_event_when_reason_long_then_cut(store: Store) -> None:
    await store.record_risk_event(
        ts=T0, line="gateware", kind="reject", reason="R" * 5000, detail={}
    )

    async with store.sessionmaker() as session:
        row = await session.scalar(select(RiskEvent))
    assert row is not None and len(row.reason) == 1024


async def test_record_guard_status_when_floats_not_finite_then_stored_as_text(
    store: Store,
) -> None:
    status = {"equity": float("nan"), "ratio": [float("inf"), -float("inf"), 1.5]}

    await store.record_guard_status(ts=T0, line="drbguard", backend="software", status=status)

    async with store.sessionmaker() as session:
        row = await session.scalar(select(GuardStatus))
    assert row is not None
    assert row.status == {"equity": "NaN", "ratio": ["Infinity", "-Infinity", 1.5]}
