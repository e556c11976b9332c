"""Storage and dashboard figures: database commit -> WebSocket receipt latency with many clients."""

import logging

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick, pick_samples
from host.bench.stats import summarize

__all__ = ["run", "CLIENTS"]

_log = logging.getLogger(__name__)

#: WebSocket clients connected while events are committed (a busy trading floor of browsers).
CLIENTS = 50

_SPECS = [
    ("dashboard.commit_to_ws_p50_us", "us", "Event row committed -> received on a WebSocket, p50"),
    ("dashboard.commit_to_ws_p99_us", "us", "Commit -> WebSocket receipt, p99"),
    ("dashboard.events_per_s", "events/s", "Events committed and fanned out per second"),
]


def run(context: BenchContext) -> list[Figure]:
    """Call ``dashboard.server.bench.measure_ws_latency`` and report its distribution."""
    function = find_function("dashboard.server.bench", "measure_ws_latency")
    if isinstance(function, str):
        return [missing(key, unit, text, function) for key, unit, text in _SPECS]
    events = 100 if context.quick else 1_000
    clients = 5 if context.quick else CLIENTS
    try:
        result = call_accepting(
            function, clients=clients, events=events, n_events=events, count=events
        )
    except Exception as error:  # any failure of another part is reported, never fatal
        _log.exception("bench: WebSocket latency failed")
        reason = f"measure_ws_latency failed: {type(error).__name__}: {error}"
        return [missing(key, unit, text, reason) for key, unit, text in _SPECS]
    samples = pick_samples(result, "samples_us", "latencies_us", "samples")
    if samples is not None:
        context.samples["dashboard: commit -> WebSocket"] = samples
    values = [
        pick(result, "p50_us", "commit_to_ws_p50_us"),
        pick(result, "p99_us", "commit_to_ws_p99_us"),
        pick(result, "events_per_s", "throughput_events_per_s"),
    ]
    if samples is not None:
        summary = summarize(samples)
        values[0] = values[0] if values[0] is not None else summary["p50"]
        values[1] = values[1] if values[1] is not None else summary["p99"]
    figures = []
    for (key, unit, text), value in zip(_SPECS, values, strict=True):
        text = f"{text} ({clients} clients)"
        if value is None:
            figures.append(missing(key, unit, text, f"measure_ws_latency gave no {key}"))
        else:
            baseline = "dashboard.commit_to_ws_p50_us" if key.endswith("p99_us") else None
            figures.append(measured(key, value, unit, text, baseline=baseline))
    return figures
