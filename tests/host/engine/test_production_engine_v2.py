"""ProductionEngineV2 with a scripted guard: both verdicts on every order, fail-closed paths
(no verdict, link down, heartbeat, ALERT, store failure), fills to both lines, operator
commands, clean shutdown."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from hdl.protocol import (
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TickReason,
    TradingState,
)
from host.broker.paper import RealismConfig
from host.data.events import EventKind
from host.engine import EngineConfig, ProductionEngineV2
from host.guards.drb_guard import DRBGuardConfig
from host.link.codec import Message
from host.strategies.base import Intent, OrderIntent, Strategy

S = 1_000_000


class FakeGuard:
    """A scripted first line that records every call."""

    backend = "fake"

    def __init__(self) -> None:
        self.connected = True
        self.calls: list[tuple[Any, ...]] = []
        self.order_verdicts: list[Reason] = []
        self.fail_heartbeat = False

    async def set_limit(self, limit: LimitId, value: int) -> None:
        self.calls.append(("set_limit", limit, value))

    async def set_instrument(self, index: int, **kwargs: Any) -> None:
        self.calls.append(("set_instrument", index))

    async def set_position(self, index: int, position: int, price: int) -> None:
        self.calls.append(("set_position", index, position, price))

    async def cancel_all(self) -> int:
        self.calls.append(("cancel_all",))
        return 0

    async def arm(self, mode: ArmMode = ArmMode.ACTIVE) -> None:
        self.calls.append(("arm", mode))

    async def kill(self) -> None:
        self.calls.append(("kill",))

    async def heartbeat(self) -> None:
        if self.fail_heartbeat:
            raise ConnectionError("link down")
        self.calls.append(("heartbeat",))

    async def tick(self, instrument: int, timestamp: int, bid: int, ask: int) -> TickReason:
        return TickReason.ACCEPT

    async def order(self, client_id: int, *args: Any) -> Reason:
        self.calls.append(("order", client_id, *args))
        return self.order_verdicts.pop(0) if self.order_verdicts else Reason.ACCEPT

    async def cancel(self, client_id: int) -> AckResult:
        self.calls.append(("cancel", client_id))
        return AckResult.OK

    async def fill(self, client_id: int, price: int, quantity: int) -> AckResult:
        self.calls.append(("fill", client_id, price, quantity))
        return AckResult.OK

    async def status(self) -> Any:
        return {}

    async def alerts(self) -> AsyncIterator[Message]:
        # Like the real link: no ALERT, and the stream ends only when the link closes.
        while self.connected:
            await asyncio.sleep(0.01)
        return
        yield Message(MessageType.ALERT)

    async def close(self) -> None:
        self.connected = False

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == name]


class Scripted(Strategy):
    """Sends the queued intents on the next quote."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[Intent] = []
        self.done: list[tuple[str, str]] = []
        self.fills: list[tuple[Side, float, float]] = []
        self.restored: list[tuple[str, float, float]] = []

    def on_quote(
        self, symbol: str, ts: int, bid: float, ask: float, bq: float, aq: float
    ) -> list[Intent]:
        intents, self.queue = self.queue, []
        return intents

    def on_fill(
        self, symbol: str, ts: int, side: Side, price: float, quantity: float, *, tag: str
    ) -> None:
        self.fills.append((side, price, quantity))

    def on_order_done(self, symbol: str, ts: int, *, tag: str, status: str) -> None:
        self.done.append((tag, status))

    def on_restore(self, symbol: str, quantity: float, average_price: float) -> None:
        self.restored.append((symbol, quantity, average_price))


CONFIG = EngineConfig(realism=RealismConfig.level(0))


async def started(
    config: EngineConfig = CONFIG, store: Any = None
) -> tuple[ProductionEngineV2, FakeGuard, Scripted]:
    guard = FakeGuard()
    strategy = Scripted()
    engine = ProductionEngineV2(config, guard, symbols=["BTCUSDT"], store=store, strategy=strategy)
    await engine.start(0)
    return engine, guard, strategy


