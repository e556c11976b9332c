"""``python -m sim`` (``make sim``): run every simulation suite and print the summary."""

import argparse
import logging
import sys

from rich.console import Console
from rich.table import Table

from sim.suite import SUITES, run_all

__all__ = ["main", "summary_table"]


def summary_table(summary: dict) -> Table:
    """A rich table of the summary document."""
    table = Table(title="Gateware simulation (Verilator + cocotb)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, suite in summary["suites"].items():
        table.add_row(f"suite {name}", f"{suite['passed']} passed, {suite['failed']} failed")
    table.add_row("random messages", f"{summary['random_messages']:,}")
    table.add_row("mismatches vs model", str(summary["mismatches"]))
    for reason, cycles in summary["verdict_latency_cycles"].items():
        table.add_row(f"verdict latency {reason}", f"{cycles} cycles")
    table.add_row("Verilator cycles/s (per-cycle cocotb)", f"{summary['cycles_per_second']:,}")
    table.add_row("wall time", f"{summary['seconds']} s")
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the suites; exit status 1 on any failure or mismatch."""
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    parser.add_argument(
        "--messages", type=int, default=20_000, help="random messages (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=[s.module for s in SUITES],
        help="run only this suite (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    summary = run_all(
        messages=args.messages,
        seed=args.seed,
        only=tuple(args.only),
        progress=lambda line: console.print(line, highlight=False),
    )
    console.print(summary_table(summary))
    ok = summary["failed"] == 0 and summary["mismatches"] == 0
    console.print("[green]all suites passed[/]" if ok else "[red]simulation FAILED[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
