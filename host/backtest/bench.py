"""Throughput of the backtest pipeline next to same-run baselines (called by ``quantum bench``).

:func:`measure_throughput` measures, on one data set and in one run:

* ``parse_only_events_per_s``: the files parsed into the event array (numpy), nothing else;
* ``touch_events_per_s``: a Python loop that only unpacks each ready-made event tuple;
* ``events_per_s``: the whole pipeline (sanitizer, gateware reference model at message level,
  strategy, DRBGuard, paper broker) on event time, loading excluded, on the fast path
  (:mod:`host.backtest.fast_path`; its numpy precomputation included), with
  ``fast_path_phases_s`` saying where its time went;
* ``reference_events_per_s``: the same data on the reference path (the asyncio engine, one
  ``on_event`` per event), and ``fast_matches_reference``: whether both gave the same report
  (timing fields aside);
* ``bytes_events_per_s``: the same with the model behind the real byte codec and
  ``GuardClient`` (every frame COBS-encoded and CRC-checked), on a slice;
* ``stage_share``: where the pipeline's time goes, from a second, instrumented run on a
  slice (the instrumentation slows it; the shares are what counts);
* ``tick_to_decision_us``: per-quote time from event in to the strategy's decision, same run.
"""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from host.backtest.runner import run_backtest
from host.data.events import EventKind
from host.data.loaders import MarketData, load_directory

__all__ = ["measure_throughput", "SHORT_RUN_REPEATS"]

#: Runs of each sub-second measurement (parse-only, fast path); the best one counts.
SHORT_RUN_REPEATS = 3


def _timed(
    record: dict[str, float], stage: str, function: Callable[..., Any]
) -> Callable[..., Any]:
    clock = time.perf_counter

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            record[stage] += clock() - started

    return wrapper


def _timed_async(
    record: dict[str, float], stage: str, function: Callable[..., Any]
) -> Callable[..., Any]:
    clock = time.perf_counter

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return await function(*args, **kwargs)
        finally:
            record[stage] += clock() - started

    return wrapper


async def _instrumented(data: MarketData) -> tuple[dict[str, float], np.ndarray]:
    """Stage times and per-quote latencies from one run with wrapped components."""
    from host.backtest.direct_guard import DirectModelGuard
    from host.engine.config import EngineConfig
    from host.engine.production_engine_v2 import ProductionEngineV2

    record = dict.fromkeys(("sanitizer", "gateware_model", "strategy", "drbguard", "broker"), 0.0)
    guard = DirectModelGuard()
    events = data.events
    t0 = int(events["ts"][0])
    engine = ProductionEngineV2(
        EngineConfig(), guard, symbols=data.symbols, on_time=lambda ts: guard.set_time_us(ts - t0)
    )
    for name in ("check_quote", "check_trade", "check_liquidation"):
        setattr(
            engine.sanitizer, name, _timed(record, "sanitizer", getattr(engine.sanitizer, name))
        )
    for name in ("on_quote", "on_trade", "on_liquidation", "on_fill", "on_order_done"):
        setattr(engine.strategy, name, _timed(record, "strategy", getattr(engine.strategy, name)))
    for name in ("check", "on_tick", "on_fill", "on_equity", "on_cancel"):
        setattr(engine.drb, name, _timed(record, "drbguard", getattr(engine.drb, name)))
    for name in ("on_quote", "on_trade", "submit", "cancel_all", "advance"):
        setattr(engine.broker, name, _timed(record, "broker", getattr(engine.broker, name)))
    for name in ("tick", "order", "heartbeat", "fill", "cancel"):
        setattr(guard, name, _timed_async(record, "gateware_model", getattr(guard, name)))
    await engine.start(t0)
    rows = events.tolist()
    latencies = []
    clock = time.perf_counter_ns
    started = time.perf_counter()
    for row in rows:
        if row[2] == EventKind.QUOTE:
            begin = clock()
            await engine.on_event(*row)
            latencies.append(clock() - begin)
        else:
            await engine.on_event(*row)
    total = time.perf_counter() - started
    await engine.shutdown(int(events["ts"][-1]))
    await guard.close()
    record["engine_other"] = max(0.0, total - sum(record.values()))
    shares = {stage: seconds / total for stage, seconds in record.items()}
    return shares, np.array(latencies, dtype=float) / 1e3


def measure_throughput(data_dir: Path | str, *, quick: bool = False) -> dict[str, Any]:
    """Events per second of the backtest pipeline and of its baselines, same data, same run.

    Parameters
    ----------
    data_dir : Path or str
        Files in the exchange's CSV layouts (e.g. ``quantum data generate`` output).
    quick : bool
        Smaller slices for the byte-level and instrumented runs.

    The parse-only load and the fast path each take well under a second, so one preemption
    on a shared machine would decide their figure: each is the best of
    :data:`SHORT_RUN_REPEATS` runs (the same treatment for both sides of their ratio).
    """
    load_s = float("inf")
    for _ in range(SHORT_RUN_REPEATS):
        started = time.perf_counter()
        data = load_directory(data_dir)
        load_s = min(load_s, time.perf_counter() - started)
    n = len(data.events)

    rows = data.events.tolist()
    started = time.perf_counter()
    touched = 0
    for _ts, _exch, kind, _sym, _side, _seq, _p1, _q1, _p2, _q2 in rows:
        touched += kind
    touch_s = time.perf_counter() - started
    del rows  # three million objects the replays below should not have to live beside

    runs = [asyncio.run(run_backtest(data, guard="model")) for _ in range(SHORT_RUN_REPEATS)]
    result = min(runs, key=lambda run: run.report["wall_s"])
    report = result.report
    reference = asyncio.run(run_backtest(data, guard="model-reference")).report
    timing_fields = {"events_per_s", "wall_s", "gateware_verdict_us_median"}
    same = all(reference[k] == report[k] for k in reference if k not in timing_fields)

    slice_n = min(n, 20_000 if quick else 100_000)
    part = MarketData(data.events[:slice_n], data.symbols, data.stats)
    through_bytes = asyncio.run(run_backtest(part, guard="model-bytes")).report
    direct_part = asyncio.run(run_backtest(part, guard="model")).report
    shares, latencies = asyncio.run(_instrumented(part))
    return {
        "events": n,
        "guard_backend": report["guard_backend"],
        "events_per_s": report["events_per_s"],
        "engine_path": result.path,
        "fast_path_phases_s": result.timings,
        "reference_events_per_s": reference["events_per_s"],
        "fast_matches_reference": same,
        "speedup_vs_reference": (
            report["events_per_s"] / reference["events_per_s"]
            if report["events_per_s"] and reference["events_per_s"]
            else None
        ),
        "parse_only_events_per_s": n / load_s if load_s > 0 else None,
        "touch_events_per_s": n / touch_s if touch_s > 0 else None,
        "bytes_events_per_s": through_bytes["events_per_s"],
        "direct_events_per_s_same_slice": direct_part["events_per_s"],
        "bytes_slice_events": slice_n,
        "ratio_to_parse_only": (
            report["events_per_s"] / (n / load_s) if load_s > 0 and report["events_per_s"] else None
        ),
        "ratio_to_touch": (
            report["events_per_s"] / (n / touch_s)
            if touch_s > 0 and report["events_per_s"]
            else None
        ),
        "stage_share": shares,
        "tick_to_decision_us": latencies.tolist(),
        "tick_to_decision_p50_us": float(np.percentile(latencies, 50)) if len(latencies) else None,
        "tick_to_decision_p99_us": float(np.percentile(latencies, 99)) if len(latencies) else None,
        "trades": report["trades"],
        "orders": report["orders"],
    }
