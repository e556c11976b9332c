"""Run a backtest: replay CSV data through ProductionEngineV2 in event time, make the report.

Guard backends (``guard`` argument, as on the command line):

* ``model`` -- the reference model at message level (:class:`DirectModelGuard`), on event
  time, on the fast path (:mod:`host.backtest.fast_path`: numpy for what no decision can
  change, a synchronous event loop for the rest); it falls back to the reference path by
  itself for anything the fast path does not follow (a halt, an ALERT, a store);
* ``model-reference`` -- the same model on the reference path: the asyncio engine, one
  ``on_event`` per event. It is the oracle the fast path is tested against;
* ``model-bytes`` -- the same model behind :class:`~host.link.client.GuardClient` and the byte
  transport with a virtual clock: every frame encoded, CRC'd and decoded, as on a wire;
* ``sim``, ``sim:PATH``, ``serial:PORT`` -- the Verilator model or a board through
  :class:`GuardClient`. These run on their own (wall) clock, so time-based limits (stale
  reference, rate windows, watchdog) see wall time, not event time.

The report says which backend produced it, and whether that was hardware.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from host.backtest.direct_guard import DirectModelGuard
from host.backtest.fast_path import FastPathUnsupported, drive, run_fast
from host.data.loaders import MarketData, load_directory
from host.engine.config import EngineConfig
from host.engine.production_engine_v2 import ProductionEngineV2
from host.link.client import GuardClient

__all__ = ["BacktestResult", "run_backtest", "make_report", "open_guard"]

logger = logging.getLogger(__name__)


@dataclass
class BacktestResult:
    """The engine after the run, and the report made from it."""

    engine: ProductionEngineV2
    report: dict[str, Any]
    #: "fast" or "reference": which path produced the run (the results are the same).
    path: str = "reference"
    #: Seconds per phase of the fast path (empty on the reference path).
    timings: dict[str, float] = field(default_factory=dict)


async def open_guard(spec: str, *, timeout: float = 0.25) -> tuple[Any, Callable[[int], None]]:
    """The guard line for ``spec`` and a function that moves its clock to event time (us
    since the start; a no-op for backends on their own clock)."""
    if spec in ("model", "model-reference"):
        direct = DirectModelGuard()
        return direct, direct.set_time_us
    if spec == "model-bytes":
        from host.link.model_transport import ModelTransport, VirtualClock

        clock = VirtualClock()
        client = GuardClient(ModelTransport(clock=clock), backend="model", timeout=timeout)
        await client.hello()
        return client, lambda elapsed_us: clock.set_seconds(elapsed_us / 1e6)
    client = await GuardClient.connect(spec, timeout=timeout)
    return client, lambda elapsed_us: None


async def run_backtest(
    data: MarketData | Path | str,
    *,
    guard: str = "model",
    config: EngineConfig | None = None,
    skip_bad_rows: bool = False,
    progress: Callable[[int, int], None] | None = None,
    store: Any | None = None,
) -> BacktestResult:
    """Replay ``data`` through the whole pipeline and report.

    Parameters
    ----------
    data : MarketData or path
        Loaded data, or a directory of CSV files in the exchange's layouts.
    guard : str
        Guard backend (see the module docstring).
    config : EngineConfig, optional
        Defaults to the demo configuration.
    skip_bad_rows : bool
        When loading from a path: skip and count bad rows instead of failing.
    progress : callable, optional
        Called as ``progress(done, total)`` every few thousand events.
    store : Store, optional
        Write everything through it, as paper trading does.
    """
    config = config or EngineConfig()
    if not isinstance(data, MarketData):
        data = load_directory(data, skip_bad_rows=skip_bad_rows)
    events = data.events
    if len(events) == 0:
        raise ValueError(f"Backtest data must hold events, not none ({data.symbols})")
    if guard == "model" and store is None:
        try:
            return _run_fast(data, config, progress)
        except FastPathUnsupported as reason:
            logger.info("fast path not applicable (%s): replaying on the reference path", reason)
        except Exception:  # a fast-path bug must not cost the answer: the reference gives it
            logger.warning("fast path failed, replaying on the reference path", exc_info=True)
    line, set_clock = await open_guard(guard, timeout=config.guard_timeout_s)
    t0 = int(events["ts"][0])
    direct = line if isinstance(line, DirectModelGuard) else None
    on_time: Callable[[int], None]
    if direct is not None:
        direct.origin_us = t0
        on_time = direct.set_event_time  # one call per guard message, no closure
    else:
        on_time = partial(_shifted, set_clock, t0)
    engine = ProductionEngineV2(config, line, symbols=data.symbols, store=store, on_time=on_time)
    watcher: asyncio.Task[None] | None = None
    if direct is None:
        # A guard on its own clock (sim, board) raises ALERTs by itself: halt on them.
        async def watch() -> None:
            async for alert in line.alerts():
                await engine.on_alert(alert)

        watcher = asyncio.create_task(watch())
    try:
        await engine.start(t0)
        rows = events.tolist()
        total = len(rows)
        started = time.perf_counter()
        on_event = engine.on_event
        step = 20_000
        for start in range(0, total, step):
            for row in rows[start : start + step]:
                await on_event(*row)
                if direct is not None and direct.alerts_pending:
                    for alert in direct.pending_alerts():
                        await engine.on_alert(alert)
            if progress is not None:
                progress(min(start + step, total), total)
        elapsed = time.perf_counter() - started
        await engine.shutdown(int(events["ts"][-1]))
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        await line.close()
    report = make_report(engine, data, elapsed)
    return BacktestResult(engine, report)


def _run_fast(
    data: MarketData, config: EngineConfig, progress: Callable[[int, int], None] | None
) -> BacktestResult:
    """The fast path over a fresh model guard and engine (raises FastPathUnsupported)."""
    events = data.events
    t0 = int(events["ts"][0])
    direct = DirectModelGuard()
    direct.origin_us = t0
    engine = ProductionEngineV2(config, direct, symbols=data.symbols, on_time=direct.set_event_time)
    drive(engine.start(t0))
    elapsed, timings = run_fast(engine, direct, data, progress)
    drive(engine.shutdown(int(events["ts"][-1])))
    drive(direct.close())
    return BacktestResult(engine, make_report(engine, data, elapsed), "fast", timings)


def _shifted(set_clock: Callable[[int], None], t0: int, ts: int) -> None:
    set_clock(ts - t0)


def make_report(engine: ProductionEngineV2, data: MarketData, elapsed_s: float) -> dict[str, Any]:
    """The JSON-ready report of a finished run."""
    counts = engine.counts
    equity = [e for _, e in engine.equity_curve] or [engine.config.starting_equity]
    curve = np.array(equity, dtype=float)
    peaks = np.maximum.accumulate(curve)
    drawdowns = (peaks - curve) / peaks
    closing = [f for f in engine.fills if f.realized != 0]
    wins = sum(1 for f in closing if f.realized - f.fee > 0)
    fees = sum(f.fee for f in engine.fills)
    rejects = {line: dict(sorted(r.items())) for line, r in counts.rejects.items() if r}
    rejects.setdefault("gateware", {})
    rejects.setdefault("drb", {})
    statuses: dict[str, int] = {}
    for record in engine.orders.values():
        statuses[record.status] = statuses.get(record.status, 0) + 1
    latencies = [r.gateware_latency_us for r in engine.orders.values() if r.gateware_latency_us]
    return {
        "guard_backend": engine.backend,
        # "model" is the Python reference model, "sim:" the gateware's RTL on Verilator,
        # "serial:" a board: only the last is hardware.
        "hardware": engine.backend.startswith("serial:"),
        "gateware_rtl": not engine.backend.startswith("model"),
        "symbols": data.symbols,
        "events": counts.events,
        "quotes": counts.quotes,
        "trades_public": counts.trades,
        "liquidations": counts.liquidations,
        "bad_rows_skipped": data.stats.total_bad_rows,
        "wall_s": round(elapsed_s, 4),
        "events_per_s": round(counts.events / elapsed_s, 1) if elapsed_s > 0 else None,
        "orders": len(engine.orders),
        "order_statuses": dict(sorted(statuses.items())),
        "trades": len(engine.fills),
        "round_trips_closed": len(closing),
        "pnl": round(equity[-1] - engine.config.starting_equity, 6),
        "realized_pnl": round(engine.broker.account.realized_pnl, 6),
        "fees": round(fees, 6),
        "max_drawdown": round(float(drawdowns.max()) if len(drawdowns) else 0.0, 8),
        "max_drawdown_abs": round(float((peaks - curve).max()) if len(curve) else 0.0, 6),
        "hit_rate": round(wins / len(closing), 6) if closing else None,
        "rejects": rejects,
        "signals": engine.signal_count,
        "halted": engine.halted,
        "halt_reason": engine.halt_reason,
        "gateware_verdict_us_median": (
            round(float(np.median(latencies)), 3) if latencies else None
        ),
        "realism": {k: v for k, v in vars(engine.config.realism).items() if not k.startswith("_")},
        "event_time_s": round((int(data.events["ts"][-1]) - int(data.events["ts"][0])) / 1e6, 3),
    }
