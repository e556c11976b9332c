"""Storage and dashboard figures: database commit -> WebSocket receipt latency with many clients.

Two deployments are measured with ``dashboard.server.bench.measure_ws_latency``: the engine in
its own process (the server finds new outbox rows by polling the table) and the writer inside
the server's process (a commit wakes the feed at once). The difference is what polling costs.
"""

import logging
from typing import Any

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick, pick_samples
from host.bench.stats import summarize

__all__ = ["run", "CLIENTS"]

_log = logging.getLogger(__name__)

#: WebSocket clients connected while events are committed (a busy trading floor of browsers).
CLIENTS = 50

_SPECS = [
    (
        "dashboard.commit_to_ws_p50_us",
        "us",
        "Outbox row committed by another process -> received on a WebSocket, p50",
    ),
    ("dashboard.commit_to_ws_p99_us", "us", "Same, p99"),
    ("dashboard.events_per_s", "events/s", "Events committed and fanned out per second"),
    ("dashboard.poll_interval_ms", "ms", "How often the server looks for new outbox rows"),
]

_SAME_PROCESS_SPECS = [
    (
        "dashboard.same_process_commit_to_ws_p50_us",
        "us",
        "Outbox row committed inside the server's process (the commit wakes the feed) -> "
        "received on a WebSocket, p50",
    ),
    ("dashboard.same_process_commit_to_ws_p99_us", "us", "Same, p99"),
]


def _values(result: Any, context: BenchContext, label: str) -> list[float | None]:
    samples = pick_samples(result, "samples_us", "latencies_us", "samples")
    if samples is not None:
        context.samples[label] = samples
    p50 = pick(result, "p50_us", "commit_to_ws_p50_us")
    p99 = pick(result, "p99_us", "commit_to_ws_p99_us")
    if samples is not None:
        summary = summarize(samples)
        p50 = p50 if p50 is not None else summary["p50"]
        p99 = p99 if p99 is not None else summary["p99"]
    poll = pick(result, "poll_seconds")
    return [
        p50,
        p99,
        pick(result, "events_per_s", "throughput_events_per_s"),
        poll * 1e3 if poll else None,
    ]


def _figures(
    function: Any, context: BenchContext, specs: list[tuple[str, str, str]], **options: Any
) -> list[Figure]:
    events = 100 if context.quick else 1_000
    clients = 5 if context.quick else CLIENTS
    label = "dashboard: commit -> WebSocket" + (
        " (same process)" if options.get("same_process") else ""
    )
    try:
        result = call_accepting(function, clients=clients, events=events, **options)
    except Exception as error:  # any failure of another part is reported, never fatal
        _log.exception("bench: WebSocket latency failed")
        reason = f"measure_ws_latency failed: {type(error).__name__}: {error}"
        return [missing(key, unit, text, reason) for key, unit, text in specs]
    values = _values(result, context, label)
    figures = []
    for (key, unit, text), value in zip(specs, values, strict=False):
        text = f"{text} ({clients} clients, {events} events)"
        if value is None:
            figures.append(missing(key, unit, text, f"measure_ws_latency gave no {key}"))
        else:
            figures.append(measured(key, value, unit, text))
    return figures


def run(context: BenchContext) -> list[Figure]:
    """Call ``dashboard.server.bench.measure_ws_latency`` in both deployments."""
    function = find_function("dashboard.server.bench", "measure_ws_latency")
    if isinstance(function, str):
        return [
            missing(key, unit, text, function) for key, unit, text in _SPECS + _SAME_PROCESS_SPECS
        ]
    return _figures(function, context, _SPECS) + _figures(
        function, context, _SAME_PROCESS_SPECS, same_process=True
    )
