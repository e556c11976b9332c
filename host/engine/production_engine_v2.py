"""ProductionEngineV2: feed -> sanitizer -> tick filter -> strategy -> two guard lines -> broker.

The path of one event (DESIGN.md section 1):

1. :class:`~host.sanitizer.L0Sanitizer` drops bad market data (latency, spread, sequence...).
2. Quotes go to the gateware's tick filter (``GuardLine.tick``); the strategy sees only the
   ticks it accepted, and the same ticks set DRBGuard's reference prices.
3. The strategy's intents go to line 1, the gateware (``GuardLine.order``): no verdict within
   the timeout is no order. What line 1 accepts goes to line 2, :class:`DRBGuard`, which
   checks everything again; a line-2 reject releases the order in the gateware (CANCEL).
4. Accepted orders go to the paper broker; its fills go back to both lines (FILL and
   ``DRBGuard.on_fill``), to the strategy and to the store.

Failure is loud and closed: if the link drops, a heartbeat fails, an ALERT arrives or the store
cannot write, the engine stops sending, cancels every open order at the broker and in the
gateware, latches the kill on both lines and records a risk event. Shutdown does the same and
leaves the kill latch set.

Timing: in a backtest the engine runs on *event time* (microseconds from the data), including
its heartbeats and the guard model's clock, so a run is deterministic. In the Blueprint 2026
this loop is C++ with lock-free queues on pinned cores; asyncio costs microseconds per await,
which the bench measures against a parse-only loop.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import DBAPIError

from hdl.protocol import (
    PRICE_BITS,
    QTY_BITS,
    ArmMode,
    KillCause,
    LimitId,
    OrderKind,
    Reason,
    Side,
    StatusSection,
    TickReason,
    TradingState,
)
from host.broker.paper import BrokerEvent, BrokerOrder, PaperBroker
from host.data.events import EventKind
from host.engine.config import EngineConfig, fit_to_guard
from host.engine.guard_line import GuardLine
from host.guards.drb_guard import DRBGuard, OrderRequest, Verdict
from host.instruments import Instrument
from host.sanitizer.l0_sanitizer import L0Sanitizer
from host.strategies.base import CancelAll, Intent, OrderIntent, Strategy
from host.strategies.liquidation_hunter import SimpleLiquidationHunter

__all__ = ["ProductionEngineV2", "OrderRecord", "FillRecord", "StoreOutage"]

logger = logging.getLogger(__name__)

_MAX_PRICE = (1 << PRICE_BITS) - 1
_MAX_QTY = (1 << QTY_BITS) - 1
_QUOTE, _TRADE, _LIQUIDATION = EventKind.QUOTE, EventKind.TRADE, EventKind.LIQUIDATION
#: The store's risk-event lines by the engine's names for them: "engine" is the engine's own
#: failures (link, store), which neither guard line decided.
_RISK_LINES = {"drb": "drbguard", "drbguard": "drbguard", "engine": "engine"}
#: Writes that are samples, re-taken anyway: dropped (and counted) while the store is down.
_SAMPLE_WRITES = frozenset(
    {"record_market", "record_equity", "record_guard_status", "record_signal"}
)


@dataclass
class OrderRecord:
    """One order's life: the intent and both lines' verdicts, then the broker's story."""

    client_id: int
    ts: int
    symbol: str
    side: Side
    kind: OrderKind
    price_ticks: int
    lots: int
    tag: str
    gateware_reason: Reason
    gateware_latency_us: float
    drb: Verdict | None
    status: str
    filled_lots: int = 0
    #: Fills received so far; numbers each fill so the store can tell two identical fills apart.
    fill_count: int = 0
    filled_quantity: float = 0.0
    filled_notional: float = 0.0

    @property
    def average_price(self) -> float | None:
        """Average fill price, or None before the first fill."""
        return self.filled_notional / self.filled_quantity if self.filled_quantity else None


@dataclass(frozen=True)
class FillRecord:
    """One execution as the report and the plot use it."""

    ts: int
    symbol: str
    side: Side
    price: float
    quantity: float
    fee: float
    realized: float
    liquidity: str
    tag: str


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def _when(ts_us: int) -> datetime:
    return datetime.fromtimestamp(ts_us / 1e6, UTC)


@dataclass
class StoreOutage:
    """What store outages cost this engine (the reliability report shows it)."""

    outages: int = 0
    #: Trading-record writes held in memory while the store was down...
    held_writes: int = 0
    #: ...and written once it was back (equal to held_writes when nothing is pending).
    written_late: int = 0
    #: Held writes the store refused for their content when they were replayed.
    refused_writes: int = 0
    dropped_samples: int = 0
    down_seconds: float = 0.0


@dataclass
class _Counts:
    events: int = 0
    quotes: int = 0
    trades: int = 0
    liquidations: int = 0
    sanitized_out: int = 0
    tick_rejects: int = 0
    rejects: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"sanitizer": {}, "tick_filter": {}, "gateware": {}, "drb": {}}
    )

    def reject(self, line: str, reason: str) -> None:
        bucket = self.rejects.setdefault(line, {})
        bucket[reason] = bucket.get(reason, 0) + 1