async def quote(
    engine: ProductionEngineV2, ts: float, bid: float = 43_000.0, ask: float = 43_000.1
) -> None:
    seq = int(ts * 1000) + 1
    t = int(ts * S)
    await engine.on_event(t, t, EventKind.QUOTE, 0, 0, seq, bid, 5.0, ask, 5.0)


def buy(
    quantity: float = 0.01, price: float | None = 43_000.0, tag: str = "entry-1"
) -> OrderIntent:
    kind = OrderKind.MARKET if price is None else OrderKind.LIMIT
    return OrderIntent("BTCUSDT", Side.BUY, kind, price, quantity, tag)


async def test_start_when_called_then_sets_every_limit_and_instrument_before_arming() -> None:
    engine, guard, _ = await started()
    names = [call[0] for call in guard.calls]
    assert names.index("arm") == len(names) - 1
    assert {call[1] for call in guard.named("set_limit")} == set(LimitId)
    assert [call[1] for call in guard.named("set_instrument")] == [0, 1]
    # whatever a board kept of an earlier run is dropped: no orders, the engine's positions
    assert guard.named("cancel_all") == [("cancel_all",)]
    assert guard.named("set_position") == [("set_position", 0, 0, 0), ("set_position", 1, 0, 0)]
    assert engine.drb.state == TradingState.ACTIVE


async def test_run_live_when_the_feed_is_empty_then_shutdown_is_stamped_now_not_1970(
    tmp_path,
) -> None:
    import sqlite3
    from datetime import UTC, datetime

    from host.store import Store

    async def empty_feed() -> AsyncIterator[Any]:
        return
        yield

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    try:
        engine = ProductionEngineV2(
            CONFIG, FakeGuard(), symbols=["BTCUSDT"], store=store, strategy=Scripted()
        )
        before = datetime.now(UTC).replace(tzinfo=None)
        await engine.run_live(empty_feed())
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "engine.db") as connection:
        stamps = connection.execute(
            "select ts from risk_events union all select ts from guard_status"
        ).fetchall()
        (points,) = connection.execute("select count(*) from equity").fetchone()
    assert stamps and all(datetime.fromisoformat(ts) >= before for (ts,) in stamps)
    assert points == 0  # no run, no equity curve


async def test_reattach_guard_when_a_position_is_open_then_the_new_link_gets_it() -> None:
    engine, _, strategy = await started()
    strategy.queue = [buy(0.02, price=None)]
    await quote(engine, 1)
    await engine.halt("engine", "LINK_DOWN: test")
    new_guard = FakeGuard()
    await engine.reattach_guard(new_guard)
    instrument = engine.config.instruments.by_symbol("BTCUSDT")
    average = engine.broker.account.positions["BTCUSDT"].average
    assert ("cancel_all",) in new_guard.calls
    assert ("set_position", 0, 20, instrument.to_ticks(average)) in new_guard.calls
    assert new_guard.named("arm") == []  # halted until an operator re-arms


async def test_start_when_the_gateware_refuses_a_restored_position_then_halted(tmp_path) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from host.link.commands import GuardCommandError
    from host.store import Store

    class RefusingGuard(FakeGuard):
        async def set_position(self, index: int, position: int, price: int) -> None:
            await super().set_position(index, position, price)
            if position:
                raise GuardCommandError(MessageType.SET_POSITION, index, AckResult.BAD_ARGUMENT)

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    try:
        await store.record_trade(
            client_id="1",
            ts=datetime(2026, 12, 6, tzinfo=UTC),
            symbol="BTCUSDT",
            side="buy",
            price=Decimal("43000"),
            quantity=Decimal("0.3"),
            fee=Decimal("0"),
            liquidity="taker",
            realized_pnl=Decimal("0"),
            fill_seq=1,
        )
        guard = RefusingGuard()
        engine = ProductionEngineV2(
            CONFIG, guard, symbols=["BTCUSDT"], store=store, strategy=Scripted()
        )
        await engine.start(0)
    finally:
        await store.close()
    # fail closed: line 1 would count from a wrong position, so neither line is armed
    assert engine.halted and engine.halt_reason.startswith("RESTORE_FAILED")
    assert guard.named("arm") == [] and guard.named("kill") == [("kill",)]
    assert engine.drb.state == TradingState.HALTED


