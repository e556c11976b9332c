"""Gateware figures: verdict latency in cycles (simulation) and in ns per board (place and route).

Inputs are files the other parts write: ``build/sim/summary.json`` from ``make sim`` and
``bitstreams/<board>/report.json`` from ``quantum build``. Reading files keeps a bench run
short; a missing file is a missing figure with the command that makes it.
"""

import json
import logging
from pathlib import Path
from typing import Any

from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, pick

__all__ = ["run", "BOARDS", "read_json"]

_log = logging.getLogger(__name__)

#: Boards the project builds for (amaranth-boards names, DESIGN.md).
BOARDS = ("icebreaker", "ulx3s")

_CYCLES_KEYS = ("verdict_latency_cycles", "order_verdict_cycles", "verdict_cycles")
_RATE_KEYS = ("cycles_per_s", "verilator_cycles_per_s", "cycles_per_second")


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


def run(context: BenchContext) -> list[Figure]:
    """Verdict latency (cycles, and ns on each board), Fmax, size, and Verilator speed."""
    summary_path = context.root / "build" / "sim" / "summary.json"
    summary = read_json(summary_path, context.root)
    figures: list[Figure] = []
    cycles: float | None = None
    if isinstance(summary, str):
        reason = f"{summary}: run `make sim`"
        figures += [
            missing(
                "gateware.verdict_latency_cycles", "cycles", "ORDER last byte -> verdict", reason
            ),
            missing("gateware.verilator_cycles_per_s", "cycles/s", "Verilator speed", reason),
        ]
    else:
        cycles = _search(summary, _CYCLES_KEYS)
        rate = _search(summary, _RATE_KEYS)
        text = "Clock cycles from the last byte of an ORDER frame to its verdict (constant)"
        figures.append(
            measured("gateware.verdict_latency_cycles", cycles, "cycles", text)
            if cycles is not None
            else missing("gateware.verdict_latency_cycles", "cycles", text, "not in summary.json")
        )
        text = "cocotb + Verilator simulated clock cycles per second of wall time"
        figures.append(
            measured(
                "gateware.verilator_cycles_per_s",
                rate,
                "cycles/s",
                text,
                baseline="reference.verilator_cycles_per_s",
            )
            if rate is not None
            else missing("gateware.verilator_cycles_per_s", "cycles/s", text, "not in summary.json")
        )
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
