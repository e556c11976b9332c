"""The fast backtest path: the reference pipeline's results at millions of events a second.

:func:`run_fast` replays a data set through the same :class:`ProductionEngineV2`,
:class:`DirectModelGuard` (the gateware reference model), :class:`DRBGuard`,
:class:`PaperBroker` and :class:`SimpleLiquidationHunter` objects as the reference path
(:func:`host.backtest.runner.run_backtest` with ``guard="model-reference"``), and ends with
the same orders, verdicts of both lines, fills, equity curve and report. It differs in how it
gets there:

1. What no decision can change is computed up front with numpy, exactly
   (:mod:`host.backtest.vectorised`): sanitizer verdicts, tick conversion and tick-filter
   verdicts, the broker's view of the touch, the hunter's window sums and reference mids, the
   cycle of every tick and heartbeat message the model would receive.
2. A synchronous loop (no asyncio) then goes event by event, in order, through the ticks the
   strategy would see and every equity sample, and evaluates the strategy's decision on each;
   while the paper broker holds orders it also feeds it every quote and trade it would act
   on. Numpy finds the next tick that could change anything (one without a quiet band, a
   trigger past the cooldown, a mid outside a position's band) and, while the broker holds
   orders, the next quote or trade that reaches one (or an order's arrival time); the loop
   jumps to the first of them: every tick in between would pass the loop's test and do
   nothing, every quote and trade in between would only move the broker's touch. Where anything
   happens (an intent, a broker event) the loop first brings the model, DRBGuard and broker to
   the exact state the reference would have there, then calls the *reference code itself*
   (``engine._intent``, ``engine._broker_events``): orders, cancels and fills go through the
   real model and both lines as in the reference.

Anything the fast path does not model (a halt, a gateware ALERT, a store, another strategy)
raises :class:`FastPathUnsupported` before it could diverge; the runner then reruns the data
on the reference path, so the answer is always the reference's.
"""

import gc
import math
import time
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Literal

import numpy as np

from hdl.guard_spec import UPDATE_STAGE, tick_counter
from hdl.protocol import PRICE_BITS, LimitId, Side, TickReason
from host.backtest.direct_guard import DirectModelGuard
from host.backtest.vectorised import (
    SANITIZER_REASONS,
    TickFilterLimits,
    event_groups,
    filter_ticks,
    greedy_samples,
    sanitize,
    volatility,
    window_start_samples,
    window_sums,
)
from host.broker.paper import Account, PaperBroker
from host.data.events import EVENT_DTYPE, EventKind
from host.data.loaders import MarketData
from host.engine.production_engine_v2 import ProductionEngineV2
from host.guards.drb_guard import DRBGuard
from host.strategies.base import Intent
from host.strategies.liquidation_hunter import SimpleLiquidationHunter

__all__ = ["FastPathUnsupported", "run_fast"]

_MAX_PRICE = (1 << PRICE_BITS) - 1
_DAY_US = 86_400_000_000
_HUNTER_SAMPLE_US = 250_000  # SimpleLiquidationHunter.on_quote samples mids this often
_SPACING = 5  # DirectModelGuard.MESSAGE_SPACING
_QUOTE = int(EventKind.QUOTE)

_INF = float("inf")
#: The quiet band of an idle symbol: no price or time ends it, only a trigger does.
_IDLE = (-_INF, _INF, _INF)
#: Relative distance kept from the strategy's price thresholds in its quiet band: about
#: 1e-5 bp of the mid, where the float rounding of its tests is below 1e-11 bp.
_MARGIN = 1e-9
#: A quiet band no symbol has: the jump cache of a symbol before its first search.
_UNSET = (_INF, _INF, -_INF)
#: Ticks a managed symbol's band is first tested on, in one numpy call (then 4x more each).
_SCAN = 64
#: Ticks per run whose lowest and highest mid a band search beyond its first _SCAN ticks
#: tests at once (at most _SCAN: the run holding the search's next tick then starts
#: among the ticks already tested one by one).
_BLOCK = 64
#: Equity samples worth one numpy pass instead of a Python call each.
_BATCH = 8
#: Records per block when splitting the events into columns (~1 MB: fits in cache).
_COLUMN_BLOCK = 16_384


class FastPathUnsupported(Exception):
    """The run needs something only the reference path does; the message says what."""