async def test_submit_when_both_lines_accept_then_order_reaches_broker_with_both_verdicts() -> None:
    engine, guard, strategy = await started()
    strategy.queue = [buy(price=None)]
    await quote(engine, 1)
    (record,) = engine.orders.values()
    assert (record.gateware_reason, record.drb.reason) == (Reason.ACCEPT, Reason.ACCEPT)
    assert record.status == "filled"
    (order_call,) = guard.named("order")
    assert order_call[1:] == (1, 0, Side.BUY, OrderKind.MARKET, 0, 10)
    # the fill went back to the gateware in ticks and lots, and to DRBGuard and the strategy
    assert guard.named("fill") == [("fill", 1, 430001, 10)]
    assert engine.drb.position(0) == 10
    assert strategy.fills == [(Side.BUY, 43_000.1, pytest.approx(0.01))]


async def test_submit_when_gateware_rejects_then_drb_and_broker_never_see_it() -> None:
    engine, guard, strategy = await started()
    guard.order_verdicts = [Reason.MAX_POSITION]
    strategy.queue = [buy()]
    await quote(engine, 1)
    (record,) = engine.orders.values()
    assert (record.status, record.gateware_reason, record.drb) == (
        "rejected_gateware",
        Reason.MAX_POSITION,
        None,
    )
    assert engine.drb.accepts == 0
    assert engine.broker.open_orders() == []
    assert engine.counts.rejects["gateware"] == {"MAX_POSITION": 1}
    assert strategy.done == [("entry-1", "rejected_gateware")]


async def test_submit_when_drb_rejects_then_gateware_order_is_released() -> None:
    config = replace(CONFIG, drb=DRBGuardConfig(max_order_notional=100.0))
    engine, guard, _ = await started(config)
    engine.strategy.queue = [buy(quantity=0.01)]  # 430 > 100
    await quote(engine, 1)
    (record,) = engine.orders.values()
    assert record.status == "rejected_drb"
    assert record.drb.reason == Reason.MAX_NOTIONAL
    assert record.drb.text.startswith("MAX_NOTIONAL: notional=")
    assert guard.named("cancel") == [("cancel", record.client_id)]
    assert engine.counts.rejects["drb"] == {"MAX_NOTIONAL": 1}


@pytest.mark.parametrize("verdict", [Reason.NO_VERDICT, Reason.LINK_DOWN])
async def test_submit_when_no_verdict_then_no_order_and_engine_halts(verdict: Reason) -> None:
    engine, guard, strategy = await started()
    strategy.queue = [buy(price=42_990.0, tag="resting"), buy(price=42_980.0)]
    guard.order_verdicts = [Reason.ACCEPT, verdict]
    await quote(engine, 1)
    assert engine.halted
    assert engine.halt_reason.startswith(verdict.name)
    assert [r.status for r in engine.orders.values()] == ["cancelled", "rejected_gateware"]
    assert guard.named("kill") == [("kill",)]
    assert engine.drb.state == TradingState.HALTED
    strategy.queue = [buy(price=42_970.0)]
    await quote(engine, 2)
    assert len(engine.orders) == 2  # nothing more is sent


async def test_on_event_when_heartbeat_fails_then_halts() -> None:
    engine, guard, _ = await started()
    guard.fail_heartbeat = True
    await quote(engine, 1)
    assert engine.halted
    assert engine.halt_reason == "LINK_DOWN: heartbeat failed"


