"""Host figures: the engine's tick -> decision latency, backtest throughput, each stage's share."""

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick, pick_samples
from host.bench.stats import summarize

__all__ = ["run", "STAGES", "generate_data"]

_log = logging.getLogger(__name__)

#: Stages of one event's path through the engine whose share of the time the bench reports.
STAGES = ("sanitizer", "gateware_model", "strategy", "drbguard", "broker", "engine_other")

_DATA_SEED = 2026


def generate_data(context: BenchContext) -> Path | str:
    """The seeded synthetic market for this run's size (reused if already written), or why not."""
    events = 20_000 if context.quick else 300_000
    generate = find_function("host.data.generator", "generate")
    if isinstance(generate, str):
        return generate
    data_dir = context.work_dir / f"data-{events}"
    if not any(data_dir.glob("*.csv")):
        generate(data_dir, seed=_DATA_SEED, events=events)
    return data_dir


async def _asyncio_hops(n: int) -> np.ndarray:
    queue: asyncio.Queue[int] = asyncio.Queue()
    latencies = np.empty(n)

    async def consumer() -> None:
        for index in range(n):
            sent = await queue.get()
            latencies[index] = time.perf_counter_ns() - sent

    task = asyncio.create_task(consumer())
    for _ in range(n):
        queue.put_nowait(time.perf_counter_ns())
        # Yield so each message is received alone: a hop, not a batch drain.
        await asyncio.sleep(0)
    await task
    return latencies / 1e3


_ENGINE_SPECS = [
    ("host.tick_to_decision_p50_us", "us", "Engine: tick in -> order decision out, p50"),
    ("host.tick_to_decision_p99_us", "us", "Engine: tick -> decision, p99"),
    ("host.tick_to_decision_p999_us", "us", "Engine: tick -> decision, p99.9"),
    ("host.tick_to_decision_jitter_us", "us", "Engine: tick -> decision jitter (p99 - p50)"),
    (
        "host.backtest_events_per_s",
        "events/s",
        "Backtest replay through the whole engine, fast path (numpy precomputation included; "
        "same orders, verdicts and report as the reference path)",
    ),
    (
        "host.backtest_reference_events_per_s",
        "events/s",
        "Backtest replay through the whole engine, reference path (asyncio, one on_event "
        "per event)",
    ),
    ("host.parse_only_events_per_s", "events/s", "Baseline: the same files parsed, no engine"),
    *[
        (
            f"host.stage_share_{stage}_pct",
            "%",
            f"Share of engine time in {stage} (reference path, instrumented run)",
        )
        for stage in STAGES
    ],
]

_BASELINES = {
    "host.tick_to_decision_p50_us": "host.asyncio_hop_p50_us",
    "host.tick_to_decision_p99_us": "host.tick_to_decision_p50_us",
    "host.tick_to_decision_p999_us": "host.tick_to_decision_p50_us",
    "host.backtest_events_per_s": "host.parse_only_events_per_s",
    "host.backtest_reference_events_per_s": "host.parse_only_events_per_s",
}


def _engine_values(result: dict, samples: np.ndarray | None) -> dict[str, float | None]:
    shares = result.get("stage_share") or result.get("stage_shares") or {}
    values: dict[str, float | None] = {
        "host.tick_to_decision_p50_us": pick(result, "tick_to_decision_p50_us", "p50_us"),
        "host.tick_to_decision_p99_us": pick(result, "tick_to_decision_p99_us", "p99_us"),
        "host.tick_to_decision_p999_us": pick(result, "tick_to_decision_p999_us", "p999_us"),
        "host.tick_to_decision_jitter_us": pick(result, "tick_to_decision_jitter_us", "jitter_us"),
        "host.backtest_events_per_s": pick(result, "events_per_s", "backtest_events_per_s"),
        "host.backtest_reference_events_per_s": pick(result, "reference_events_per_s"),
        "host.parse_only_events_per_s": pick(
            result, "parse_only_events_per_s", "baseline_events_per_s"
        ),
    }
    for stage in STAGES:
        share = pick(shares, stage, f"{stage}_pct")
        if share is not None and share <= 1.0 and sum(shares.values() or [0]) <= 1.0 + 1e-9:
            share *= 100  # a fraction, reported as a percentage
        values[f"host.stage_share_{stage}_pct"] = share
    if samples is not None:
        summary = summarize(samples)
        for name in ("p50", "p99", "p999", "jitter"):
            key = f"host.tick_to_decision_{name}_us"
            if values[key] is None:
                values[key] = summary[name]
    return values


