"""``quantum bench --peers``: NautilusTrader and hftbacktest on the same generated data as ours.

The peers are installed from PyPI into their own venv under build/peers/ (they pin numpy and
other libraries differently from us), then each runs a small script over the same events,
exported once as a numpy file, with the same liquidation-window strategy. Our own figure on the
same data is measured in the same run, so the ratios compare like with like on this machine.
"""

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick
from host.bench.stats import rate

__all__ = [
    "PEER_REQUIREMENTS",
    "PEER_SPECS",
    "not_requested",
    "ensure_venv",
    "liquidation_window_signals",
    "event_rows",
    "run_peers",
]

_log = logging.getLogger(__name__)

#: Exact pins; NautilusTrader 1.222+ needs Python >= 3.12, 1.221.0 is the last for 3.11.
PEER_REQUIREMENTS = ("nautilus_trader==1.221.0", "hftbacktest==2.4.4")

_SCRIPTS = Path(__file__).resolve().parent / "peer_scripts"

PEER_SPECS = [
    ("peers.ours_events_per_s", "events/s", "Our backtest (host.backtest) on the peers' data"),
    (
        "peers.python_loop_events_per_s",
        "events/s",
        "Baseline: a bare Python loop running the same liquidation-window strategy",
    ),
    ("peers.nautilus_events_per_s", "events/s", "NautilusTrader BacktestEngine, same data"),
    ("peers.hftbacktest_events_per_s", "events/s", "hftbacktest, strategy per event, same data"),
    ("peers.events", "count", "Events in the peers' data set"),
]

#: Window and threshold of the shared strategy (notional of forced liquidations per window).
WINDOW_US = 10_000_000
THRESHOLD_QUOTE = 1_000_000.0


def not_requested() -> list[Figure]:
    """The peers' figures, missing because ``--peers`` was not given."""
    reason = "peers not run: `quantum bench --peers`"
    return [missing(key, unit, text, reason) for key, unit, text in PEER_SPECS]


def ensure_venv(peers_dir: Path) -> Path | str:
    """The peers' Python (venv created and packages installed if needed), or why not."""
    python = peers_dir / "venv" / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(peers_dir / "venv")], check=True, timeout=300
            )
        check = subprocess.run(
            [str(python), "-c", "import nautilus_trader, hftbacktest"],
            capture_output=True,
            timeout=120,
        )
        if check.returncode != 0:
            _log.info("peers: installing %s", " ".join(PEER_REQUIREMENTS))
            install = subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
                capture_output=True,
                text=True,
                timeout=1200,
            )
            if install.returncode != 0:
                return f"pip install failed: {install.stderr.strip().splitlines()[-1:]}"
    except (OSError, subprocess.SubprocessError) as error:
        return f"peers venv unusable: {error}"
    return python


_Row = tuple[int, int, int, float, float, float]


def event_rows(events: np.ndarray) -> list[_Row]:
    """``(ts, kind, sym, p1, q1, p2)`` tuples of an event array (set-up, not timed: the peers'
    own conversions to their event objects are not timed either)."""
    return list(
        zip(
            events["ts"].tolist(),
            events["kind"].tolist(),
            events["sym"].tolist(),
            events["p1"].tolist(),
            events["q1"].tolist(),
            events["p2"].tolist(),
            strict=True,
        )
    )


def liquidation_window_signals(events: np.ndarray | list[_Row]) -> int:
    """The shared strategy over events (host.data EVENT_DTYPE rows, or :func:`event_rows`), as
    a bare Python loop.

    Per symbol, the quote notional of forced liquidations within the last ``WINDOW_US`` is
    summed; crossing ``THRESHOLD_QUOTE`` is a signal (then the window restarts). Quotes update
    the mid. This is the baseline the peers' engines are compared with.
    """
    rows = event_rows(events) if isinstance(events, np.ndarray) else events
    windows: dict[int, list[tuple[int, float]]] = {}
    totals: dict[int, float] = {}
    mids: dict[int, float] = {}
    signals = 0
    for ts, kind, sym, p1, q1, p2 in rows:
        if kind == 0:
            mids[sym] = (p1 + p2) / 2
        elif kind == 2:
            window = windows.setdefault(sym, [])
            window.append((ts, p1 * q1))
            total = totals.get(sym, 0.0) + p1 * q1
            while window and window[0][0] < ts - WINDOW_US:
                total -= window.pop(0)[1]
            if total >= THRESHOLD_QUOTE and sym in mids:
                signals += 1
                window.clear()
                total = 0.0
            totals[sym] = total
    return signals