async def test_on_event_when_event_time_passes_then_heartbeats_keep_watchdog_fed() -> None:
    engine, guard, _ = await started()
    for step in range(1, 11):
        await quote(engine, step * 0.1)
    assert len(guard.named("heartbeat")) == 10


async def test_on_alert_when_gateware_kill_then_halts_and_cancels_everything() -> None:
    engine, guard, strategy = await started()
    strategy.queue = [buy(price=42_990.0)]
    await quote(engine, 1)
    await engine.on_alert(Message(MessageType.ALERT, {"state": 3, "cause": KillCause.WATCHDOG}))
    assert engine.halted
    assert engine.halt_reason == "ALERT: state=HALTED, cause=WATCHDOG"
    assert engine.broker.open_orders() == []
    assert engine.drb.open_orders == []
    assert guard.named("cancel") == [("cancel", 1)]


async def test_shutdown_when_orders_open_then_cancels_all_and_leaves_kill_latched() -> None:
    engine, guard, strategy = await started()
    strategy.queue = [buy(price=42_990.0)]
    await quote(engine, 1)
    await engine.shutdown(2 * S)
    assert engine.broker.open_orders() == []
    assert guard.named("kill") == [("kill",)]
    assert engine.drb.state == TradingState.HALTED


async def test_on_event_when_sanitizer_rejects_then_strategy_never_sees_it() -> None:
    engine, _, strategy = await started()
    strategy.queue = [buy(price=42_990.0)]
    await quote(engine, 1, bid=43_000.0, ask=42_999.0)  # crossed
    assert engine.orders == {}
    assert engine.counts.rejects["sanitizer"] == {"CROSSED_BOOK": 1}


class FailingStore:
    def __getattr__(self, name: str) -> Any:
        async def fail(**kwargs: Any) -> None:
            raise OSError("disk full")

        return fail


async def test_write_when_store_fails_then_engine_halts_rather_than_trade_unrecorded() -> None:
    engine, guard, strategy = await started(store=FailingStore())
    assert engine.halted
    assert engine.halt_reason.startswith("STORE_FAILED")
    strategy.queue = [buy()]
    await quote(engine, 1)
    assert engine.orders == {}


async def test_execute_command_when_kill_then_both_lines_latched() -> None:
    engine, guard, _ = await started()
    ok, result = await engine.execute_command("kill", {"line": "both"}, "alice")
    assert ok and "gateware" in result and "drbguard" in result
    assert engine.halted
    assert engine.drb.state == TradingState.HALTED
    ok, _ = await engine.execute_command("rearm", {"line": "both"}, "alice")
    assert ok and not engine.halted
    assert engine.drb.state == TradingState.ACTIVE
    assert guard.named("arm")[-1] == ("arm", ArmMode.ACTIVE)


async def test_execute_command_when_set_limit_then_applied_to_each_line() -> None:
    engine, guard, _ = await started()
    ok, _ = await engine.execute_command(
        "set_limit", {"line": "gateware", "name": "max_open_orders", "value": "3"}, "bob"
    )
    assert ok and guard.named("set_limit")[-1] == ("set_limit", LimitId.MAX_OPEN_ORDERS, 3)
    ok, _ = await engine.execute_command(
        "set_limit", {"line": "drbguard", "name": "max_order_notional", "value": "123.5"}, "bob"
    )
    assert ok and engine.drb.config.max_order_notional == 123.5
    ok, result = await engine.execute_command("launch", {}, "bob")
    assert not ok and result == "Command kind must be kill, rearm or set_limit, not 'launch'"


async def test_on_event_when_data_has_a_quiet_gap_then_heartbeats_fill_it_in_event_time() -> None:
    engine, guard, _ = await started()
    seen: list[int] = []
    engine.on_time = seen.append
    await quote(engine, 0.05)
    await quote(engine, 2.0)  # 2 s without data: 20 heartbeats, each at its own time
    assert len(guard.named("heartbeat")) == 20
    assert seen[1:4] == [100_000, 200_000, 300_000]  # after the first tick at 50 ms


