"""The build report of a board's bitstream: what nextpnr achieved and what it was built from."""

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from host.boards.logic_by_register import format_logic_by_register
from host.boards.module_stats import format_module_cells

__all__ = [
    "REPORT_JSON",
    "REPORT_TXT",
    "Utilisation",
    "BoardReport",
    "UnfitReport",
    "parse_nextpnr_report",
    "parse_nextpnr_log_utilisation",
    "write_report",
    "read_report",
    "format_report",
]

REPORT_JSON = "report.json"
REPORT_TXT = "report.txt"


@dataclass(frozen=True)
class Utilisation:
    """Resource use and achieved clock read from nextpnr's ``--report`` JSON.

    Attributes
    ----------
    fmax_mhz : float
        The lowest achieved frequency over the design's clocks.
    constraint_mhz : float
        The constraint nextpnr worked to for that clock.
    cells : dict[str, tuple[int, int]]
        nextpnr cell type -> (used, available), for every type the device has.
    """

    fmax_mhz: float
    constraint_mhz: float
    cells: dict[str, tuple[int, int]]

    def used(self, cell_type: str | None) -> int:
        """Cells of ``cell_type`` used (0 when the design has none or the type is None)."""
        return self.cells.get(cell_type, (0, 0))[0] if cell_type else 0

    def available(self, cell_type: str | None) -> int:
        """Cells of ``cell_type`` the device has (0 when unknown)."""
        return self.cells.get(cell_type, (0, 0))[1] if cell_type else 0


def parse_nextpnr_report(report: dict[str, Any]) -> Utilisation:
    """Read the ``fmax`` and ``utilization`` sections of a nextpnr ``--report`` file.

    Raises
    ------
    ValueError
        If the report has no clock (nothing was timed, so no fmax can be claimed) or a
        section is malformed.
    """
    if not isinstance(report, dict):
        raise TypeError(f"nextpnr report must be a dict, not {report!r}")
    clocks = report.get("fmax")
    if not isinstance(clocks, dict) or not clocks:
        raise ValueError(f"nextpnr report must time at least one clock, not fmax={clocks!r}")
    try:
        # The slowest clock bounds the design (there is one clock domain today).
        slowest = min(clocks.values(), key=lambda clock: float(clock["achieved"]))
        fmax = float(slowest["achieved"])
        constraint = float(slowest["constraint"])
        cells = {
            str(name): (int(counts["used"]), int(counts["available"]))
            for name, counts in report.get("utilization", {}).items()
        }
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"nextpnr report must have fmax and utilization, not {error!r}") from None
    if not (math.isfinite(fmax) and fmax > 0):
        raise ValueError(f"nextpnr achieved fmax must be positive, not {fmax!r}")
    return Utilisation(fmax_mhz=fmax, constraint_mhz=constraint, cells=cells)


@dataclass(frozen=True)
class BoardReport:
    """Everything ``bitstreams/<board>/report.json`` records about one build.

    The latency figure is the gateware's, in cycles from the ORDER frame's delimiter byte to
    its ORDER_VERDICT beat (``GuardCore.VERDICT_LATENCY`` plus ``FrameDecoder.LATENCY``),
    the same number the simulation measures; the nanoseconds follow from the clock.
    """

    board: str
    variant: str
    device: str
    package: str
    clock_mhz: float
    fmax_mhz: float
    timing_met: bool
    luts_used: int
    luts_total: int
    dsp_used: int
    dsp_total: int
    bram_used: int
    bram_total: int
    ff_used: int | None
    verdict_latency_cycles: int
    verdict_latency_ns: float
    verdict_latency_ns_at_clock: float
    baud: int
    time_unit_cycles: int
    source_sha256: str
    bitstream: str
    bitstream_sha256: str
    bitstream_bytes: int
    toolchain: dict[str, str]
    built_at: str
    build_seconds: float
    cells: dict[str, list[int]] = field(default_factory=dict)
    module_cells: dict[str, dict[str, int]] = field(default_factory=dict)
    logic_by_register: dict[str, dict[str, int]] = field(default_factory=dict)

    #: ``report.json``'s ``status`` for a usable bitstream.
    STATUS = "built"

    @property
    def luts_percent(self) -> float:
        """Logic use in percent of the device."""
        return 100.0 * self.luts_used / self.luts_total if self.luts_total else 0.0

    @property
    def timing_margin_percent(self) -> float:
        """How far above the clock constraint the achieved fmax is, in percent."""
        return 100.0 * (self.fmax_mhz / self.clock_mhz - 1.0)

    def to_json(self) -> dict[str, Any]:
        """The report as written to ``report.json`` (plus the derived percentages)."""
        data = {"status": self.STATUS, **asdict(self)}
        data["luts_percent"] = round(self.luts_percent, 2)
        data["timing_margin_percent"] = round(self.timing_margin_percent, 2)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "BoardReport":
        """Read a report written by :meth:`to_json`; derived and unknown keys are ignored.

        Raises
        ------
        ValueError
            If a field is missing.
        """
        return _from_json(cls, data)