def drive(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run an engine coroutine that never waits (the model guard, no store) to completion."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise FastPathUnsupported("an engine call waited on I/O")


class _Symbol:
    """The broker's touch after each sanitized quote of one symbol (positions index the
    event array)."""

    def __init__(self, at: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        self.at = at
        self.bid, self.ask = columns["p1"][at], columns["p2"][at]
        self.bid_qty, self.ask_qty = columns["q1"][at], columns["q2"][at]
        self.mid = (self.bid + self.ask) / 2
        self.volatility = volatility(self.mid)


class _Instrument:
    """One instrument's accepted ticks: the model's and DRBGuard's reference prices."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.static = np.empty(0, np.int64)  # static message index of each accepted tick
        self.bid = np.empty(0, np.int64)
        self.ask = np.empty(0, np.int64)
        self.mid = np.empty(0, np.int64)
        self.wire_ts = np.empty(0, np.int64)
        self.ts = np.empty(0, np.int64)
        self.cand: tuple[bool, int, int] = (False, 0, 0)
        #: The accepted tick whose registers the last sync wrote (-1: none yet).
        self.synced = -1


class _Jump:
    """One symbol's ticks as :meth:`FastBacktest._next_stop` searches them: their indices into
    the loop's tick lists, mids and times; the indices and times of those with a trigger."""

    def __init__(
        self,
        index: np.ndarray,
        mids: np.ndarray,
        times: np.ndarray,
        triggers: np.ndarray,
        trigger_times: np.ndarray,
    ) -> None:
        self.index, self.mids, self.times = index, mids, times
        self.triggers, self.trigger_times = triggers, trigger_times
        # The lowest and highest mid of each run of _BLOCK ticks (NaN if the run has one):
        # a band search far from its start tests whole runs at once.
        starts = np.arange(0, len(mids), _BLOCK)
        self.block_low = np.minimum.reduceat(mids, starts) if len(mids) else mids
        self.block_high = np.maximum.reduceat(mids, starts) if len(mids) else mids
        #: The last answer: the band and cooldown it was for, and the tick it found.
        self.cached: tuple[object, float, int] = (None, 0.0, -1)


class FastBacktest:
    """One fast replay over an engine built and started by the caller."""

    def __init__(
        self, engine: ProductionEngineV2, guard: DirectModelGuard, data: MarketData
    ) -> None:
        if engine.store is not None:
            raise FastPathUnsupported("a store is attached")
        if type(engine.strategy) is not SimpleLiquidationHunter:
            raise FastPathUnsupported(f"strategy {type(engine.strategy).__name__}")
        if engine.on_time != guard.set_event_time:
            raise FastPathUnsupported("the guard is not on the event clock")
        if engine.halted or not engine.event_time_heartbeats:
            raise FastPathUnsupported("the engine is halted or on wall-clock heartbeats")
        self.engine = engine
        self.hunter: SimpleLiquidationHunter = engine.strategy
        self.guard = guard
        self.model = guard.model
        self.data = data
        self.timings: dict[str, float] = {}
        self.dyn_p: list[int] = [0]
        self.dyn_c: list[int] = [guard._cycle]
        self.sent = 0
        self.synced_cycle = guard._cycle
        #: Broker events at positions up to this one are done: fed to the broker, or passed
        #: while nothing they could do was possible (see :meth:`_next_relevant`).
        self.broker_done = -1
        #: The answer of :meth:`_next_relevant` while the broker's orders stay as they are.
        self.relevant: int | None = None
        self.market_j: list[int] = []
        self.sample_index = 0
        self.fills_sampled = -1
        self.flat = all(p.quantity == 0.0 for p in engine.broker.account.positions.values())
        self.quiet: list[tuple[float, float, float] | None] = []

    # ---- precomputation --------------------------------------------------------------

    def prepare(self) -> None:
        """Everything the loop reads, computed up front (exact; see the module docstring)."""
        clock = time.perf_counter
        started = clock()
        engine = self.engine
        events = self.data.events
        self.n = len(events)
        columns = _columns(events)
        self.columns = columns
        self.ts_all = columns["ts"]
        self.kind, self.sym = columns["kind"], columns["sym"]
        self.t0 = int(self.ts_all[0])
        if self.n > 1 and bool((self.ts_all[1:] < self.ts_all[:-1]).any()):
            # Every search on event times below assumes time order (the loaders' merge).
            raise FastPathUnsupported("the events are not in time order")
        self.groups = event_groups(self.kind, self.sym, len(engine.symbols))
        self.codes = sanitize(columns, self.groups, engine.config.sanitizer)
        ok = self.codes == 0
        self.timings["sanitizer_s"] = clock() - started

        started = clock()
        self.symbols = []
        for by_kind in self.groups:
            quotes = by_kind[EventKind.QUOTE]
            self.symbols.append(_Symbol(quotes[self.codes[quotes] == 0], columns))
        self.market_j = [-1] * len(self.symbols)
        self.symbol_index = {name: s for s, name in enumerate(engine.symbols)}
        self.timings["broker_touch_s"] = clock() - started

        started = clock()
        ticks = self._filter_ticks()
        self.timings["tick_filter_s"] = clock() - started

        started = clock()
        self._static_messages(ticks)
        self.timings["messages_s"] = clock() - started

        started = clock()
        self._features(ok)
        self.timings["features_s"] = clock() - started

    def _filter_ticks(
        self,
    ) -> list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Host conversion to ticks and the model's tick filter, one instrument at a time."""
        engine, model = self.engine, self.model
        confirm = (
            model.limits[LimitId.CONFIRM_TICKS]
            if model.limits_set >> LimitId.CONFIRM_TICKS & 1
            else 0
        )
        parts = []
        self.host_range = 0
        self.tick_reasons = np.zeros(len(TickReason), dtype=np.int64)
        self.instruments: dict[int, _Instrument] = {}
        for s, symbol in enumerate(self.symbols):
            instrument = engine._instruments[s]
            if instrument is None:
                continue
            bid_f = np.rint(symbol.bid / instrument.tick_size)
            ask_f = np.rint(symbol.ask / instrument.tick_size)
            wire = (bid_f > 0) & (bid_f <= _MAX_PRICE) & (ask_f > 0) & (ask_f <= _MAX_PRICE)
            self.host_range += int(len(wire) - wire.sum())
            at = symbol.at[wire]
            bid = bid_f[wire].astype(np.int64)
            ask = ask_f[wire].astype(np.int64)
            wire_ts = ((self.ts_all[at] - self.t0) // 1000) & 0xFFFFFFFF
            index = instrument.index
            if index < model.n_instruments:
                row = model.instruments[index]
                limits = TickFilterLimits(
                    row.enabled, row.min_price, row.max_price, row.band, confirm
                )
            else:
                limits = TickFilterLimits(False, 0, 0, 0, confirm)
            result = filter_ticks(bid, ask, wire_ts, limits)
            self.tick_reasons += np.bincount(result.reasons, minlength=len(TickReason))
            parts.append((at, index, bid, ask, wire_ts, result.reasons))
            rows = self.instruments.setdefault(index, _Instrument(index))
            rows.cand = (result.cand_valid, result.cand_mid, result.cand_count)
        self.tick_symbols = [s for s in range(len(self.symbols)) if engine._instruments[s]]
        self.accepted_at = [part[0][part[5] == 0] for part in parts]
        return parts

    def _static_messages(
        self, ticks: list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    ) -> None:
        """Every tick and heartbeat message in the order the model gets them, with the cycle
        each gets: ``c[k] = max(x[k], c[k-1] + 5)`` is ``5k + cummax(x - 5k)`` in closed form.
        Dynamic messages (orders, cancels, fills) are folded in later by :meth:`_cycle_of`."""
        engine = self.engine
        ts_all, t0 = self.ts_all, self.t0
        clock_hz = self.guard.clock_hz
        if (int(ts_all[-1]) - t0) * clock_hz >= 1 << 62:
            raise FastPathUnsupported("the data set is too long for int64 cycles")
        every = engine._heartbeat_every
        self.beats = (int(ts_all[-1]) - t0) // every
        beat_times = t0 + every * np.arange(1, self.beats + 1, dtype=np.int64)
        # Heartbeat m goes out at the first event at or after t0 + m * every: the number of
        # events in earlier intervals (counting, not searching: the grid is regular).
        interval = (ts_all - t0) // every  # events before beat m: interval < m
        per_interval = np.bincount(interval, minlength=self.beats + 2)
        beat_at = np.cumsum(per_interval)[: self.beats]
        # Merge the two sorted streams by rank (heartbeats go first at the same event).
        is_tick = np.zeros(self.n, dtype=bool)
        for part in ticks:
            is_tick[part[0]] = True
        tick_at = np.flatnonzero(is_tick)
        ticks_before = np.concatenate([[0], np.cumsum(is_tick)])  # ticks at positions < p
        beats_through = np.cumsum(np.bincount(beat_at, minlength=self.n))  # beats at <= p
        beat_rank = np.arange(len(beat_at)) + ticks_before[beat_at]
        tick_rank = np.arange(len(tick_at)) + beats_through[tick_at]
        total = len(beat_at) + len(tick_at)
        keys = np.empty(total, dtype=np.int64)
        keys[beat_rank], keys[tick_rank] = 2 * beat_at, 2 * tick_at + 1
        clocks = np.empty(total, dtype=np.int64)
        clocks[beat_rank] = _clock_cycles(beat_times - t0, clock_hz)
        clocks[tick_rank] = _clock_cycles(ts_all[tick_at] - t0, clock_hz)
        self.static_keys, self.static_clock = keys, clocks
        rank_at = np.zeros(self.n, dtype=np.int64)
        rank_at[tick_at] = tick_rank
        c0 = self.guard._cycle
        steps = _SPACING * np.arange(1, total + 1, dtype=np.int64)
        self.static_cycle = steps + np.maximum(
            np.maximum.accumulate(clocks - steps) if total else steps, c0
        )
        self._check_watchdog(self.static_cycle, c0)
        for at, index, bid, ask, wire_ts, reasons in ticks:
            part = rank_at[at]
            accepted = reasons == 0
            rows = self.instruments[index]
            rows.static = part[accepted]
            rows.bid, rows.ask = bid[accepted], ask[accepted]
            rows.mid = (rows.bid + rows.ask) >> 1
            rows.wire_ts = wire_ts[accepted]
            rows.ts = ts_all[at[accepted]]

    def _check_watchdog(self, cycles: np.ndarray, c0: int) -> None:
        """The model's watchdog must never expire between two messages (heartbeats every
        ``heartbeat_interval_s`` guarantee it); if it could, only the reference knows when."""
        if not len(cycles):
            return
        model = self.model
        timeout = model.limits[LimitId.HEARTBEAT_TIMEOUT]
        unit = model.time_unit_cycles
        # The deadline after a message at cycle c is above c + 1 + unit * timeout: gaps no
        # longer than unit * timeout are safe without the exact test.
        if int(cycles[0]) - c0 <= unit * timeout and (
            len(cycles) < 2 or int(np.diff(cycles).max()) <= unit * timeout
        ):
            return
        first = int(cycles[0]) >= unit * ((c0 + 1) // unit + timeout + 1)
        if first or bool((cycles[1:] >= unit * ((cycles[:-1] + 1) // unit + timeout + 1)).any()):
            raise FastPathUnsupported("the watchdog could expire between messages")

    def _features(self, ok: np.ndarray) -> None:
        """The hunter's window sums and reference mid on each accepted tick, whether a cascade
        shows there, and where equity is sampled."""
        engine, columns = self.engine, self.columns
        hunter = self.hunter.config
        window = int(hunter.window_s * 1_000_000)
        self.tick_features: dict[int, tuple[np.ndarray, ...]] = {}
        is_tick = np.zeros(self.n, dtype=bool)
        mids = np.zeros(self.n)
        triggers = np.zeros(self.n, dtype=np.int8)
        for s, at in zip(self.tick_symbols, self.accepted_at, strict=True):
            if not len(at):
                continue
            ts = self.ts_all[at]
            bid, ask = columns["p1"][at], columns["p2"][at]
            mid = (bid + ask) / 2
            where = self.groups[s][EventKind.LIQUIDATION]
            where = where[self.codes[where] == 0]
            notional = columns["p1"][where] * columns["q1"][where]
            expiry = np.searchsorted(ts, self.ts_all[where] + window, side="right")
            expire_at = np.where(expiry < len(at), at[np.minimum(expiry, len(at) - 1)], -1)
            sells = columns["side"][where] < 0
            sell = window_sums(where[sells], notional[sells], expire_at[sells], at)
            buy = window_sums(where[~sells], notional[~sells], expire_at[~sells], at)
            # A cascade needs one side's notional at the threshold: only there does the
            # window's first mid (the hunter's oldest kept sample) matter. Elsewhere it is
            # NaN, never read (the loop reads it on a trigger only).
            threshold = hunter.threshold_notional
            candidates = ((sell >= threshold) | (buy >= threshold)).nonzero()[0]
            start_mid = np.full(len(at), np.nan)
            first = window_start_samples(ts, candidates, window, _HUNTER_SAMPLE_US)
            start_mid[candidates] = mid[first]
            with np.errstate(all="ignore"):
                move_bp = (mid[candidates] / start_mid[candidates] - 1) * 1e4
            trigger = np.zeros(len(at), dtype=np.int8)
            trigger[candidates] = np.where(
                (sell[candidates] >= threshold) & (move_bp <= -hunter.displacement_bp),
                1,
                np.where(
                    (buy[candidates] >= threshold) & (move_bp >= hunter.displacement_bp),
                    -1,
                    0,
                ),
            )
            self.tick_features[s] = (at, bid, ask, sell, buy, start_mid)
            is_tick[at] = True
            mids[at] = mid
            triggers[at] = trigger
        # Every symbol's ticks in event order: scatter, then gather (no sort needed).
        tick_at = np.flatnonzero(is_tick)
        # Arrays, not lists: the loop jumps, and reads (as Python numbers) a few of them.
        self.t_pos = tick_at
        self.t_sym = self.sym[tick_at]
        self.t_ts = self.ts_all[tick_at]
        self.t_mid = mids[tick_at]
        self.t_trigger = triggers[tick_at]
        # Per symbol, for jumping over ticks that cannot change anything (see _next_stop):
        # the global index (into t_pos) of each of its ticks, their mids and times, and the
        # global index of each of its ticks with a trigger.
        tick_sym, tick_mid = self.t_sym, self.t_mid
        tick_ts, has_trigger = self.t_ts, self.t_trigger != 0
        self.jump: dict[int, _Jump] = {}
        for s in self.tick_symbols:
            mine = tick_sym == s
            index = np.flatnonzero(mine)
            triggered = np.flatnonzero(mine & has_trigger)
            self.jump[s] = _Jump(
                index, tick_mid[index], tick_ts[index], triggered, tick_ts[triggered]
            )
        sanitized_at = np.flatnonzero(ok)
        chosen = greedy_samples(self.ts_all[sanitized_at], engine._sample_every, 0)
        sample_at = sanitized_at[chosen]
        self.sample_at = sample_at.tolist()
        sample_ts = self.ts_all[sample_at]
        self.sample_ts = sample_ts.tolist()
        self.sample_ts_array = sample_ts
        self.sample_days_array = sample_ts // _DAY_US
        self.sample_days = self.sample_days_array.tolist()
        self.samples = self.sample_at + [self.n]  # a sentinel beyond every position
        # The broker's marks at each sample: the mid of each symbol's last sanitized quote
        # (NaN: not quoted yet, so not marked).
        self.sample_mids: list[list[float]] = []
        self.sample_mid_arrays: dict[str, np.ndarray] = {}
        #: Per symbol, the first sample from which on every mark is a number.
        self.marked_from: dict[str, int] = {}
        for name, symbol in zip(engine.symbols, self.symbols, strict=True):
            last = np.searchsorted(symbol.at, sample_at, side="right") - 1
            if not len(symbol.at):
                marks = np.full(len(sample_at), np.nan)
            else:
                marks = np.where(last >= 0, symbol.mid[np.maximum(last, 0)], np.nan)
            self.sample_mid_arrays[name] = marks
            unmarked = (marks != marks).nonzero()[0]
            self.marked_from[name] = int(unmarked[-1]) + 1 if len(unmarked) else 0
            self.sample_mids.append(marks.tolist())
        self.broker_at = np.flatnonzero(
            ok & ((self.kind == EventKind.QUOTE) | (self.kind == EventKind.TRADE))
        )

    # ---- bringing the reference objects to an event's state ---------------------------

    def _cycle_of(self, k: int) -> int:
        """The cycle static message ``k`` got, dynamic messages before it included."""
        last = bisect_right(self.dyn_p, k) - 1
        p, c = self.dyn_p[last], self.dyn_c[last]
        return max(int(self.static_cycle[k]), c + _SPACING * (k - p + 1))

    def _sync_markets(self, position: int, *, inclusive: bool) -> None:
        """The broker's touch of every symbol after its last sanitized quote before (or at)
        ``position``."""
        side: Literal["left", "right"] = "right" if inclusive else "left"
        for s, state in enumerate(self.symbols):
            self._sync_market(s, int(state.at.searchsorted(position, side=side)) - 1)

    def _sync_market(self, s: int, j: int) -> None:
        """Symbol ``s``'s touch as after its ``j``-th sanitized quote."""
        if self.market_j[s] == j or j < 0:
            return
        state = self.symbols[s]
        market = self.engine.broker.market(self.engine.symbols[s])
        market.mid = float(state.mid[j])
        market.bid = float(state.bid[j])
        market.ask = float(state.ask[j])
        market.bid_qty = float(state.bid_qty[j])
        market.ask_qty = float(state.ask_qty[j])
        market.volatility_bp = state.volatility[j]
        self.market_j[s] = j

    def _sync(self, position: int, *, after_tick: bool) -> None:
        """The model, DRBGuard and broker as the reference has them at ``position``, before or
        after its tick message."""
        key = 2 * position + (2 if after_tick else 1)
        sent = int(self.static_keys.searchsorted(key, side="left"))
        self.sent = sent
        guard, model = self.guard, self.model
        if sent > self.dyn_p[-1]:
            k = sent - 1
            cycle = self._cycle_of(k)
            guard._cycle = cycle
            guard._clock = max(guard._clock, int(self.static_clock[k]))
            model._last_cycle = cycle
            model._silence_base = (cycle + 1) // model.time_unit_cycles
            model._last_beat = cycle
            # a tick latches no kill and leaves the state as it was
            model._state_before_beat = model.state
            model._update_kill = None
        unit = model.time_unit_cycles
        books = self.engine.drb._books
        for index, rows in self.instruments.items():
            j = int(rows.static.searchsorted(sent)) - 1
            if j < 0 or j == rows.synced:
                # The same tick as at the last sync: nothing but a tick message writes these
                # registers, and the cycle of a message already sent no longer changes.
                continue
            rows.synced = j
            bid, ask, ts = int(rows.bid[j]), int(rows.ask[j]), int(rows.ts[j])
            if index < model.n_instruments:
                row = model.instruments[index]
                row.has_ref = True
                row.bid, row.ask, row.ref_mid = bid, ask, int(rows.mid[j])
                row.timestamp = int(rows.wire_ts[j])
                row.ref_base = (self._cycle_of(int(rows.static[j])) + UPDATE_STAGE + 1) // unit
            book = books.get(index)
            if book is not None:
                book.bid, book.ask, book.ref_ts = bid, ask, ts
        self._sync_markets(position, inclusive=True)
        self.engine.now = int(self.ts_all[position])
        self.synced_cycle = guard._cycle

    def _after_dynamic(self) -> None:
        """Record the cycle of the messages just sent; refuse what the fast path cannot follow."""
        guard = self.guard
        if guard._cycle != self.synced_cycle:
            self.dyn_p.append(self.sent)
            self.dyn_c.append(guard._cycle)
        if self.engine.halted or self.model._alerts or guard.alerts_pending:
            raise FastPathUnsupported("the engine halted or the gateware raised an ALERT")
        self.relevant = None
        # Fills and order ends change the strategy's state: every quiet mode is stale.
        self.quiet[:] = [None] * len(self.quiet)
        # Positions move only here (fills): whether all are flat is known until the next call.
        self.flat = all(p.quantity == 0.0 for p in self.engine.broker.account.positions.values())

    # ---- the loop ----------------------------------------------------------------------

    def _catch_up(self, position: int) -> None:
        """Equity samples before ``position`` and, while the paper broker holds orders, every
        sanitized quote and trade up to ``position`` that can change anything for it, in
        event order (a sample at a broker event's position comes after it)."""
        broker = self.engine.broker
        orders, arrivals = broker._orders, broker._arrivals
        broker_at = self.broker_at
        count = len(broker_at)
        while orders or arrivals:
            j = self._next_relevant()
            if j >= count:
                break
            step = int(broker_at[j])
            if step > position:
                break
            self._samples_before(step)
            self.broker_done = step
            self._broker_step(step)
        self._samples_before(position)
        if position > self.broker_done:
            self.broker_done = position

    def _next_relevant(self) -> int:
        """The index into ``broker_at`` of the first broker event after ``broker_done`` that
        can change anything at the paper broker (``len(broker_at)`` if none); kept until
        the broker is called (:meth:`_broker_step`) or orders change (:meth:`_after_dynamic`)."""
        broker_at = self.broker_at
        j = self.relevant
        if j is not None and (j >= len(broker_at) or broker_at[j] > self.broker_done):
            return j
        j = self._scan_relevant(int(broker_at.searchsorted(self.broker_done, side="right")))
        self.relevant = j
        return j

    def _scan_relevant(self, start: int) -> int:
        """From index ``start`` into ``broker_at``, the first event ``PaperBroker.on_quote``
        or ``on_trade`` would act on: one at or after the first pending arrival's time, a
        quote through a resting order's price (or one that shortens its queue), a trade that
        reaches it. Every other event only moves the touch, which is kept here until the
        broker reads it (:meth:`_sync_market`), so skipping them is exact."""
        broker = self.engine.broker
        broker_at = self.broker_at
        end = len(broker_at)
        if type(broker) is not PaperBroker:
            return start  # another broker's rules are not mirrored here: feed it everything
        if broker._arrivals:
            due = int(self.ts_all.searchsorted(broker._arrivals[0][0], side="left"))
            end = max(start, int(broker_at.searchsorted(due, side="left")))
        queue = broker.realism.queue_position
        resting = [
            (self.symbol_index.get(order.symbol, -1), order.side == Side.BUY, order.price, order)
            for order in broker._orders.values()
            if order.status == "open" and order.price is not None
        ]
        if not resting:
            return end
        columns = self.columns
        k, size = start, _SCAN
        while k < end:
            upto = min(end, k + size)
            at = broker_at[k:upto]
            sym, quote, side = self.sym[at], self.kind[at] == _QUOTE, columns["side"][at]
            p1, p2, q1, q2 = (columns[name][at] for name in ("p1", "p2", "q1", "q2"))
            hit = np.zeros(len(at), dtype=bool)
            for s, buy, price, order in resting:
                # The tests of PaperBroker.on_quote and on_trade for this order.
                if buy:
                    on_quote = p2 <= price
                    if queue:
                        on_quote |= (p1 == price) & (q1 < order.queue_ahead)
                    on_trade = (side < 0) & (p1 <= price)
                else:
                    on_quote = p1 >= price
                    if queue:
                        on_quote |= (p2 == price) & (q2 < order.queue_ahead)
                    on_trade = (side > 0) & (p1 >= price)
                hit |= (sym == s) & np.where(quote, on_quote, on_trade)
            found = hit.nonzero()[0]  # not np.flatnonzero: its wrapper costs more here
            if len(found):
                return k + int(found[0])
            k, size = upto, size * 4
        return end

    def _broker_step(self, position: int) -> None:
        """Feed one sanitized quote or trade to the paper broker, which holds orders."""
        engine = self.engine
        broker = engine.broker
        s = int(self.sym[position])
        symbol = engine.symbols[s]
        ts = int(self.ts_all[position])
        arrivals = broker._arrivals
        if (not arrivals or arrivals[0][0] > ts) and all(
            order.symbol != symbol for order in broker._orders.values()
        ):
            # Nothing due and nothing of this symbol resting: the broker would only note
            # the touch, which is kept here until it reads it.
            return
        if arrivals and arrivals[0][0] <= ts:
            # An order arriving now reads its own symbol's touch, whichever that is.
            self._sync_markets(position, inclusive=False)
        else:
            quotes = self.symbols[s].at
            following = self.market_j[s] + 1
            if following < len(quotes) and quotes[following] < position:
                # Quotes of this symbol went by while the broker was idle.
                self._sync_market(s, int(quotes.searchsorted(position)) - 1)
        columns = self.columns
        if self.kind[position] == _QUOTE:
            events = broker.on_quote(
                symbol,
                ts,
                float(columns["p1"][position]),
                float(columns["p2"][position]),
                float(columns["q1"][position]),
                float(columns["q2"][position]),
            )
            self.market_j[s] += 1  # the broker has just taken this quote itself
        else:
            events = broker.on_trade(
                symbol,
                ts,
                float(columns["p1"][position]),
                float(columns["q1"][position]),
                int(columns["side"][position]),
            )
        self.relevant = None  # the broker's orders may have changed (a queue, a fill)
        if events:
            self._sync(position, after_tick=False)
            drive(engine._broker_events(events))
            self._after_dynamic()

    def _quiet_band(self, state: Any) -> tuple[float, float, float]:
        """``(low, high, deadline)``: while a tick's mid is strictly between ``low`` and
        ``high`` and its time is before ``deadline``, ``SimpleLiquidationHunter._manage``
        provably does nothing (it mirrors ``_manage``'s branches). The price bounds are the
        thresholds of its exit and staging tests moved inwards by ``_MARGIN``, far more than
        the rounding of its arithmetic, so a tick inside can never reach them; a tick outside
        is handed to ``_manage`` itself, which decides exactly (and often does nothing)."""
        hunter = self.hunter.config
        never = (-_INF, _INF, _INF)
        if state.exiting:
            if state.order_working:
                return never
            return (-_INF, _INF, state.retry_at)
        stage_need = None
        if not state.order_working and state.stage < hunter.stages:
            stage_need = hunter.stage_spacing_bp * state.stage
        direction = state.direction
        low, high, deadline = -_INF, _INF, _INF
        if state.position:
            average = state.cost / state.position
            if not (average > 0 and math.isfinite(average)):
                return (_INF, -_INF, -_INF)  # no band can be trusted: decide every tick
            stop, take = -hunter.stop_loss_bp / 1e4, hunter.take_profit_bp / 1e4
            if direction > 0:
                low, high = average * (1 + stop), average * (1 + take)
            else:
                low, high = average * (1 - take), average * (1 - stop)
            # A threshold at or below zero (a 100 % stop or take) is only reachable by
            # rounding a vanishing mid: let such mids through to the exact test.
            low = max(low, average * 1e-6)
            if state.first_fill_ts is not None:
                # ts - first_fill >= hold, with ts an int: ts >= first_fill + ceil(hold)
                deadline = state.first_fill_ts + math.ceil(hunter.max_hold_s * 1_000_000)
        elif state.stage >= 1 and not state.order_working:
            return (_INF, -_INF, -_INF)  # it stands down on the next tick
        elif stage_need is None:
            return never
        if stage_need is not None:
            need = stage_need / 1e4
            entry = state.first_entry
            if direction > 0:
                low = max(low, entry / (1 + need))
            elif need < 1:
                high = min(high, entry / (1 - need))
        return (low * (1 + _MARGIN) if low > 0 else low, high * (1 - _MARGIN), deadline)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """The event loop: every tick the strategy sees, in order (see the module docstring)."""
        engine = self.engine
        strategy = self.hunter
        broker = engine.broker
        orders, arrivals = broker._orders, broker._arrivals
        names = engine.symbols
        # The hunter keeps state for the symbols it has heard of: ticks here, liquidations
        # in finish(), fills through the engine.
        ticked = {s for s, at in zip(self.tick_symbols, self.accepted_at, strict=True) if len(at)}
        # None only for symbols without a tick, which the loop never reaches.
        states: list[Any] = [
            strategy._state(name) if s in ticked else None for s, name in enumerate(names)
        ]
        quiet: list[tuple[float, float, float] | None] = [None] * len(names)
        self.quiet = quiet
        samples = self.samples
        next_sample = samples[0]
        total = self.n
        step = max(1, total // 20)
        next_progress = 0 if progress is not None else total + 1
        t_pos, t_sym, t_ts, t_mid, t_trigger = (
            self.t_pos,
            self.t_sym,
            self.t_ts,
            self.t_mid,
            self.t_trigger,
        )
        count = len(t_pos)
        for jump in self.jump.values():
            jump.cached = (_UNSET, 0.0, -1)
        # The first tick at or after the next progress report: no jump goes past it.
        progress_i = int(t_pos.searchsorted(next_progress)) if progress is not None else count
        # ``horizon``: below it, no sample and no progress report is due before a tick.
        horizon = min(next_sample, next_progress - 1)
        i = 0
        broker_at = self.broker_at
        while i < count:
            # Quiet symbols: go straight to the next tick that can change anything (samples,
            # progress reports and broker events skipped over are made below); with orders
            # at the broker, no further than the next broker event that can act on them.
            stop = min(self._next_stop(i, quiet, states, count), progress_i)
            if orders or arrivals:
                j = self._next_relevant()
                if j < len(broker_at):
                    stop = min(stop, max(i, int(t_pos.searchsorted(broker_at[j]))))
            i = stop
            if i >= count:
                break
            position, s, ts = int(t_pos[i]), int(t_sym[i]), int(t_ts[i])
            mid, trigger = float(t_mid[i]), int(t_trigger[i])
            i += 1
            if horizon < position or orders or arrivals:
                if orders or arrivals:
                    self._catch_up(position)
                else:  # an idle broker: only equity samples are due
                    self._samples_before(position)
                next_sample = samples[self.sample_index]
                if position >= next_progress:
                    progress(position, total)  # type: ignore[misc]
                    next_progress = position + step
                    progress_i = int(t_pos.searchsorted(next_progress))
                horizon = min(next_sample, next_progress - 1)
            # A quiet band holds for idle symbols too (anything goes, nothing happens) but
            # for a cascade, which only a tick with a trigger can show.
            band = quiet[s]
            if band is None or trigger or not (band[0] < mid < band[1] and ts < band[2]):
                state = states[s]
                if state.direction == 0:
                    if trigger and ts >= state.cooldown_until:
                        bid, ask, sell, buy, start_mid = self._tick_features(s, position)
                        state.sell_notional, state.buy_notional = sell, buy
                        state.mids = deque([(ts, start_mid)])
                        quiet[s] = None
                        self._act(
                            position,
                            strategy._look_for_cascade(names[s], state, ts, bid, ask, mid),
                        )
                    else:
                        quiet[s] = _IDLE
                else:
                    if band is None or band is _IDLE:
                        band = quiet[s] = self._quiet_band(state)
                    if not (band[0] < mid < band[1] and ts < band[2]):
                        quiet[s] = None
                        bid, ask = self._tick_features(s, position)[:2]
                        self._act(position, strategy._manage(names[s], state, ts, bid, ask, mid))
            if next_sample == position:
                self._sample(position)
                self.sample_index += 1
                next_sample = samples[self.sample_index]
                horizon = min(next_sample, next_progress - 1)
        self._catch_up(total)
        if progress is not None:
            progress(total, total)

    def _next_stop(
        self, i: int, quiet: list[tuple[float, float, float] | None], states: list[Any], count: int
    ) -> int:
        """The first tick from the ``i``-th (indices into ``t_pos``) that the loop must decide
        on while the broker is idle; ``count`` if none. Every tick before it would pass the
        loop's band test or, failing it, provably do nothing, and nothing changes the bands
        while no tick is decided, so skipping them is exact. Each symbol's answer holds
        until its band or cooldown changes or the loop passes it."""
        stop = count
        for s, jump in self.jump.items():
            band = quiet[s]
            cooldown = states[s].cooldown_until if band is _IDLE else 0.0
            cached_band, cached_cooldown, at = jump.cached
            if cached_band is not band or cached_cooldown != cooldown or at < i:
                at = _symbol_stop(i, band, cooldown, jump, count)
                jump.cached = (band, cooldown, at)
            if at < stop:
                stop = at
        return stop

    def _tick_features(self, s: int, position: int) -> tuple[float, float, float, float, float]:
        """Bid, ask, SELL and BUY window notionals and the window's first mid of symbol
        ``s``'s tick at ``position``, as the hunter's ``on_quote`` would hold them."""
        at, *values = self.tick_features[s]
        j = int(at.searchsorted(position))
        bid, ask, sell, buy, start_mid = (float(v[j]) for v in values)
        return bid, ask, sell, buy, start_mid

    def _act(self, position: int, intents: list[Intent]) -> None:
        """After the strategy decided on the tick at ``position``: its signals, then its
        intents through both lines and the broker, as ``ProductionEngineV2._on_quote``."""
        engine = self.engine
        if engine.strategy.signals:
            drive(engine._signals())
        if intents:
            self._sync(position, after_tick=True)
            for intent in intents:
                drive(engine._intent(intent))
            self._after_dynamic()
            self.broker_done = max(self.broker_done, position)

    def _samples_before(self, position: int) -> None:
        """Every equity sample before ``position``, where no decision, order or fill comes
        between them: many at once when :meth:`_sample_many` can, else one by one."""
        samples = self.samples
        k = self.sample_index
        end = bisect_left(samples, position, lo=k)
        if end - k >= _BATCH and self._sample_many(k, end):
            self.sample_index = end
            return
        while k < end:
            self._sample(samples[k])
            k += 1
            self.sample_index = k

    def _sample_many(self, k: int, end: int) -> bool:
        """Samples ``k`` to ``end - 1`` as ``engine._sample_equity`` takes them one by one,
        with numpy: the account does not change between them, so each equity is the same
        float arithmetic as ``Account.equity`` on that sample's marks, and DRBGuard's day,
        peak and day-start follow by accumulation. False (nothing changed) where that is not
        exact or not enough: a breach of C17 in the batch (its text and log are the
        reference's to make), a non-finite equity, or reference objects of another kind."""
        engine = self.engine
        drb, account = engine.drb, engine.broker.account
        if (
            type(engine) is not ProductionEngineV2
            or type(drb) is not DRBGuard
            or type(account) is not Account
        ):
            return False
        days = self.sample_days_array[k:end]
        if self.flat and len(engine.fills) == self.fills_sampled:
            # ``_sample`` skips each of these unless a new UTC day starts.
            return bool((days == drb._day).all())
        unrealized: Any = 0.0  # ``sum`` starts from 0, then adds in dict order
        for name, held in account.positions.items():
            mids = self.sample_mid_arrays.get(name)
            if mids is None:
                marks: Any = held.average
            elif k >= self.marked_from[name]:
                marks = mids[k:end]
            else:
                part = mids[k:end]
                marks = np.where(part == part, part, held.average)
            unrealized = unrealized + (marks - held.average) * held.quantity
        if not isinstance(unrealized, np.ndarray):  # no position: the empty sum, per sample
            unrealized = np.zeros(end - k)
        equity = account.starting_equity + account.realized_pnl + unrealized - account.fees
        if not np.isfinite(equity).all():
            return False
        # DRBGuard.on_equity on each: the day's first equity, the running peak.
        last_day = int(days[-1])
        day_start: Any
        if int(days[0]) == last_day == drb._day and drb._day_start_equity is not None:
            # All on the day DRBGuard is on (the usual batch): its start holds throughout.
            day_start = drb._day_start_equity
        else:
            first = np.empty(len(days), dtype=bool)
            first[0] = drb._day != days[0] or drb._day_start_equity is None
            first[1:] = days[1:] != days[:-1]
            starts = np.maximum.accumulate(np.where(first, np.arange(len(days)), -1))
            day_start = np.where(
                starts >= 0,
                equity[np.maximum(starts, 0)],
                np.nan if drb._day_start_equity is None else drb._day_start_equity,
            )
        peaks = np.maximum.accumulate(equity)
        if drb._peak_equity is not None:
            peaks = np.maximum(peaks, drb._peak_equity)
        config = drb.config
        if drb._c17_breach is None:
            if (peaks > 0).all():  # the usual case: no division by zero to mask
                drawdown = (peaks - equity) / peaks
            else:
                with np.errstate(all="ignore"):
                    drawdown = np.where(peaks != 0, (peaks - equity) / peaks, 0.0)
            if config.max_drawdown is not None and (drawdown >= config.max_drawdown).any():
                return False
            if config.daily_loss is not None and (day_start - equity >= config.daily_loss).any():
                return False
        drb.equity = float(equity[-1])
        drb._day = last_day
        drb._day_start_equity = float(
            day_start[-1] if isinstance(day_start, np.ndarray) else day_start
        )
        drb._peak_equity = float(peaks[-1])
        # The curve takes an equity unless it repeats the last one taken.
        curve = engine.equity_curve
        previous = np.empty(len(equity))
        previous[0] = curve[-1][1] if curve else np.nan
        previous[1:] = equity[:-1]
        taken = equity != previous
        curve.extend(
            zip(
                self.sample_ts_array[k:end][taken].tolist(),
                equity[taken].tolist(),
                strict=True,
            )
        )
        self.fills_sampled = len(engine.fills)
        return True

    def _sample(self, position: int) -> None:
        """``engine._sample_equity`` where the reference samples; skipped where it provably
        changes nothing (flat, no fill since the last sample, same UTC day)."""
        engine = self.engine
        k = self.sample_index
        if (
            self.flat
            and len(engine.fills) == self.fills_sampled
            and engine.drb._day == self.sample_days[k]
        ):
            return
        ts = self.sample_ts[k]
        marks = {
            name: mids[k]
            for name, mids in zip(engine.symbols, self.sample_mids, strict=True)
            if mids[k] == mids[k]
        }
        engine._sample_equity(ts, marks=marks)
        self.fills_sampled = len(engine.fills)

    # ---- the end: the reference objects as the reference leaves them -----------------

    def finish(self) -> None:
        """Bring every reference object to the state after the last event."""
        engine, model = self.engine, self.model
        last = self.n - 1
        self._sync(last, after_tick=True)
        for code, count in enumerate(self.tick_reasons.tolist()):
            counter = tick_counter(code)
            model.counters[counter] = (model.counters[counter] + count) & 0xFFFFFFFF
        for index, rows in self.instruments.items():
            if index < model.n_instruments:
                row = model.instruments[index]
                row.cand_valid, row.cand_mid, row.cand_count = rows.cand
        counts = engine.counts
        kinds = np.bincount(self.kind, minlength=3)
        counts.events += self.n
        counts.quotes += int(kinds[EventKind.QUOTE])
        counts.trades += int(kinds[EventKind.TRADE])
        counts.liquidations += int(kinds[EventKind.LIQUIDATION])
        rejected = np.bincount(self.codes, minlength=len(SANITIZER_REASONS) + 1)
        counts.sanitized_out += int(self.n - rejected[0])
        sanitizer = engine.sanitizer
        for code, why in enumerate(SANITIZER_REASONS, start=1):
            if rejected[code]:
                _reject_many(counts.rejects, "sanitizer", str(why), int(rejected[code]))
                sanitizer.rejects[why] += int(rejected[code])
        # Per symbol, from the rejected events alone (a few per thousand).
        bad = self.codes.nonzero()[0]
        reasons = len(SANITIZER_REASONS) + 1
        pairs = np.bincount(
            self.sym[bad].astype(np.int64) * reasons + self.codes[bad],
            minlength=len(engine.symbols) * reasons,
        )
        for s, name in enumerate(engine.symbols):
            for code, why in enumerate(SANITIZER_REASONS, start=1):
                if pairs[s * reasons + code]:
                    sanitizer.rejects_by_symbol[name, why] += int(pairs[s * reasons + code])
        sanitizer.accepted += int(rejected[0])
        if self.host_range:
            _reject_many(counts.rejects, "tick_filter", "HOST_PRICE_RANGE", self.host_range)
        for reason in TickReason:
            count = int(self.tick_reasons[reason])
            if reason != TickReason.ACCEPT and count:
                counts.tick_rejects += count
                _reject_many(counts.rejects, "tick_filter", reason.name, count)
        self._finish_views()
        for name, by_kind in zip(engine.symbols, self.groups, strict=True):
            liquidations = by_kind[EventKind.LIQUIDATION]
            if (self.codes[liquidations] == 0).any():
                self.hunter._state(name)  # the reference's on_liquidation made it
        engine._next_heartbeat = self.t0 + (self.beats + 1) * engine._heartbeat_every
        if self.sample_at:
            engine._next_equity = int(self.ts_all[self.sample_at[-1]]) + engine._sample_every
        engine.now = int(self.ts_all[last])

    def _finish_views(self) -> None:
        """The price samples and liquidations the plot reads."""
        engine, columns = self.engine, self.columns
        for s, at in zip(self.tick_symbols, self.accepted_at, strict=True):
            if not len(at):
                continue
            ts = self.ts_all[at]
            picked = at[greedy_samples(ts, engine._sample_every, -(1 << 62))]
            mids = (columns["p1"][picked] + columns["p2"][picked]) / 2
            engine.prices[engine.symbols[s]] = list(
                zip(self.ts_all[picked].tolist(), mids.tolist(), strict=True)
            )
        # Each symbol's liquidations in order, merged (a few thousand, not every event).
        where = np.sort(np.concatenate([by_kind[EventKind.LIQUIDATION] for by_kind in self.groups]))
        where = where[self.codes[where] == 0]
        names = engine.symbols
        engine.liquidations = [
            (ts, names[s], price, quantity, side)
            for ts, s, price, quantity, side in zip(
                self.ts_all[where].tolist(),
                self.sym[where].tolist(),
                columns["p1"][where].tolist(),
                columns["q1"][where].tolist(),
                columns["side"][where].tolist(),
                strict=True,
            )
        ]


def _symbol_stop(
    i: int, band: tuple[float, float, float] | None, cooldown: float, jump: _Jump, count: int
) -> int:
    """:meth:`FastBacktest._next_stop` for one symbol, in the loop's terms: with no band,
    its next tick; idle (``_IDLE``), its next trigger at or after ``cooldown`` (a trigger
    before it only renews ``_IDLE``); in a position, its next tick outside the band (there
    a trigger changes nothing: ``_manage`` ignores it)."""
    index = jump.index
    k = int(index.searchsorted(i))
    if band is None:
        return int(index[k]) if k < len(index) else count
    if band is _IDLE:
        j = max(
            int(jump.triggers.searchsorted(i)),
            int(jump.trigger_times.searchsorted(cooldown, side="left")),
        )
        return int(jump.triggers[j]) if j < len(jump.triggers) else count
    low, high, deadline = band
    # Ticks at or after the deadline leave the band (``ts < deadline`` fails).
    end = max(int(jump.times.searchsorted(deadline, side="left")), k)
    mids = jump.mids
    upto = min(end, k + _SCAN)
    if k < upto:
        part = mids[k:upto]
        # ``not (low < mid < high)``, NaN included, as the loop's test.
        # (``nonzero`` of the 1-d mask: ``np.flatnonzero``'s wrapper costs more than the test.)
        outside = (~((low < part) & (part < high))).nonzero()[0]
        if len(outside):
            return int(index[k + int(outside[0])])
        k = upto
    if k < end:
        # Further on, the first run of _BLOCK ticks that holds a tick outside the band (or a
        # NaN: the run's low and high are NaN and fail the test), then the tick in it. Its
        # ticks before ``k`` were tested above, so the tick is at or after ``k``; if not
        # before ``end``, the deadline ends the band first.
        first = k // _BLOCK
        last = (end - 1) // _BLOCK + 1
        runs = (
            ~((low < jump.block_low[first:last]) & (jump.block_high[first:last] < high))
        ).nonzero()[0]
        if len(runs):
            run = first + int(runs[0])
            start, stop = max(k, run * _BLOCK), min(end, (run + 1) * _BLOCK)
            part = mids[start:stop]
            outside = (~((low < part) & (part < high))).nonzero()[0]
            if len(outside):
                return int(index[start + int(outside[0])])
    return int(index[end]) if end < len(index) else count


def _columns(events: np.ndarray) -> dict[str, np.ndarray]:
    """The fields of :data:`~host.data.events.EVENT_DTYPE` records as contiguous arrays.

    The records are packed (59 bytes): copying one field at a time streams the whole array
    through the cache once per field; copying every field of a cache-sized block at once
    reads it once (half the time on the bench's 300 k events).
    """
    n = len(events)
    names = EVENT_DTYPE.names or ()
    columns = {name: np.empty(n, dtype=events[name].dtype) for name in names}
    for low in range(0, n, _COLUMN_BLOCK):
        block = events[low : low + _COLUMN_BLOCK]
        for name, column in columns.items():
            column[low : low + _COLUMN_BLOCK] = block[name]
    return columns


def _clock_cycles(elapsed_us: np.ndarray, clock_hz: int) -> np.ndarray:
    """``elapsed_us * clock_hz // 1_000_000``, the guard's cycle count, by one multiplication
    when the clock is a whole number of MHz (the same integers; int64 division is several
    times slower than a multiplication)."""
    if clock_hz % 1_000_000 == 0:
        return elapsed_us * (clock_hz // 1_000_000)
    return elapsed_us * clock_hz // 1_000_000


def _reject_many(rejects: dict[str, dict[str, int]], line: str, reason: str, count: int) -> None:
    bucket = rejects.setdefault(line, {})
    bucket[reason] = bucket.get(reason, 0) + count


def run_fast(
    engine: ProductionEngineV2,
    guard: DirectModelGuard,
    data: MarketData,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[float, dict[str, float]]:
    """Replay ``data`` through a started ``engine`` on the fast path.

    Returns
    -------
    (float, dict)
        Seconds from the loaded data to the last event (precomputation included), and where
        they went.

    Raises
    ------
    FastPathUnsupported
        The run needs the reference path; ``engine`` is then unusable (build a new one).
    """
    # The replay holds lists of a few hundred thousand numbers; a full garbage collection
    # walks every element of every list, so collections triggered by the loop's small
    # allocations would cost more than the loop. Nothing here makes reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        replay = FastBacktest(engine, guard, data)
        replay.prepare()
        loop_start = time.perf_counter()
        replay.run(progress)
        replay.timings["loop_s"] = time.perf_counter() - loop_start
        finish_start = time.perf_counter()
        replay.finish()
        replay.timings["finish_s"] = time.perf_counter() - finish_start
        return time.perf_counter() - started, replay.timings
    finally:
        if collecting:
            gc.enable()