async def test_start_when_store_holds_a_position_then_strategy_adopts_it(tmp_path) -> None:
    # Arrange: the previous run bought 0.5 BTCUSDT in two fills and sold 0.2 of it.
    from datetime import UTC, datetime
    from decimal import Decimal

    from host.store import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    when = datetime(2026, 12, 6, tzinfo=UTC)
    fills = [("buy", "43000", "0.3"), ("buy", "43100", "0.2"), ("sell", "43200", "0.2")]
    try:
        for number, (side, price, quantity) in enumerate(fills, start=1):
            await store.record_trade(
                client_id=str(number),
                ts=when,
                symbol="BTCUSDT",
                side=side,
                price=Decimal(price),
                quantity=Decimal(quantity),
                fee=Decimal("0"),
                liquidity="taker",
                realized_pnl=Decimal("0"),
                fill_seq=1,
            )

        # Act: a new engine starts on the same database.
        engine, guard, strategy = await started(store=store)
    finally:
        await store.close()

    # Assert: the strategy was handed the open 0.3 at the account's average entry, once.
    ((symbol, quantity, average),) = strategy.restored
    assert symbol == "BTCUSDT"
    assert quantity == pytest.approx(0.3)
    assert average == pytest.approx(engine.broker.account.positions["BTCUSDT"].average)
    assert average == pytest.approx((0.3 * 43000 + 0.2 * 43100) / 0.5)
    # ... and the gateware counts its position and exposure limits from it, before it is armed
    instrument = engine.config.instruments.by_symbol("BTCUSDT")
    restored = ("set_position", instrument.index, 300, instrument.to_ticks(average))
    assert restored in guard.calls
    assert guard.calls.index(restored) < guard.calls.index(("arm", ArmMode.ACTIVE))


async def test_start_when_store_holds_no_position_then_strategy_adopts_nothing(tmp_path) -> None:
    from host.store import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    try:
        _, guard, strategy = await started(store=store)
    finally:
        await store.close()
    assert strategy.restored == []
    # the flat positions went to the gateware once, with its configuration
    assert guard.named("set_position") == [("set_position", 0, 0, 0), ("set_position", 1, 0, 0)]


async def test_poll_commands_when_operator_kills_via_store_then_both_lines_halt_and_command_done(
    tmp_path,
) -> None:
    import sqlite3

    from host.store import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    try:
        engine, guard, _ = await started(store=store)
        command_id = await store.submit_command(
            kind="kill", payload={"line": "both"}, actor="alice"
        )
        await engine.poll_commands()
        assert engine.halted and engine.drb.state == TradingState.HALTED
        assert guard.named("kill")
        assert await store.pending_commands() == []
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "engine.db") as connection:
        status, result = connection.execute(
            "select status, result from commands where id = ?", (command_id,)
        ).fetchone()
        actors = {row[0] for row in connection.execute("select actor from risk_events")}
    assert status == "done" and "kill latched" in result
    assert "alice" in actors


async def test_run_live_when_cancelled_like_ctrl_c_then_cancels_all_and_leaves_kill_latched() -> (
    None
):
    guard = FakeGuard()
    strategy = Scripted()
    strategy.queue = [buy(price=42_990.0)]
    engine = ProductionEngineV2(CONFIG, guard, symbols=["BTCUSDT"], strategy=strategy)

    async def feed():
        step = 0
        while True:
            step += 1
            t = step * 10_000
            yield (t, t, EventKind.QUOTE, 0, 0, step, 43_000.0, 5.0, 43_000.1, 5.0)
            await asyncio.sleep(0.001)

    task = asyncio.create_task(engine.run_live(feed()))
    while not engine.orders or not guard.named("heartbeat"):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.broker.open_orders() == []
    assert guard.named("kill") == [("kill",)]
    assert engine.drb.state == TradingState.HALTED