def _engine_figures(context: BenchContext) -> list[Figure]:
    function = find_function("host.backtest.bench", "measure_throughput")
    if isinstance(function, str):
        return [missing(key, unit, text, function) for key, unit, text in _ENGINE_SPECS]
    data_dir = generate_data(context)
    if isinstance(data_dir, str):
        return [missing(key, unit, text, data_dir) for key, unit, text in _ENGINE_SPECS]
    try:
        result = call_accepting(function, data_dir=data_dir, quick=context.quick)
        context.shared[f"throughput:{data_dir}"] = result
    except Exception as error:  # any failure of another part is reported, never fatal
        _log.exception("bench: engine throughput failed")
        reason = f"measure_throughput failed: {type(error).__name__}: {error}"
        return [missing(key, unit, text, reason) for key, unit, text in _ENGINE_SPECS]
    samples = pick_samples(result, "tick_to_decision_us", "latencies_us", "samples_us")
    if samples is not None:
        context.samples["host: tick -> decision"] = samples
    values = _engine_values(result if isinstance(result, dict) else {}, samples)
    figures = []
    diverged = isinstance(result, dict) and result.get("fast_matches_reference") is False
    for key, unit, text in _ENGINE_SPECS:
        value = values.get(key)
        if key == "host.backtest_events_per_s" and diverged:
            # A fast figure for a different answer is no figure: say so instead.
            figures.append(
                missing(key, unit, text, "the fast path's report differs from the reference's")
            )
        elif value is None:
            figures.append(missing(key, unit, text, f"measure_throughput gave no value for {key}"))
        else:
            figures.append(measured(key, value, unit, text, baseline=_BASELINES.get(key)))
    return figures


class _Empty:
    """The baseline of a per-call cost: a method that does nothing, called the same way."""

    def check_quote(self, symbol: str, **fields: float | int | None) -> None:
        return None


def _timed_calls(call: Callable[[int], object], n: int) -> np.ndarray:
    """Microseconds of each of ``n`` calls of ``call(index)``, timer overhead included (the
    same overhead is in the baseline, so ratios cancel it)."""
    times = np.empty(n)
    clock = time.perf_counter_ns
    for index in range(n):
        start = clock()
        call(index)
        times[index] = clock() - start
    return times / 1e3


def _sanitizer_figures(context: BenchContext) -> list[Figure]:
    spec = ("host.sanitizer_quote_p50_us", "us", "L0Sanitizer.check_quote per quote, p50")
    sanitizer_class = find_function("host.sanitizer.l0_sanitizer", "L0Sanitizer")
    data_dir = generate_data(context)
    load_directory = find_function("host.data.loaders", "load_directory")
    for reason in (sanitizer_class, data_dir, load_directory):
        if isinstance(reason, str):
            return [missing(*spec, reason)]
    assert not isinstance(load_directory, str) and not isinstance(sanitizer_class, str)
    market = load_directory(data_dir)
    quotes = market.events[market.events["kind"] == 0][: 5_000 if context.quick else 100_000]
    rows = list(
        zip(
            [market.symbols[i] for i in quotes["sym"].tolist()],
            quotes["seq"].tolist(),
            quotes["exch_ts"].tolist(),
            quotes["ts"].tolist(),
            quotes["p1"].tolist(),
            quotes["q1"].tolist(),
            quotes["p2"].tolist(),
            quotes["q2"].tolist(),
            strict=True,
        )
    )
    times = _timed_calls(_quote_caller(sanitizer_class().check_quote, rows), len(rows))
    context.samples["host: L0Sanitizer per quote"] = times
    text = f"{spec[2]} over {len(rows)} generated quotes"
    return [measured(spec[0], summarize(times)["p50"], spec[1], text)]


