"""Gateware figures: verdict latency in cycles (simulation) and in ns per board (place and route).

Inputs are files the other parts write: ``build/sim/summary.json`` from ``make sim`` and
``bitstreams/<board>/report.json`` from ``quantum build``. Reading files keeps a bench run
short; a missing file is a missing figure with the command that makes it.
"""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick

__all__ = ["run", "BOARDS", "read_json"]

_log = logging.getLogger(__name__)

#: Boards the project builds for (amaranth-boards names, DESIGN.md).
BOARDS = ("icebreaker", "ulx3s")

_CYCLES_KEYS = ("verdict_latency_cycles", "order_verdict_cycles", "verdict_cycles")
_RATE_KEYS = ("cycles_per_second", "cycles_per_s", "verilator_cycles_per_s")


def read_json(path: Path, root: Path | None = None) -> dict[str, Any] | str:
    """The JSON object at ``path``, or the reason it cannot be read (``path`` shown relative to
    ``root`` when given)."""
    shown = path.relative_to(root) if root is not None and path.is_relative_to(root) else path
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return f"{shown} does not exist"
    except (OSError, json.JSONDecodeError) as error:
        return f"{shown} cannot be read ({error})"
    if not isinstance(document, dict):
        return f"{shown} must hold a JSON object, not {type(document).__name__}"
    return document


def _search(document: Any, names: tuple[str, ...]) -> float | None:
    """First number under any of ``names``, at the top level or one level down."""
    found = pick(document, *names)
    if found is not None or not isinstance(document, dict):
        return found
    for value in document.values():
        found = pick(value, *names)
        if found is not None:
            return found
    return None


_SIM_SPECS = {
    "cycles": (
        "gateware.verdict_latency_cycles",
        "cycles",
        "Clock cycles from the last byte of an ORDER frame to its verdict, worst over every "
        "verdict reason seen in simulation",
    ),
    "spread": (
        "gateware.verdict_latency_spread_cycles",
        "cycles",
        "Slowest minus fastest verdict over all reasons (0 = constant time, no data-dependent "
        "jitter)",
    ),
    "rate": (
        "gateware.verilator_cycles_per_s",
        "cycles/s",
        "Simulated clock cycles per second of wall time in the differential testbench "
        "(cocotb + Verilator, every response checked against the Python reference model)",
    ),
    "messages": (
        "gateware.sim_random_messages",
        "count",
        "Seeded random messages compared verdict by verdict with the Python reference model",
    ),
    "mismatches": (
        "gateware.sim_mismatches",
        "count",
        "Verdicts where the gateware and the reference model disagreed",
    ),
}


def _latency_cycles(summary: dict[str, Any]) -> tuple[float, float] | None:
    """(worst, spread) of the verdict latency: ``verdict_latency_cycles`` is either one number
    or, as ``make sim`` writes it, reason -> cycles (a list where a reason varied)."""
    value = summary.get("verdict_latency_cycles")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), 0.0
    if isinstance(value, dict) and value:
        cycles: list[float] = []
        for entry in value.values():
            cycles += [float(c) for c in (entry if isinstance(entry, list) else [entry])]
        return max(cycles), max(cycles) - min(cycles)
    found = _search(summary, _CYCLES_KEYS)
    return (found, 0.0) if found is not None else None


def _figures_from(
    document: dict[str, Any], where: str, source: str
) -> tuple[list[Figure], float | None]:
    latency = _latency_cycles(document)
    has_messages = "random_messages" in document or "messages" in document
    values: dict[str, float | None] = {
        "cycles": latency[0] if latency else None,
        "spread": latency[1] if latency else None,
        "rate": _search(document, _RATE_KEYS) or None,
        "messages": pick(document, "random_messages", "messages") or None,
        "mismatches": pick(document, "mismatches") if has_messages else None,
    }
    figures = []
    for name, (key, unit, text) in _SIM_SPECS.items():
        value = values[name]
        if value is None:
            figures.append(missing(key, unit, text, f"not in {where}"))
        else:
            figures.append(measured(key, value, unit, f"{text} ({where})", source=source))
    return figures, values["cycles"]