class RecordingStore:
    """Accepts every write and keeps the trades, like a store that never fails."""

    def __init__(self) -> None:
        self.trades: list[dict[str, Any]] = []

    async def record_trade(self, **kwargs: Any) -> int:
        self.trades.append(kwargs)
        return len(self.trades)

    def __getattr__(self, name: str) -> Any:
        async def accept(**kwargs: Any) -> Any:
            return [] if name in ("pending_commands", "stored_fills", "close_open_orders") else 0

        return accept


async def test_fill_when_two_identical_partial_fills_then_store_gets_two_numbered_trades() -> None:
    # Arrange: a resting buy for 0.01 and two sells of 0.004 at its price, in the same
    # microsecond: the fills agree in time, price and quantity, so only their number tells
    # them apart (without it the store would keep one and lose the other).
    store = RecordingStore()
    config = EngineConfig(realism=replace(RealismConfig.level(0), partial_fills=True))
    engine, _, strategy = await started(config, store=store)
    strategy.queue = [buy(quantity=0.01, price=43_000.0)]
    await quote(engine, 1, bid=43_000.0, ask=43_000.5)
    # Act
    for seq in (1, 2):
        await engine.on_event(2 * S, 2 * S, EventKind.TRADE, 0, -1, seq, 42_999.0, 0.004, 0, 0)
    # Assert
    fills = [(t["price"], t["quantity"], t["ts"]) for t in store.trades]
    assert len(store.trades) == 2 and fills[0] == fills[1]
    assert [t["fill_seq"] for t in store.trades] == [1, 2]


