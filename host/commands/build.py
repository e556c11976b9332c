"""``quantum build``: synthesise the guard bitstream for a board and write its report."""

import argparse
import logging

from rich.console import Console
from rich.table import Table

from hdl.boards.board_top import DEFAULT_BAUD
from host.boards.build import BuildError, build_bitstream, build_paths
from host.boards.catalog import BOARDS, board_spec
from host.boards.report import BoardReport

__all__ = ["register", "run"]

_log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    parser = subparsers.add_parser(
        "build",
        help="build the guard bitstream for a board (Yosys + nextpnr from PyPI)",
        description=(
            "Synthesise, place and route the guard gateware for a board with the YoWASP "
            "tools and write bitstreams/<board>/ (bitstream, report.json, report.txt). "
            "Other FPGA sizes go to build/bitstreams/<board>-<variant>/."
        ),
    )
    parser.add_argument(
        "--board", choices=sorted(BOARDS), default="icebreaker", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--variant",
        default=None,
        help="FPGA size, e.g. 12F/25F/45F/85F on the ULX3S (default: the board's: "
        + ", ".join(f"{name} {spec.default_variant}" for name, spec in sorted(BOARDS.items()))
        + ")",
    )
    parser.add_argument(
        "--clock-mhz",
        type=int,
        default=None,
        help="clock of the guard in whole MHz (default: the board's: "
        + ", ".join(
            f"{name} {spec.default_clock_hz // 1_000_000}" for name, spec in sorted(BOARDS.items())
        )
        + ")",
    )
    parser.add_argument(
        "--baud",
        type=int,
        default=DEFAULT_BAUD,
        help="UART rate of the link (default: %(default)s)",
    )
    parser.add_argument(
        "--module-stats",
        action="store_true",
        help="also count Yosys cells per module (done anyway above 60%% logic use)",
    )
    parser.add_argument(
        "--allow-timing-failure",
        action="store_true",
        help="write the bitstream even if nextpnr's fmax is below the clock (unsafe)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build, print the report; exit 1 when the build fails or misses timing."""
    console = Console()
    spec = board_spec(args.board)
    clock_hz = None if args.clock_mhz is None else args.clock_mhz * 1_000_000
    try:
        paths = build_paths(spec, args.variant)
        console.print(
            f"Building the guard for {spec.title} in {paths.work} "
            "(the first run compiles the YoWASP tools, about a minute)..."
        )
        report = build_bitstream(
            spec,
            variant=args.variant,
            clock_hz=clock_hz,
            baud=args.baud,
            allow_timing_failure=args.allow_timing_failure,
            module_stats=args.module_stats,
        )
    except (BuildError, ValueError) as error:
        console.print(f"[bold red]Build failed:[/] {error}")
        return 1
    console.print(_report_table(report))
    console.print(f"Wrote {paths.bitstream} and its report.json / report.txt.")
    if not report.timing_met:
        console.print("[bold red]Timing NOT met: do not flash this bitstream.[/]")
        return 1
    return 0


def _report_table(report: BoardReport) -> Table:
    table = Table(title=f"{report.board} ({report.device})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("clock", f"{report.clock_mhz:.2f} MHz")
    table.add_row(
        "fmax (nextpnr)", f"{report.fmax_mhz:.2f} MHz ({report.timing_margin_percent:+.1f} %)"
    )
    table.add_row(
        "logic", f"{report.luts_used} / {report.luts_total} ({report.luts_percent:.1f} %)"
    )
    table.add_row("DSP", f"{report.dsp_used} / {report.dsp_total}")
    table.add_row("block RAM", f"{report.bram_used} / {report.bram_total}")
    table.add_row(
        "verdict latency",
        f"{report.verdict_latency_cycles} cycles = {report.verdict_latency_ns:.1f} ns at fmax",
    )
    table.add_row("gateware sha256", report.source_sha256[:16] + "...")
    return table