#: Report fields that older reports lack (they have a default).
_OPTIONAL_FIELDS = frozenset({"cells", "module_cells", "logic_by_register"})


def _from_json(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.name not in _OPTIONAL_FIELDS}
    missing = sorted(required - data.keys())
    if missing:
        raise ValueError(f"board report must have every field, missing {missing!r}")
    return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class UnfitReport:
    """``report.json`` of a board the current gateware does not fit (no bitstream).

    Published instead of a bitstream so that the checkout says so plainly, the old bitstream
    cannot be flashed by mistake, and the owners of the gateware see which blocks cost what.
    """

    board: str
    variant: str
    device: str
    package: str
    clock_mhz: float
    luts_needed: int
    luts_total: int
    dsp_needed: int
    dsp_total: int
    bram_needed: int
    bram_total: int
    source_sha256: str
    reason: str
    toolchain: dict[str, str]
    built_at: str
    module_cells: dict[str, dict[str, int]] = field(default_factory=dict)
    logic_by_register: dict[str, dict[str, int]] = field(default_factory=dict)

    #: ``report.json``'s ``status`` when the design does not fit.
    STATUS = "does_not_fit"

    @property
    def luts_percent(self) -> float:
        """Logic the design needs, in percent of the device."""
        return 100.0 * self.luts_needed / self.luts_total if self.luts_total else 0.0

    def to_json(self) -> dict[str, Any]:
        """The report as written to ``report.json``."""
        data = {"status": self.STATUS, **asdict(self)}
        data["luts_percent"] = round(self.luts_percent, 2)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "UnfitReport":
        """Read a report written by :meth:`to_json`.

        Raises
        ------
        ValueError
            If a field is missing.
        """
        return _from_json(cls, data)


_LOG_UTILISATION = re.compile(r"^Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", re.MULTILINE)


def parse_nextpnr_log_utilisation(log: str) -> dict[str, tuple[int, int]]:
    """nextpnr's "Device utilisation" table from its log: cell type -> (needed, available).

    Used when placement failed and no ``--report`` was written; the first table (printed
    after packing, before placement) holds what the design needs.
    """
    cells: dict[str, tuple[int, int]] = {}
    for name, used, available in _LOG_UTILISATION.findall(log):
        cells.setdefault(name, (int(used), int(available)))
    return cells