def _export_events(context: BenchContext) -> tuple[Path, Path, int] | str:
    """Generate the data set, load it with our loaders, save it as .npy for the peers."""
    from host.bench.sections.host_engine import generate_data

    data_dir = generate_data(context)
    if isinstance(data_dir, str):
        return data_dir
    load_directory = find_function("host.data.loaders", "load_directory")
    if isinstance(load_directory, str):
        return load_directory
    market = load_directory(data_dir)
    path = context.work_dir / f"{data_dir.name}.npy"
    np.save(path, market.events)
    # The peers name instruments; the event rows only index into this list.
    path.with_suffix(".json").write_text(json.dumps({"symbols": list(market.symbols)}))
    return data_dir, path, int(len(market.events))


def _with_value(spec: tuple[str, str, str], value: float) -> Figure:
    key, unit, text = spec
    return measured(key, value, unit, text, baseline="peers.python_loop_events_per_s")


def _run_script(python: Path, script: str, events_path: Path, timeout: float) -> dict[str, Any]:
    completed = subprocess.run(
        [str(python), str(_SCRIPTS / script), str(events_path)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"{script} exited {completed.returncode}: {' | '.join(tail)}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_peers(context: BenchContext) -> tuple[list[Figure], dict[str, Any]]:
    """Measure ours, the bare-loop baseline and both peers on one data set, in this run."""
    exported = _export_events(context)
    if isinstance(exported, str):
        return [missing(k, u, t, exported) for k, u, t in PEER_SPECS], {"error": exported}
    data_dir, events_path, n_events = exported
    events = np.load(events_path)
    figures = [measured("peers.events", n_events, "count", PEER_SPECS[4][2])]
    document: dict[str, Any] = {"events": n_events, "data": str(data_dir.name)}

    rows = event_rows(events)
    start = time.perf_counter()
    signals = liquidation_window_signals(rows)
    loop_rate = rate(n_events, time.perf_counter() - start)
    document["python_loop"] = {"signals": signals}
    figures.append(
        measured("peers.python_loop_events_per_s", loop_rate, "events/s", PEER_SPECS[1][2])
    )

    throughput = find_function("host.backtest.bench", "measure_throughput")
    if isinstance(throughput, str):
        figures.append(missing(*PEER_SPECS[0], throughput))
    else:
        try:
            # Measured once per run: the host section may already have done it on this data.
            ours = context.shared.get(f"throughput:{data_dir}") or call_accepting(
                throughput, data_dir=data_dir, quick=context.quick
            )
            value = pick(ours, "events_per_s", "backtest_events_per_s")
            document["ours"] = {k: v for k, v in ours.items() if not isinstance(v, list)}
            figures.append(
                _with_value(PEER_SPECS[0], value)
                if value is not None
                else missing(*PEER_SPECS[0], "measure_throughput gave no events_per_s")
            )
        except Exception as error:  # any failure of another part is reported, never fatal
            figures.append(missing(*PEER_SPECS[0], f"measure_throughput failed: {error}"))

    python = ensure_venv(context.root / "build" / "peers")
    for key, script, name in (
        ("peers.nautilus_events_per_s", "nautilus_run.py", "nautilus"),
        ("peers.hftbacktest_events_per_s", "hftbacktest_run.py", "hftbacktest"),
    ):
        spec = next(s for s in PEER_SPECS if s[0] == key)
        if isinstance(python, str):
            figures.append(missing(*spec, python))
            continue
        try:
            result = _run_script(python, script, events_path, timeout=900)
        except (RuntimeError, subprocess.SubprocessError, json.JSONDecodeError) as error:
            _log.warning("peers: %s failed: %s", name, error)
            figures.append(missing(*spec, f"{name} failed: {error}"))
            document[name] = {"error": str(error)}
            continue
        document[name] = result
        value = pick(result, "events_per_s")
        figures.append(
            _with_value(spec, value)
            if value is not None
            else missing(*spec, f"{name} script gave no events_per_s")
        )
    return figures, document