_QuoteRow = tuple[str, int, int, int, float, float, float, float]


def _quote_caller(check: Callable[..., object], rows: list[_QuoteRow]) -> Callable[[int], object]:
    def call(index: int) -> object:
        symbol, seq, exch_ts, recv_ts, bid, bid_qty, ask, ask_qty = rows[index]
        return check(
            symbol,
            seq=seq,
            exch_ts=exch_ts,
            recv_ts=recv_ts,
            bid=bid,
            bid_qty=bid_qty,
            ask=ask,
            ask_qty=ask_qty,
        )

    return call


def _drbguard_figures(context: BenchContext) -> list[Figure]:
    spec = (
        "host.drbguard_check_p50_us",
        "us",
        "DRBGuard.check of an order that passes every control (the longest path), p50",
    )
    try:
        from hdl.protocol import OrderKind, Side
        from host.engine.config import EngineConfig
        from host.guards.drb_guard import DRBGuard, OrderRequest
    except ImportError as error:
        return [missing(*spec, f"DRBGuard is not available ({error})")]
    config = EngineConfig()
    instrument = next(iter(config.instruments))
    guard = DRBGuard(config.drb, config.instruments)
    guard.arm()
    n = 1_000 if context.quick else 20_000
    bid = (instrument.min_price + instrument.max_price) // 4
    times = np.empty(n)
    accepted = 0
    now = 1_000_000
    for index in range(n):
        # Spaced beyond the duplicate and rate windows, cancelled after, ticked each time:
        # every check runs all controls and accepts.
        now += 150_000
        guard.on_tick(instrument.index, now, bid, bid + 2)
        guard.on_equity(now, 100_000.0)
        order = OrderRequest(index + 1, instrument.index, Side(index % 2), OrderKind.LIMIT, bid, 1)
        start = time.perf_counter_ns()
        verdict = guard.check(order, now)
        times[index] = time.perf_counter_ns() - start
        accepted += verdict.accepted
        guard.on_cancel(index + 1)
    if accepted < n:
        return [missing(*spec, f"only {accepted} of {n} bench orders were accepted")]
    times /= 1e3
    context.samples["host: DRBGuard check"] = times
    return [measured(*spec[:1], summarize(times)["p50"], spec[1], spec[2])]


def _baseline_figures(context: BenchContext) -> list[Figure]:
    n = 2_000 if context.quick else 50_000
    hops = asyncio.run(_asyncio_hops(n))
    context.samples["host: asyncio queue hop"] = hops
    summary = summarize(hops)
    row: _QuoteRow = ("BTCUSDT", 1, 1_000, 6_000, 43_000.0, 1.0, 43_000.1, 1.0)
    calls = _timed_calls(_quote_caller(_Empty().check_quote, [row] * n), n)
    return [
        measured(
            "host.python_call_p50_us",
            summarize(calls)["p50"],
            "us",
            "Baseline: an empty method called with a quote's arguments, timed the same way",
        ),
        measured(
            "host.asyncio_hop_p50_us",
            summary["p50"],
            "us",
            f"Baseline: one asyncio.Queue hop between two tasks, p50 of {n}",
        ),
        measured(
            "host.asyncio_hop_p99_us",
            summary["p99"],
            "us",
            "Baseline: one asyncio.Queue hop, p99",
            baseline="host.asyncio_hop_p50_us",
        ),
    ]


def run(context: BenchContext) -> list[Figure]:
    """Same-run baselines, per-component costs, then the engine's own figures."""
    figures = _baseline_figures(context)
    parts: tuple[tuple[Callable[[BenchContext], list[Figure]], str, str], ...] = (
        (_sanitizer_figures, "host.sanitizer_quote_p50_us", "L0Sanitizer.check_quote, p50"),
        (_drbguard_figures, "host.drbguard_check_p50_us", "DRBGuard.check, p50"),
    )
    for part, key, text in parts:
        try:
            figures += part(context)
        except Exception as error:  # any failure of another part is reported, never fatal
            _log.exception("bench: %s failed", key)
            figures.append(missing(key, "us", text, f"{type(error).__name__}: {error}"))
    return figures + _engine_figures(context)