class SwitchableStore:
    """A real SQLite store whose every call fails while ``down`` (the database gone);
    ``down_at`` names a call that takes it down when it comes; the next call named
    ``lose_answer_at`` commits but its answer is lost (it times out on the engine's side
    after the database took it)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.down = False
        self.down_at: str | None = None
        self.lose_answer_at: str | None = None

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if name == self.down_at:
                self.down = True
            if self.down:
                raise OSError("Connection refused")
            result = await method(*args, **kwargs)
            if name == self.lose_answer_at:
                self.lose_answer_at = None
                raise TimeoutError("Store must answer within 2 s")
            return result

        call.__name__ = name
        return call


async def test_store_down_on_the_order_itself_then_never_sent_held_and_written_on_return(
    tmp_path,
) -> None:
    import sqlite3

    from host.store import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    switchable = SwitchableStore(store)
    try:
        engine, guard, strategy = await started(store=switchable)
        strategy.queue = [buy(price=42_990.0)]
        switchable.down_at = "record_order"  # gone just as the order is to be recorded
        await quote(engine, 1)
        (record,) = engine.orders.values()
        # Not recorded, so not sent: released on both lines, halted, nothing at the broker.
        assert engine.broker.open_orders() == [] and engine.fills == []
        assert record.status == "cancelled"
        assert guard.named("cancel") == [("cancel", record.client_id)]
        assert engine.drb.open_orders == []
        assert engine.halted and engine.halt_reason.startswith("STORE_FAILED")
        assert not engine.store_available
        ok, why = await engine.execute_command("rearm", {}, "alice")
        assert not ok and "STORE_FAILED" in why and engine.halted
        assert await engine.retry_store() is False  # still down: nothing dropped
        held = engine.store_outage.held_writes
        assert held >= 3 and engine.store_outage.written_late == 0
        switchable.down, switchable.down_at = False, None
        assert await engine.retry_store() is True
        assert engine.store_outage.written_late == held
        assert engine.halted, "the store's return must not re-arm by itself"
        ok, why = await engine.execute_command("rearm", {}, "alice")
        assert ok and not engine.halted, why
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "engine.db") as connection:
        status, detail = connection.execute(
            "select status, detail from orders where client_id = ?", (str(record.client_id),)
        ).fetchone()
        events = connection.execute(
            "select kind, reason from risk_events where line = 'engine' order by id"
        ).fetchall()
    assert status == "cancelled" and "STORE_FAILED" in detail
    assert [kind for kind, _ in events] == ["halt", "store_recovered"]
    assert events[0][1].startswith("STORE_FAILED")


async def test_store_answer_lost_after_commit_then_replayed_risk_event_recorded_once(
    tmp_path,
) -> None:
    import sqlite3

    from host.store import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    lossy = SwitchableStore(store)
    try:
        engine, _, _ = await started(store=lossy)
        lossy.lose_answer_at = "record_risk_event"
        # Act: the halt's risk event commits, its answer is lost, the engine holds the write
        # and replays it once the store answers again.
        await engine.halt("gateware", "TEST_HALT: a reason", {})
        assert not engine.store_available
        assert await engine.retry_store() is True
        assert engine.store_outage.written_late >= 1
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "engine.db") as connection:
        halts = connection.execute(
            "select count(*) from risk_events where reason = 'TEST_HALT: a reason'"
        ).fetchone()[0]
        outbox = connection.execute(
            "select count(*) from events where kind = 'risk_event' and payload like '%TEST_HALT%'"
        ).fetchone()[0]
    assert (halts, outbox) == (1, 1)


async def test_on_quote_when_halted_by_a_dead_link_then_the_guard_is_not_asked() -> None:
    # A frozen guard keeps its port open: each tick would wait the whole guard timeout and
    # back the feed up. Halted by LINK_DOWN, the engine stops asking until a new link.
    ticks: list[int] = []

    class CountingGuard(FakeGuard):
        async def tick(self, instrument: int, timestamp: int, bid: int, ask: int) -> TickReason:
            ticks.append(timestamp)
            return TickReason.ACCEPT

    guard = CountingGuard()
    engine = ProductionEngineV2(CONFIG, guard, symbols=["BTCUSDT"], strategy=Scripted())
    await engine.start(0)
    await quote(engine, 1)
    assert len(ticks) == 1
    await engine.halt("engine", "LINK_DOWN: guard not answering")
    await quote(engine, 2)
    assert len(ticks) == 1 and engine.counts.rejects["tick_filter"] == {"LINK_DOWN": 1}
    # The broker still sees the market (its cancels and marks need it).
    assert engine.broker.market("BTCUSDT").mid > 0
    await engine.halt("gateware", "irrelevant")  # halted already: the reason stays
    engine.halt_reason = "LINK_RESTORED: halted until re-armed (LINK_DOWN: ...)"
    await quote(engine, 3)
    assert len(ticks) == 2  # a re-attached link is asked again, so it has a reference price


async def test_start_on_a_small_boards_guard_then_configures_what_it_has_and_arms() -> None:
    # the iCEBreaker's build: 1 instrument, 2 order slots (HELLO says so). The engine sets
    # no instrument and no MAX_OPEN_ORDERS the gateware would refuse, arms, and trades
    # BTCUSDT through it; ETHUSDT is watched only
    from host.link.client import GuardClient
    from host.link.model_transport import ModelTransport, VirtualClock

    transport = ModelTransport(clock=VirtualClock(), n_instruments=1, n_order_slots=2)
    guard = GuardClient(transport, timeout=1.0)
    await guard.hello()
    strategy = Scripted()
    engine = ProductionEngineV2(
        CONFIG, guard, symbols=["BTCUSDT", "ETHUSDT"], store=None, strategy=strategy
    )
    await engine.start(0)
    assert transport.model.state == TradingState.ACTIVE
    assert transport.model.limits[LimitId.MAX_OPEN_ORDERS] == 2
    assert [i.symbol for i in engine.config.instruments] == ["BTCUSDT"]
    await guard.close()