def _forget(tasks: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    """A done-callback that drops a finished store call from ``tasks`` and retrieves its
    outcome (it was given up on: its error must not be reported as never retrieved)."""

    def done(task: asyncio.Future[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled():
            task.exception()

    return done


class ProductionEngineV2:
    """The engine. Build it, ``await start(now)``, feed events, ``await shutdown(now)``.

    Parameters
    ----------
    config : EngineConfig
        Validated configuration.
    guard : GuardLine
        The first line (a :class:`~host.link.client.GuardClient`).
    symbols : list of str
        The data set's symbols in ``sym`` index order; symbols not in the instrument map are
        ignored (counted as events, never traded).
    store : Store, optional
        Where everything is written; None in backtests that do not need it.
    strategy : Strategy, optional
        Defaults to :class:`SimpleLiquidationHunter` with ``config.hunter``.
    time_unit_s : float, optional
        The guard's time unit (from its HELLO reply); defaults to the guard's ``info`` or 1 us.
    on_time : callable, optional
        Called with the event time (us) before the guard sees each event: the virtual clock
        of a deterministic backtest.
    """

    def __init__(
        self,
        config: EngineConfig,
        guard: GuardLine,
        *,
        symbols: list[str],
        store: Any | None = None,
        strategy: Strategy | None = None,
        time_unit_s: float | None = None,
        on_time: Callable[[int], None] | None = None,
    ) -> None:
        info = getattr(guard, "info", None)
        if info is not None:  # a small board's guard has fewer instruments and slots
            config, notes = fit_to_guard(
                config, n_instruments=info.n_instruments, n_order_slots=info.n_order_slots
            )
            for note in notes:
                logger.warning("engine: %s", note)
        self.config = config
        self.guard = guard
        self.store = store
        self.strategy = strategy or SimpleLiquidationHunter(config.hunter)
        self.sanitizer = L0Sanitizer(config.sanitizer)
        self.drb = DRBGuard(config.drb, config.instruments)
        self.broker = PaperBroker(config.realism, starting_equity=config.starting_equity)
        if time_unit_s is None:
            time_unit_s = info.time_unit_seconds if info is not None else 1e-6
        self.time_unit_s = time_unit_s
        self.on_time = on_time
        self.symbols = list(symbols)
        self._instruments: list[Instrument | None] = [
            config.instruments.by_symbol(s) if s in config.instruments else None for s in symbols
        ]
        self.backend = guard.backend
        self.counts = _Counts()
        self.orders: dict[int, OrderRecord] = {}
        self.fills: list[FillRecord] = []
        self.equity_curve: list[tuple[int, float]] = []
        self.prices: dict[str, list[tuple[int, float]]] = {s: [] for s in symbols}
        self.liquidations: list[tuple[int, str, float, float, int]] = []
        self.halted = False
        self.halt_reason = ""
        self.now = 0
        self._t0: int | None = None
        self._next_client_id = 1
        self._heartbeat_every = int(config.heartbeat_interval_s * 1e6)
        self._next_heartbeat = 0
        self._sample_every = int(config.sample_s * 1e6)
        self._next_sample: dict[str, int] = {}
        self._next_equity = 0
        self._store_failed = False
        self._store_down_since = 0.0
        self._held: deque[tuple[Callable[..., Awaitable[Any]], dict[str, Any]]] = deque()
        self._abandoned: set[asyncio.Future[Any]] = set()
        #: True once the paper account was rebuilt from the store (or there is no store).
        self._restored = store is None
        self.store_outage = StoreOutage()
        self.signal_count = 0
        self._released: set[int] = set()
        #: Heartbeats on event time (backtests); live runs use a wall-clock task instead.
        self.event_time_heartbeats = True
        self._next_guard_status = 0.0
        self._last_guard_status: dict[str, Any] = {}
        self._wall_samples: dict[str, float] = {}
        self._stop_requested = False
        self._waiting_for_feed = False

    # ---- start, halt, shutdown ---------------------------------------------------------

    async def start(self, now: int) -> None:
        """Configure both lines, restore what the store holds, then arm both (C2: every
        limit, instrument and position set first)."""
        self.now = now
        self._t0 = now
        self._tick_time(now)
        await self._configure_guard()
        self.drb.on_equity(now, self.config.starting_equity)
        if self.store is not None:
            # A store that cannot answer halts the engine (as any failed write does); the
            # halt latches both lines' kills.
            await self._restore_from_store()
        if not self.halted:
            # After a halt above, arming either line would clear its latch.
            await self.guard.arm(ArmMode.ACTIVE)
            self.drb.on_equity(now, self.equity())
            self.drb.arm(ArmMode.ACTIVE)
        self._next_heartbeat = now + self._heartbeat_every
        self.strategy.on_start()
        logger.info("engine armed on %s", self.backend)
        await self._risk_event("gateware", "armed", "ARMED", {"backend": self.backend})

    async def _configure_guard(self) -> None:
        """Every gateware limit and instrument (C2: the gateware refuses to arm without), and
        the gateware's orders and positions made this engine's: a board keeps an old
        session's across an engine restart or a reattached link, and its position limit
        must count from the engine's positions, not from what the gateware last saw."""
        for limit, value in self.config.gateware.values(self.time_unit_s):
            await self.guard.set_limit(limit, value)
        for instrument in self.config.instruments:
            await self.guard.set_instrument(
                instrument.index,
                enabled=True,
                max_position=instrument.max_position,
                min_price=instrument.min_price,
                max_price=instrument.max_price,
                band_ticks=instrument.band_ticks,
            )
        held = await self.guard.cancel_all()
        if held:
            logger.warning("engine: the gateware still held %d orders of a previous run", held)
        await self._send_guard_positions()

    async def _send_guard_positions(self) -> None:
        """SET_POSITION for every instrument: DRBGuard's net lots, valued at the paper
        account's average price (the gateware values exposure at a price, as after a fill)."""
        positions = self.broker.account.positions
        for instrument in self.config.instruments:
            lots = self.drb.position(instrument.index)
            held = positions.get(instrument.symbol)
            price = instrument.to_ticks(held.average) if lots and held is not None else 0
            await self.guard.set_position(instrument.index, lots, price)

    async def reattach_guard(self, guard: GuardLine) -> None:
        """Use ``guard`` (a new link, after the old one died) as the first line: configure
        its limits and instruments but do NOT arm it, and stay halted. Trading resumes only
        when an operator re-arms (``rearm`` command), on a link that is up."""
        if not self.halted:
            raise RuntimeError("Engine must be halted to change its guard link, not trading")
        self.guard = guard
        self.backend = guard.backend
        await self._configure_guard()
        self._released.clear()  # the new gateware holds no order of the old one
        logger.warning("engine: new guard link %s configured; halted until re-armed", guard.backend)
        await self._risk_event(
            "engine", "link_attached", f"LINK_ATTACHED: {guard.backend}, halted until re-armed", {}
        )

    async def _restore_from_store(self) -> None:
        """The store is the truth after a restart on the same database: continue its client
        ids (a reused id would make the store take a new order for a replay of an old one),
        rebuild the paper account from its trades, and close the orders the old process left
        open (the paper exchange that held them died with it; none of them can fill, and
        this session's gateware never saw them). DRBGuard starts from the restored
        positions and the strategy adopts them (:meth:`Strategy.on_restore`: nothing else
        would close them); so does the gateware (SET_POSITION), so that both lines' position
        and exposure limits count from them."""
        assert self.store is not None
        last = await self._read(self.store.last_client_id)
        if self._store_failed:
            return
        self._next_client_id = max(self._next_client_id, int(last or 0) + 1)
        fills = await self._read(self.store.stored_fills)
        if self._store_failed:
            return
        closed = await self._write(
            self.store.close_open_orders,
            ts=_when(self.now),
            reason="RESTART: the paper exchange holding it stopped with the previous engine",
        )
        account = self.broker.account
        for fill in fills:
            side = Side.BUY if fill.side == "buy" else Side.SELL
            account.apply_fill(
                fill.symbol, side, float(fill.price), float(fill.quantity), float(fill.fee)
            )
        for symbol, position in account.positions.items():
            if symbol in self.config.instruments:
                instrument = self.config.instruments.by_symbol(symbol)
                self.drb.restore_position(instrument.index, instrument.to_lots(position.quantity))
                # the strategy manages its exits (stop, take-profit, time) like any entry's
                self.strategy.on_restore(symbol, position.quantity, position.average)
            # Repair a position row that lagged its last trade when the old process died.
            await self._write(
                self.store.upsert_position,
                symbol=symbol,
                ts=_when(self.now),
                quantity=_dec(round(position.quantity, 10)),
                average_price=_dec(round(position.average, 10)) if position.quantity else None,
                realized_pnl=_dec(round(position.realized, 10)),
                unrealized_pnl=Decimal(0),
            )
        self._restored = True
        # Configuring the gateware sent DRBGuard's positions as they were then: flat, unless
        # something was restored since.
        if any(self.drb.position(i.index) for i in self.config.instruments):
            try:
                await self._send_guard_positions()
            except Exception as error:  # noqa: BLE001 -- line 1 would count from a wrong position
                await self.halt(
                    "gateware", f"RESTORE_FAILED: gateware position not set: {error}", {}
                )
        if self.drb.state == TradingState.HALTED:
            await self.halt("drbguard", f"RESTORED position breach: {self.drb.kill_detail}", {})
        if fills or closed:
            positions = {s: p.quantity for s, p in account.positions.items() if p.quantity}
            logger.warning(
                "engine: restored %d stored fills (positions %s), closed %d orders left open",
                len(fills),
                positions,
                len(closed or []),
            )
            await self._risk_event(
                "engine",
                "restored",
                f"RESTORED from the store: {len(fills)} fills, {len(closed or [])} open "
                "orders of the previous run closed",
                {
                    "fills": len(fills),
                    "positions": positions,
                    "fees": round(account.fees, 10),
                    "closed_orders": list(closed or [])[:100],
                },
            )

    def _tick_time(self, ts: int) -> None:
        if self.on_time is not None:
            self.on_time(ts)

    async def halt(self, line: str, reason: str, detail: dict[str, Any] | None = None) -> None:
        """Stop trading: cancel everything on both lines and at the broker, latch both kills,
        record why. Idempotent; loud."""
        if self.halted:
            return
        self.halted = True
        self.halt_reason = reason
        logger.critical("ENGINE HALTED (%s): %s %s", line, reason, detail or {})
        await self._cancel_everything()
        with contextlib.suppress(Exception):
            await self.guard.kill()
        self.drb.kill(KillCause.COMMAND, reason)
        await self._risk_event(line, "halt", reason, detail or {})

    async def _cancel_everything(self) -> None:
        events = self.broker.cancel_all(self.now)
        for record in list(self.orders.values()):
            if record.status in ("working", "accepted"):
                await self._release(record.client_id)
                self.drb.on_cancel(record.client_id)
        # With no latency the cancels are done now; otherwise they complete at the broker's
        # pace and are handled as they arrive.
        await self._broker_events(events)

    async def shutdown(self, now: int | None = None) -> None:
        """Clean stop: cancel all, leave the kill latch set on both lines."""
        if now is not None:
            self.now = now
        elif self._t0 is None:
            # No event ever came, so there is no event time: what is recorded below (the
            # kill, the last status) happened now, not at the epoch.
            self.now = time.time_ns() // 1000
        self.strategy.on_stop()
        await self._cancel_everything()
        # Let cancels in flight reach the paper exchange.
        await self._broker_events(self.broker.advance(self.now + 10_000_000))
        with contextlib.suppress(Exception):
            await self.guard.kill()
        self.drb.kill(KillCause.COMMAND, "shutdown")
        await self._risk_event("gateware", "shutdown", "KILL latched on shutdown", {})
        self._sample_equity(self.now, force=True)
        self._next_guard_status = 0.0  # the last snapshot shows the latched kill
        if self.store is not None and self._t0 is not None:
            # The stored curve ends where the run did (live samples are sparse): the final
            # equity on the dashboard, and where a replay on this database resumes.
            await self._record_periodic(self.now)
        else:
            await self._record_status()
        if self._store_failed and not await self.retry_store():
            # One last try; what is still held is lost with this process. Say how much.
            logger.critical(
                "STORE STILL UNAVAILABLE at shutdown: %d trading-record writes NOT stored",
                len(self._held),
            )

    # ---- events ------------------------------------------------------------------------

    async def on_event(
        self,
        ts: int,
        exch_ts: int,
        kind: int,
        sym: int,
        side: int,
        seq: int,
        p1: float,
        q1: float,
        p2: float,
        q2: float,
    ) -> None:
        """Process one market event (the fields of :data:`host.data.events.EVENT_DTYPE`)."""
        self.now = ts
        counts = self.counts
        counts.events += 1
        symbol = self.symbols[sym]
        if ts >= self._next_heartbeat and self.event_time_heartbeats and not self.halted:
            await self._heartbeats_until(ts)
        if kind == _QUOTE:
            counts.quotes += 1
            # Positional arguments: this is the hottest call of a backtest.
            if self.sanitizer.check_quote(symbol, seq, exch_ts, ts, p1, q1, p2, q2) is not None:
                counts.sanitized_out += 1
                counts.reject("sanitizer", self.sanitizer.last_detail.split(":", 1)[0])
                return
            events = self.broker.on_quote(symbol, ts, p1, p2, q1, q2)
            if events:
                await self._broker_events(events)
            await self._on_quote(symbol, sym, ts, p1, p2, q1, q2)
        elif kind == _TRADE:
            counts.trades += 1
            if self.sanitizer.check_trade(symbol, seq, exch_ts, ts, p1, q1) is not None:
                counts.sanitized_out += 1
                counts.reject("sanitizer", self.sanitizer.last_detail.split(":", 1)[0])
                return
            events = self.broker.on_trade(symbol, ts, p1, q1, side)
            if events:
                await self._broker_events(events)
            self.strategy.on_trade(symbol, ts, p1, q1, side)
        elif kind == _LIQUIDATION:
            counts.liquidations += 1
            if (
                self.sanitizer.check_liquidation(
                    symbol, exch_ts=exch_ts, recv_ts=ts, price=p1, quantity=q1
                )
                is not None
            ):
                counts.sanitized_out += 1
                counts.reject("sanitizer", self.sanitizer.last_detail.split(":", 1)[0])
                return
            self.liquidations.append((ts, symbol, p1, q1, side))
            self.strategy.on_liquidation(symbol, ts, p1, q1, side)
            if self.store is not None:
                await self._write(
                    self.store.record_market,
                    ts=_when(ts),
                    symbol=symbol,
                    price=_dec(p1),
                    kind="liquidation",
                    quantity=_dec(q1),
                    side="buy" if side > 0 else "sell",
                )
        if ts >= self._next_equity:
            self._next_equity = ts + self._sample_every
            self._sample_equity(ts)
            if self.store is not None and self._store_sample_due(""):
                await self._record_periodic(ts)

    def _store_sample_due(self, key: str) -> bool:
        """Samples for the dashboard go out once per ``sample_s`` of event time in a
        backtest, and at most once per ``sample_s`` of wall time live (a fast replay would
        otherwise spend its time writing samples nobody can watch)."""
        if self.event_time_heartbeats:
            return True
        now = time.monotonic()
        if now < self._wall_samples.get(key, 0.0):
            return False
        self._wall_samples[key] = now + self.config.sample_s
        return True

    async def _heartbeats_until(self, ts: int) -> None:
        """Send the heartbeats due by event time ``ts``, each at its own time, as the live
        heartbeat task would have: a quiet stretch of data must not starve the watchdog."""
        on_time = self.on_time
        while self._next_heartbeat <= ts and not self.halted:
            if on_time is not None:
                on_time(self._next_heartbeat)
            self._next_heartbeat += self._heartbeat_every
            try:
                await self.guard.heartbeat()
            except Exception as error:  # noqa: BLE001 -- any failure is a link failure
                await self.halt("engine", "LINK_DOWN: heartbeat failed", {"error": str(error)})

    async def _on_quote(
        self, symbol: str, sym: int, ts: int, bid: float, ask: float, bid_qty: float, ask_qty: float
    ) -> None:
        instrument = self._instruments[sym]
        if instrument is None:
            return
        bid_ticks = int(round(bid / instrument.tick_size))
        ask_ticks = int(round(ask / instrument.tick_size))
        if not (0 < bid_ticks <= _MAX_PRICE and 0 < ask_ticks <= _MAX_PRICE):
            self.counts.reject("tick_filter", "HOST_PRICE_RANGE")
            return
        if self.halted and self.halt_reason.startswith("LINK_DOWN"):
            # Asking a dead link costs the guard timeout per quote (a frozen guard keeps its
            # port open), which would back the feed up; ticks resume on a re-attached link.
            self.counts.reject("tick_filter", "LINK_DOWN")
            return
        assert self._t0 is not None
        wire_ts = ((ts - self._t0) // 1000) & 0xFFFFFFFF
        on_time = self.on_time
        if on_time is not None:
            on_time(ts)
        try:
            verdict = await self.guard.tick(instrument.index, wire_ts, bid_ticks, ask_ticks)
        except Exception as error:  # noqa: BLE001 -- no verdict: the tick is not accepted
            self.counts.reject("tick_filter", "NO_VERDICT")
            if not getattr(self.guard, "connected", True):
                await self.halt("engine", "LINK_DOWN: tick without verdict", {"error": str(error)})
            return
        if verdict != TickReason.ACCEPT:
            self.counts.tick_rejects += 1
            self.counts.reject("tick_filter", TickReason(verdict).name)
            return
        self.drb.on_tick(instrument.index, ts, bid_ticks, ask_ticks)
        prices = self.prices[symbol]
        if not prices or ts - prices[-1][0] >= self._sample_every:
            prices.append((ts, (bid + ask) / 2))
            if self.store is not None and self._store_sample_due(symbol):
                await self._write(
                    self.store.record_market,
                    ts=_when(ts),
                    symbol=symbol,
                    price=_dec((bid + ask) / 2),
                    kind="mid",
                )
        intents = self.strategy.on_quote(symbol, ts, bid, ask, bid_qty, ask_qty)
        if self.strategy.signals:
            await self._signals()
        if intents:
            for intent in intents:
                await self._intent(intent)

    async def _signals(self) -> None:
        for signal in self.strategy.drain_signals():
            self.signal_count += 1
            if self.store is not None:
                await self._write(
                    self.store.record_signal,
                    ts=_when(signal.ts),
                    symbol=signal.symbol,
                    kind=signal.kind,
                    side=signal.side,
                    strength=_dec(round(signal.strength, 6)),
                    detail=signal.detail,
                )

    # ---- orders ------------------------------------------------------------------------

    async def _intent(self, intent: Intent) -> None:
        if isinstance(intent, CancelAll):
            events = self.broker.cancel_all(self.now, intent.symbol)
            await self._broker_events(events)
            return
        await self.submit(intent)

    async def submit(self, intent: OrderIntent) -> OrderRecord | None:
        """Take one order intent through both lines to the broker; returns its record."""
        ts = self.now
        if self.halted:
            self.strategy.on_order_done(intent.symbol, ts, tag=intent.tag, status="halted")
            return None
        instrument = self.config.instruments.by_symbol(intent.symbol)
        lots = instrument.to_lots(intent.quantity)
        price_ticks = (
            0 if intent.kind == OrderKind.MARKET else instrument.to_ticks(intent.price or 0)
        )
        client_id = self._next_client_id
        self._next_client_id += 1
        if not (0 <= price_ticks <= _MAX_PRICE and 0 <= lots <= _MAX_QTY):
            # Cannot even be put on the wire: the host refuses it, as the gateware would.
            reason = Reason.INVALID_PRICE if price_ticks > _MAX_PRICE else Reason.INVALID_QUANTITY
            gateware_reason, latency = reason, 0.0
        else:
            self._tick_time(ts)
            started = time.perf_counter()
            gateware_reason = await self.guard.order(
                client_id, instrument.index, intent.side, intent.kind, price_ticks, lots
            )
            latency = (time.perf_counter() - started) * 1e6
        drb: Verdict | None = None
        if gateware_reason == Reason.ACCEPT:
            drb = self.drb.check(
                OrderRequest(
                    client_id, instrument.index, intent.side, intent.kind, price_ticks, lots
                ),
                ts,
            )
            if drb.accepted:
                status = "working"
            else:
                status = "rejected_drb"
                self.counts.reject("drb", drb.reason.name)
                # Release the order the gateware already counts as open.
                with contextlib.suppress(Exception):
                    await self.guard.cancel(client_id)
        else:
            status = "rejected_gateware"
            self.counts.reject("gateware", Reason(gateware_reason).name)
        record = OrderRecord(
            client_id,
            ts,
            intent.symbol,
            intent.side,
            intent.kind,
            price_ticks,
            lots,
            intent.tag,
            Reason(gateware_reason),
            latency,
            drb,
            status,
        )
        self.orders[client_id] = record
        await self._record_order(record, intent)
        if self._store_failed and status == "working":
            # Not recorded (the store failed on this very order, or is down): it must not
            # reach the broker. Release it on both lines and keep its story for the store.
            record.status = "cancelled"
            await self._release(client_id)
            self.drb.on_cancel(client_id)
            await self._update_order(record, ts, "STORE_FAILED: not sent, could not be recorded")
            self.strategy.on_order_done(intent.symbol, ts, tag=intent.tag, status="cancelled")
            return record
        if gateware_reason in (Reason.NO_VERDICT, Reason.LINK_DOWN):
            self.strategy.on_order_done(intent.symbol, ts, tag=intent.tag, status=status)
            await self.halt(
                "gateware",
                f"{Reason(gateware_reason).name}: order {client_id} got no verdict",
                {"client_id": client_id, "backend": self.backend},
            )
            return record
        if status != "working":
            self.strategy.on_order_done(intent.symbol, ts, tag=intent.tag, status=status)
            return record
        order = BrokerOrder(
            client_id=client_id,
            symbol=intent.symbol,
            side=intent.side,
            kind=intent.kind,
            price=None if intent.kind == OrderKind.MARKET else instrument.price(price_ticks),
            quantity=instrument.quantity(lots),
            tick_size=instrument.tick_size,
            lot_size=instrument.lot_size,
            submitted=ts,
        )
        await self._broker_events(self.broker.submit(order, ts))
        return record

    async def _record_order(self, record: OrderRecord, intent: OrderIntent) -> None:
        if self.store is None:
            return
        instrument = self.config.instruments.by_symbol(record.symbol)
        gateware = None if record.gateware_reason == Reason.ACCEPT else record.gateware_reason.name
        drb_reason = None
        if record.drb is not None and not record.drb.accepted:
            drb_reason = record.drb.text
        await self._write(
            self.store.record_order,
            client_id=str(record.client_id),
            ts=_when(record.ts),
            symbol=record.symbol,
            side=record.side.name.lower(),
            kind=record.kind.name.lower(),
            price=None
            if record.kind == OrderKind.MARKET
            else _dec(instrument.price(record.price_ticks)),
            quantity=_dec(instrument.quantity(record.lots)),
            status=record.status,
            gateware_backend=self.backend,
            gateware_reason=gateware,
            gateware_latency_us=round(record.gateware_latency_us, 3),
            drb_reason=drb_reason,
            detail={
                "tag": record.tag,
                "price_ticks": record.price_ticks,
                "lots": record.lots,
                "gateware_verdict": record.gateware_reason.name,
                "drb_verdict": record.drb.reason.name if record.drb else None,
            },
        )
        if self.store is not None and record.status.startswith("rejected"):
            line = "gateware" if record.status == "rejected_gateware" else "drbguard"
            reason = gateware if line == "gateware" else drb_reason
            await self._risk_event(
                line,
                "reject",
                reason or "",
                {"client_id": str(record.client_id), "tag": record.tag},
            )

    async def _broker_events(self, events: list[BrokerEvent]) -> None:
        for event in events:
            record = self.orders.get(event.client_id)
            if record is None:
                continue
            instrument = self.config.instruments.by_symbol(record.symbol)
            if event.kind == "accepted":
                record.status = "accepted"
                await self._update_order(record, event.ts, None)
            elif event.kind == "fill":
                await self._fill(record, instrument, event)
            else:  # rejected by the exchange, or cancelled
                record.status = "rejected_exchange" if event.kind == "rejected" else "cancelled"
                if event.kind == "rejected":
                    self.counts.reject("exchange", event.reason.split(":", 1)[0])
                await self._release(record.client_id)
                self.drb.on_cancel(record.client_id)
                await self._update_order(record, event.ts, event.reason or None)
                self.strategy.on_order_done(
                    record.symbol, event.ts, tag=record.tag, status=record.status
                )

    async def _release(self, client_id: int) -> None:
        """CANCEL an order in the gateware once (cancels always pass, even when HALTED)."""
        if client_id in self._released:
            return
        self._released.add(client_id)
        with contextlib.suppress(Exception):
            await self.guard.cancel(client_id)

    async def _fill(self, record: OrderRecord, instrument: Instrument, event: BrokerEvent) -> None:
        lots = instrument.to_lots(event.quantity)
        ticks = instrument.to_ticks(event.price)
        record.filled_lots += lots
        record.fill_count += 1
        record.filled_quantity += event.quantity
        record.filled_notional += event.price * event.quantity
        if event.done:
            record.status = "filled"
        self._tick_time(event.ts)
        try:
            await self.guard.fill(record.client_id, min(ticks, _MAX_PRICE), lots)
        except Exception as error:  # noqa: BLE001 -- the gateware's position is now unknown
            await self.halt("engine", "LINK_DOWN: fill not delivered", {"error": str(error)})
        self.drb.on_fill(record.client_id, ticks, lots, event.ts)
        self.strategy.on_fill(
            record.symbol, event.ts, record.side, event.price, event.quantity, tag=record.tag
        )
        self.fills.append(
            FillRecord(
                event.ts,
                record.symbol,
                record.side,
                event.price,
                event.quantity,
                event.fee,
                event.realized,
                event.liquidity,
                record.tag,
            )
        )
        self._sample_equity(event.ts, force=True)
        if event.done:
            self.strategy.on_order_done(record.symbol, event.ts, tag=record.tag, status="filled")
        if self.store is not None:
            await self._write(
                self.store.record_trade,
                client_id=str(record.client_id),
                ts=_when(event.ts),
                symbol=record.symbol,
                side=record.side.name.lower(),
                price=_dec(event.price),
                quantity=_dec(event.quantity),
                fee=_dec(round(event.fee, 10)),
                liquidity=event.liquidity,
                realized_pnl=_dec(round(event.realized, 10)),
                fill_seq=record.fill_count,
            )
            await self._update_order(record, event.ts, None)
            position = self.broker.account.positions.get(record.symbol)
            if position is not None:
                mark = self.broker.market(record.symbol).mid
                await self._write(
                    self.store.upsert_position,
                    symbol=record.symbol,
                    ts=_when(event.ts),
                    quantity=_dec(round(position.quantity, 10)),
                    average_price=_dec(round(position.average, 10)) if position.quantity else None,
                    realized_pnl=_dec(round(position.realized, 10)),
                    unrealized_pnl=_dec(round((mark - position.average) * position.quantity, 10)),
                )

    async def _update_order(self, record: OrderRecord, ts: int, reason: str | None) -> None:
        if self.store is None:
            return
        instrument = self.config.instruments.by_symbol(record.symbol)
        await self._write(
            self.store.update_order,
            client_id=str(record.client_id),
            ts=_when(ts),
            status=record.status,
            filled_quantity=_dec(instrument.quantity(record.filled_lots)),
            average_price=(_dec(round(record.average_price, 10)) if record.average_price else None),
            detail={"exchange_reason": reason} if reason else None,
        )

    # ---- equity, status, store ---------------------------------------------------------

    def equity(self) -> float:
        """Mark-to-market equity of the paper account."""
        return self.broker.account.equity(self.broker.marks())

    def _sample_equity(
        self, ts: int, *, force: bool = False, marks: dict[str, float] | None = None
    ) -> None:
        # ``marks``: the broker's marks, when the caller has them (the fast backtest path
        # keeps the touch outside the broker between orders).
        equity = self.equity() if marks is None else self.broker.account.equity(marks)
        self.drb.on_equity(ts, equity)
        if force or not self.equity_curve or self.equity_curve[-1][1] != equity:
            self.equity_curve.append((ts, equity))

    async def _record_periodic(self, ts: int) -> None:
        assert self.store is not None
        equity = self.equity()
        peak = max((e for _, e in self.equity_curve), default=equity)
        await self._write(
            self.store.record_equity,
            ts=_when(ts),
            equity=_dec(round(equity, 8)),
            pnl=_dec(round(equity - self.config.starting_equity, 8)),
            drawdown=_dec(round((peak - equity) / peak if peak else 0.0, 8)),
        )
        await self._record_status()

    async def _record_status(self) -> None:
        if self.store is None:
            return
        ts = _when(self.now)
        gateware = {
            "state": "HALTED" if self.halted else "ARMED",
            "backend": self.backend,
            "hardware": self.backend.startswith("serial:"),
            "limits": asdict(self.config.gateware),
            "reject_counts": {
                **self.counts.rejects.get("gateware", {}),
                **{f"TICK_{k}": v for k, v in self.counts.rejects.get("tick_filter", {}).items()},
            },
            "market_data_age_ms": {
                s: round((self.now - p[-1][0]) / 1000, 3) for s, p in self.prices.items() if p
            },
            "sanitizer": self.sanitizer.summary(),
        }
        gateware.update(await self._gateware_status())
        drb = self.drb.status()
        drb["reject_counts"] = drb.pop("rejects")
        await self._write(
            self.store.record_guard_status,
            ts=ts,
            line="gateware",
            backend=self.backend,
            status=gateware,
        )
        await self._write(
            self.store.record_guard_status, ts=ts, line="drbguard", backend="software", status=drb
        )

    async def _gateware_status(self) -> dict[str, Any]:
        """The gateware's own view (state, limits, counters), at most every 2 s of wall time
        in live runs; empty in backtests or when the guard cannot answer in time."""
        if self.event_time_heartbeats or time.monotonic() < self._next_guard_status:
            return self._last_guard_status
        self._next_guard_status = time.monotonic() + 2.0
        try:
            status = await asyncio.wait_for(self.guard.status(), 2.0)
        except Exception as error:  # noqa: BLE001 -- the engine-side view still stands
            logger.warning("gateware status unavailable: %s", error)
            return self._last_guard_status
        order_counters = dict(getattr(status, "order_counters", {}) or {})
        tick_counters = dict(getattr(status, "tick_counters", {}) or {})
        self._last_guard_status = {
            "state": getattr(getattr(status, "state", None), "name", "UNKNOWN"),
            "kill_cause": getattr(getattr(status, "kill_cause", None), "name", None),
            "gateware_limits": dict(getattr(status, "limits", {}) or {}),
            "reject_counts": {
                **{k: v for k, v in order_counters.items() if k != "ACCEPT" and v},
                **{f"TICK_{k}": v for k, v in tick_counters.items() if k != "ACCEPT" and v},
            },
            "open_orders": getattr(status, "open_orders", None),
            "bad_frames": getattr(status, "bad_frames", None),
            "source": "gateware STATUS",
        }
        return self._last_guard_status

    async def _risk_event(self, line: str, kind: str, reason: str, detail: dict[str, Any]) -> None:
        if self.store is None:
            return
        await self._write(
            self.store.record_risk_event,
            ts=_when(self.now),
            line=_RISK_LINES.get(line, "gateware"),
            kind=kind,
            reason=reason,
            detail={"backend": self.backend, **detail},
            # a held write is replayed with this same key: one event even if the first
            # attempt committed after its timeout
            key=uuid.uuid4().hex,
        )

    async def _write(self, method: Callable[..., Awaitable[Any]], /, **kwargs: Any) -> Any:
        """Write through the store; if it fails, halt rather than trade unrecorded.

        While the store is down, the trading record (orders, trades, positions, risk events,
        command results) is held in memory, in order, and written when the store answers
        again (:meth:`retry_store`); samples (prices, equity, status, signals) are dropped
        and counted: they are re-sampled anyway, and a long outage must not grow memory.
        """
        if self._store_failed:
            self._hold(method, kwargs)
            return None
        try:
            return await self._bounded(method(**kwargs))
        except Exception as error:  # noqa: BLE001 -- any store failure stops trading
            self._hold(method, kwargs)
            await self._store_down(f"{method.__name__} failed", error)
            return None

    async def _read(self, method: Callable[[], Awaitable[Any]]) -> Any:
        """A read the engine cannot go on without; on failure the store is down (halt)."""
        try:
            return await self._bounded(method())
        except Exception as error:  # noqa: BLE001 -- any store failure stops trading
            await self._store_down(f"{method.__name__} failed", error)
            return None

    async def _bounded(self, call: Awaitable[Any]) -> Any:
        """Await a store call for at most ``store_timeout_s``.

        On timeout the call is cancelled but NOT waited for: a driver blocked in a thread
        (SQLite waiting for a lock another process holds) finishes only when the database
        lets it, which is the outage itself. It is remembered, and :meth:`retry_store`
        writes nothing until every such call has ended, so held writes never overtake it.
        """
        task = asyncio.ensure_future(call)
        done, _ = await asyncio.wait({task}, timeout=self.config.store_timeout_s)
        if task in done:
            return task.result()
        task.cancel()
        self._abandoned.add(task)
        task.add_done_callback(_forget(self._abandoned))
        raise TimeoutError(f"Store must answer within {self.config.store_timeout_s:g} s")

    def _hold(self, method: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]) -> None:
        if method.__name__ in _SAMPLE_WRITES:
            self.store_outage.dropped_samples += 1
        else:
            self._held.append((method, kwargs))
            self.store_outage.held_writes += 1

    async def _store_down(self, what: str, error: BaseException) -> None:
        if self._store_failed:
            return
        self._store_failed = True
        self.store_outage.outages += 1
        self._store_down_since = time.monotonic()
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        logger.critical(
            "STORE UNAVAILABLE (%s), trading halted until it is back and an operator re-arms: %s",
            what,
            text,
        )
        await self.halt(
            "engine", "STORE_FAILED: cannot record, trading halted", {"error": text[:500]}
        )

    @property
    def store_available(self) -> bool:
        """False from a failed store write or read until :meth:`retry_store` succeeds."""
        return not self._store_failed

    async def retry_store(self) -> bool:
        """Try a store that failed: ping it, then write what was held back, in order.

        Returns True once the store is back and everything held was written (the engine
        then records the outage as a risk event). Trading does NOT resume by itself: the
        halt latched both lines, and only an operator's re-arm (which needs the store, to
        be heard) clears it. Safe to call at any time.
        """
        if not self._store_failed or self.store is None:
            return True
        if self._abandoned:
            return False  # a timed-out call is still in the driver: let it end first
        try:
            await self._bounded(self.store.ping())
        except Exception as error:  # noqa: BLE001 -- still down
            logger.debug("store still unavailable: %s", error)
            return False
        while self._held:
            method, kwargs = self._held[0]
            try:
                await self._bounded(method(**kwargs))
                self.store_outage.written_late += 1
            except (OSError, TimeoutError, DBAPIError) as error:
                logger.warning("store failed again while catching up: %s", error)
                return False
            except Exception:  # a write the store refuses for what it says: never blocks
                logger.exception("held %s refused by the store, dropped", method.__name__)
                self.store_outage.refused_writes += 1
            self._held.popleft()
        down_s = time.monotonic() - self._store_down_since
        self.store_outage.down_seconds += down_s
        self._store_failed = False
        if not self._restored:
            await self._restore_from_store()
        logger.warning(
            "STORE BACK after %.1f s (so far: %d held writes written, %d refused, %d samples "
            "dropped); trading stays halted until an operator re-arms",
            down_s,
            self.store_outage.written_late,
            self.store_outage.refused_writes,
            self.store_outage.dropped_samples,
        )
        await self._risk_event(
            "engine",
            "store_recovered",
            f"STORE_RECOVERED after {down_s:.1f} s: halted until an operator re-arms",
            {"down_seconds": round(down_s, 3), **asdict(self.store_outage)},
        )
        await self._record_status()
        return not self._store_failed

    # ---- operator commands --------------------------------------------------------------

    async def poll_commands(self) -> None:
        """Carry out the dashboard's pending commands on both lines."""
        if self.store is None or self._store_failed:
            return
        commands = await self._read(self.store.pending_commands)
        if commands is None:
            return
        for command in commands:
            ok, result = await self.execute_command(command.kind, command.payload, command.actor)
            await self._write(
                self.store.complete_command, command_id=command.id, ok=ok, result=result
            )

    async def execute_command(
        self, kind: str, payload: dict[str, Any], actor: str
    ) -> tuple[bool, str]:
        """Run one operator command (kill, rearm, set_limit); returns (ok, what happened)."""
        line = payload.get("line", "both")
        lines = ("gateware", "drbguard") if line == "both" else (line,)
        try:
            if kind == "kill":
                if "gateware" in lines:
                    await self.guard.kill()
                if "drbguard" in lines:
                    self.drb.kill(KillCause.COMMAND, f"operator {actor}")
                if set(lines) == {"gateware", "drbguard"}:
                    await self.halt("gateware", f"KILL by operator {actor}", {"actor": actor})
                return True, f"kill latched on {', '.join(lines)}"
            if kind == "rearm":
                if self._store_failed:
                    # Checked first: arming either line while trades cannot be recorded would
                    # open a path to an unrecorded order.
                    return False, "STORE_FAILED: cannot re-arm while the store is unavailable"
                if "gateware" in lines:
                    await self.guard.arm(ArmMode(payload.get("mode", ArmMode.ACTIVE)))
                if "drbguard" in lines:
                    self.drb.arm(ArmMode(payload.get("mode", ArmMode.ACTIVE)))
                if set(lines) == {"gateware", "drbguard"} and self.halted:
                    self.halted = False
                    self.halt_reason = ""
                return True, f"re-armed {', '.join(lines)}"
            if kind == "set_limit":
                name = str(payload["name"])
                value = payload["value"]
                done = []
                if "gateware" in lines:
                    await self.guard.set_limit(LimitId[name.upper()], int(value))
                    done.append(
                        f"gateware {name.upper()}={int(value)} (gateware disarmed until re-arm)"
                    )
                if "drbguard" in lines:
                    current = getattr(self.drb.config, name)
                    number = type(current)(value) if current is not None else float(value)
                    changes: dict[str, Any] = {name: number}
                    self.drb.config = replace(self.drb.config, **changes)
                    done.append(f"drbguard {name}={number}")
                return True, "; ".join(done)
        except Exception as error:  # noqa: BLE001 -- report the failure to the operator
            return False, f"{type(error).__name__}: {error}"
        return False, f"Command kind must be kill, rearm or set_limit, not {kind!r}"

    # ---- live running ------------------------------------------------------------------

    async def run_live(
        self,
        feed: AsyncIterator[tuple[int, int, int, int, int, int, float, float, float, float]],
        *,
        duration_s: float | None = None,
        relink: Callable[[], Awaitable[GuardLine]] | None = None,
    ) -> None:
        """Run on a live feed (wall time) with heartbeat, alert and command tasks.

        ``relink``, if given, opens a new link to the guard: after the link died, the
        engine calls it every ``config.store_retry_s`` until it succeeds and attaches the new
        link with :meth:`reattach_guard` (configured, not armed; the dead link is closed).
        Trading resumes only when an operator re-arms.
        """
        tasks = [
            asyncio.create_task(self._heartbeat_forever(), name="heartbeat"),
            asyncio.create_task(self._watch_alerts(), name="alerts"),
            asyncio.create_task(self._commands_forever(), name="commands"),
            asyncio.create_task(self._store_retry_forever(), name="store-retry"),
        ]
        if relink is not None:
            tasks.append(asyncio.create_task(self._relink_forever(relink), name="relink"))
        self.event_time_heartbeats = False
        self._stop_requested = False
        self._waiting_for_feed = False
        consume = asyncio.ensure_future(self._consume(feed, duration_s))
        try:
            await asyncio.shield(consume)
        except asyncio.CancelledError:
            # Ctrl-C: stop between events, never inside one: cut in half, an event could
            # leave a fill booked by the broker whose trade row was never written. A feed
            # that is quiet (no event in hand) is interrupted at once.
            self._stop_requested = True
            if self._waiting_for_feed:
                consume.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consume
            raise
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.shutdown()

    async def _consume(
        self,
        feed: AsyncIterator[tuple[int, int, int, int, int, int, float, float, float, float]],
        duration_s: float | None,
    ) -> None:
        started = time.monotonic()
        events = aiter(feed)
        while not self._stop_requested:
            self._waiting_for_feed = True
            try:
                event = await anext(events)
            except StopAsyncIteration:
                return
            finally:
                self._waiting_for_feed = False
            if self._t0 is None:
                await self.start(event[0])
            await self.on_event(*event)
            if duration_s is not None and time.monotonic() - started >= duration_s:
                return

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_interval_s)
            if self.halted:
                continue
            try:
                await self.guard.heartbeat()
            except Exception as error:  # noqa: BLE001
                await self.halt("engine", "LINK_DOWN: heartbeat failed", {"error": str(error)})
                continue
            try:
                await self._probe_guard()
            except Exception as error:  # noqa: BLE001
                await self.halt("engine", "LINK_DOWN: guard not answering", {"error": str(error)})

    async def _probe_guard(self) -> None:
        """HEARTBEAT has no reply, so a guard that hangs (its port open, nothing answering)
        would go unnoticed while the market is quiet: when nothing has come back for three
        heartbeat intervals, ask for its status SUMMARY; no answer within the guard timeout
        is a dead link (noticed well within the gateware's own heartbeat timeout)."""
        last_rx = getattr(self.guard, "last_rx", None)
        probe = getattr(self.guard, "status_section", None)
        if last_rx is None or probe is None:
            return
        if time.monotonic() - last_rx >= 3 * self.config.heartbeat_interval_s:
            await probe(StatusSection.SUMMARY)

    async def on_alert(self, alert: Any) -> None:
        """An ALERT from the gateware (kill latched): halt both lines."""
        fields = dict(alert.fields)
        state = TradingState(fields.get("state", TradingState.HALTED)).name
        cause = KillCause(fields.get("cause", KillCause.NONE)).name
        self.counts.reject("alerts", cause)
        await self.halt("gateware", f"ALERT: state={state}, cause={cause}", fields)

    async def _watch_alerts(self) -> None:
        while True:
            guard = self.guard
            async for alert in guard.alerts():
                await self.on_alert(alert)
            if guard is self.guard and not self.halted:
                await self.halt("engine", "LINK_DOWN: alert stream ended", {})
            # The link is gone; a new one arrives with reattach_guard.
            while self.guard is guard:
                await asyncio.sleep(0.05)

    async def _relink_forever(self, relink: Callable[[], Awaitable[GuardLine]]) -> None:
        while True:
            await asyncio.sleep(self.config.store_retry_s)
            gone = not getattr(self.guard, "connected", True)
            if not (self.halted and (gone or self.halt_reason.startswith("LINK_DOWN"))):
                continue
            dead = self.guard
            try:
                fresh = await relink()
            except Exception as error:  # noqa: BLE001 -- still down: try again later
                logger.warning("guard link still down: %s", error)
                continue
            with contextlib.suppress(Exception):
                await dead.close()  # a frozen sim-serve this link owns is stopped with it
            try:
                await self.reattach_guard(fresh)
            except Exception as error:  # noqa: BLE001 -- a link that cannot be configured
                logger.warning("new guard link unusable: %s", error)
                with contextlib.suppress(Exception):
                    await fresh.close()
                continue
            # The halt stays latched, but it is no longer the link's: re-arm is now possible.
            self.halt_reason = f"LINK_RESTORED: halted until re-armed ({self.halt_reason})"

    async def _store_retry_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.store_retry_s)
            if self._store_failed:
                await self.retry_store()

    async def _commands_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.command_poll_s)
            await self.poll_commands()