def _sim_figures(context: BenchContext) -> tuple[list[Figure], float | None]:
    """From a seeded differential simulation run now (``sim.bench.measure_simulation``), or
    else from the summary ``make sim`` wrote last."""
    ran = _run_simulation(context)
    if isinstance(ran, dict):
        return _figures_from(ran, "this run: 3,000 seeded random messages", "measured")
    summary_path = context.root / "build" / "sim" / "summary.json"
    summary = read_json(summary_path, context.root)
    if isinstance(summary, str):
        reason = f"{summary}: run `make sim`" + (f" ({ran})" if ran else "")
        return [missing(key, unit, text, reason) for key, unit, text in _SIM_SPECS.values()], None
    written = datetime.fromtimestamp(summary_path.stat().st_mtime, UTC).isoformat(
        timespec="minutes"
    )
    return _figures_from(summary, f"build/sim/summary.json of {written}", "computed")


def _run_simulation(context: BenchContext) -> dict[str, Any] | str | None:
    """The random differential run's metrics, the reason it failed, or None in --quick."""
    if context.quick:
        return None
    function = find_function("sim.bench", "measure_simulation")
    if isinstance(function, str):
        return function
    try:
        result = call_accepting(function, messages=3_000)
    except Exception as error:  # any failure of another part is reported, never fatal
        _log.exception("bench: simulation run failed")
        return f"measure_simulation failed: {type(error).__name__}: {error}"
    if not isinstance(result, dict) or not result.get("passed", True):
        return "measure_simulation reported failures"
    return result


def run(context: BenchContext) -> list[Figure]:
    """Verdict latency (cycles, and ns on each board), Fmax, size, and Verilator speed."""
    figures, cycles = _sim_figures(context)
    for board in BOARDS:
        figures += _board_figures(context, board, cycles)
    return figures


def _board_figures(context: BenchContext, board: str, cycles: float | None) -> list[Figure]:
    report_path = context.root / "bitstreams" / board / "report.json"
    report = read_json(report_path, context.root)
    specs = {
        "fmax": (f"gateware.{board}_fmax_mhz", "MHz", f"Fmax after place and route, {board}"),
        "clock": (f"gateware.{board}_clock_mhz", "MHz", f"Clock the {board} build runs at"),
        "cells": (f"gateware.{board}_luts", "cells", f"LUTs / logic cells used, {board}"),
        "ns": (
            f"gateware.{board}_verdict_ns",
            "ns",
            f"Verdict latency on {board} at its clock: cycles / clock (after the ORDER's last "
            "byte; UART time excluded)",
        ),
        "ns_fmax": (
            f"gateware.{board}_verdict_ns_at_fmax",
            "ns",
            f"Verdict latency on {board} if clocked at its Fmax",
        ),
    }
    if isinstance(report, str):
        reason = f"{report}: run `quantum build --board {board}`"
        return [missing(key, unit, text, reason) for key, unit, text in specs.values()]
    if report.get("status") == "does_not_fit":
        needed, total = report.get("luts_needed"), report.get("luts_total")
        reason = f"the design does not fit the {board}: needs {needed} of {total} LUTs"
        figures = [
            missing(key, unit, text, reason)
            for name, (key, unit, text) in specs.items()
            if name != "cells"
        ]
        key, unit, text = specs["cells"]
        if isinstance(needed, int | float):
            text = f"LUTs the design needs on {board} (does not fit: {total} available)"
            figures.append(measured(key, needed, unit, text, source="computed"))
        else:
            figures.append(missing(key, unit, text, reason))
        return figures
    fmax = _search(report, ("fmax_mhz", "max_frequency_mhz", "fmax"))
    clock = _search(report, ("clock_mhz",))
    cells = _search(report, ("luts_used", "cells", "logic_cells", "luts", "lc"))
    board_cycles = _search(report, _CYCLES_KEYS)
    if cycles is None:
        cycles = board_cycles
    values = {
        "fmax": fmax,
        "clock": clock,
        "cells": cells,
        "ns": cycles / clock * 1e3 if cycles is not None and clock else None,
        "ns_fmax": cycles / fmax * 1e3 if cycles is not None and fmax else None,
    }
    figures = []
    for name, (key, unit, text) in specs.items():
        value = values[name]
        if value is None:
            figures.append(missing(key, unit, text, f"not in bitstreams/{board}/report.json"))
            continue
        baseline = "reference.stac_t0_tick_to_trade_ns" if unit == "ns" else None
        figures.append(measured(key, value, unit, text, source="computed", baseline=baseline))
    return figures