def write_report(report: "BoardReport | UnfitReport", folder: Path) -> None:
    """Write ``report.json`` and the readable ``report.txt`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT_JSON).write_text(json.dumps(report.to_json(), indent=2) + "\n")
    (folder / REPORT_TXT).write_text(format_report(report))


def read_report(folder: Path) -> "BoardReport | UnfitReport":
    """Read ``folder/report.json``: a :class:`BoardReport`, or an :class:`UnfitReport`.

    Raises
    ------
    FileNotFoundError
        If there is no report in ``folder``.
    ValueError
        If the report is not valid JSON or misses a field.
    """
    path = folder / REPORT_JSON
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} must be JSON, not malformed ({error})") from None
    status = data.get("status", BoardReport.STATUS) if isinstance(data, dict) else None
    if status == BoardReport.STATUS:
        return BoardReport.from_json(data)
    if status == UnfitReport.STATUS:
        return UnfitReport.from_json(data)
    raise ValueError(f"{path} status must be 'built' or 'does_not_fit', not {status!r}")


def format_report(report: "BoardReport | UnfitReport") -> str:
    """A plain-text summary of ``report`` for people (``report.txt``)."""
    if isinstance(report, UnfitReport):
        return _format_unfit(report)
    verdict = "met" if report.timing_met else "NOT MET"
    lines = [
        f"Quantum HFT guard bitstream: {report.board} ({report.variant})",
        "",
        f"device                 {report.device} ({report.package})",
        f"bitstream              {report.bitstream} ({report.bitstream_bytes} bytes)",
        f"bitstream sha256       {report.bitstream_sha256}",
        f"gateware sha256        {report.source_sha256}",
        f"built                  {report.built_at} in {report.build_seconds:.0f} s",
        "",
        f"clock                  {report.clock_mhz:.2f} MHz",
        f"fmax (nextpnr)         {report.fmax_mhz:.2f} MHz: timing {verdict} "
        f"({report.timing_margin_percent:+.1f} %)",
        f"logic                  {report.luts_used} / {report.luts_total} "
        f"({report.luts_percent:.1f} %)",
    ]
    if report.ff_used is not None:
        lines.append(f"flip-flops             {report.ff_used}")
    lines += [
        f"multipliers (DSP)      {report.dsp_used} / {report.dsp_total}",
        f"block RAM              {report.bram_used} / {report.bram_total}",
        "",
        f"verdict latency        {report.verdict_latency_cycles} cycles from the ORDER frame's "
        "last byte",
        f"                       = {report.verdict_latency_ns:.1f} ns at fmax, "
        f"{report.verdict_latency_ns_at_clock:.1f} ns at the {report.clock_mhz:.0f} MHz clock",
        f"link                   UART {report.baud} baud 8N1",
        f"time unit              {report.time_unit_cycles} cycles (1 us)",
        "",
        "toolchain              "
        + ", ".join(f"{name} {version}" for name, version in sorted(report.toolchain.items())),
    ]
    lines += _breakdowns(report)
    return "\n".join(lines) + "\n"


def _format_unfit(report: UnfitReport) -> str:
    lines = [
        f"Quantum HFT guard: {report.board} ({report.variant}): DOES NOT FIT, no bitstream",
        "",
        f"device                 {report.device} ({report.package})",
        f"gateware sha256        {report.source_sha256}",
        f"tried                  {report.built_at} at {report.clock_mhz:.2f} MHz",
        f"logic needed           {report.luts_needed} / {report.luts_total} "
        f"({report.luts_percent:.0f} % of the device)",
        f"multipliers (DSP)      {report.dsp_needed} / {report.dsp_total}",
        f"block RAM              {report.bram_needed} / {report.bram_total}",
        f"nextpnr                {report.reason}",
        "",
        "toolchain              "
        + ", ".join(f"{name} {version}" for name, version in sorted(report.toolchain.items())),
    ]
    lines += _breakdowns(report)
    return "\n".join(lines) + "\n"


def _breakdowns(report: "BoardReport | UnfitReport") -> list[str]:
    """The two tables of where the logic goes, when the build recorded them."""
    lines = []
    if report.module_cells:
        lines += ["", "cells per module (Yosys, before packing):"]
        lines += ["  " + line for line in format_module_cells(report.module_cells).splitlines()]
    if report.logic_by_register:
        lines += [
            "",
            "logic by register (Yosys cells feeding each register, memory or multiplier; "
            "shared cells split evenly):",
        ]
        table = format_logic_by_register(report.logic_by_register)
        lines += ["  " + line for line in table.splitlines()]
    return lines
