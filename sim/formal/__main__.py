"""``python -m sim.formal``: prove the gateware's properties (what ``make formal`` runs).

Writes ``build/formal/summary.json`` and prints a table; exits 1 if any property failed,
2 if SymbiYosys could not run. ``--mutants`` also runs every deliberate fault of
:mod:`sim.formal.mutants` and fails unless each one is caught by its property.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS
from sim.formal.mutants import MUTANTS, load_mutant
from sim.formal.runner import FormalToolError, Outcome
from sim.formal.suite import DEFAULT_DEPTH, PropertyResult, property_checks, run_property, run_suite

__all__ = ["main"]

_STYLE = {Outcome.PROVEN: "green", Outcome.BOUNDED: "cyan", Outcome.FAILED: "bold red"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim.formal", description=__doc__)
    parser.add_argument(
        "--depth", type=int, default=DEFAULT_DEPTH, help="bounded depth (default: %(default)s)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated property ids, e.g. P1,P6 (default: all)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("build/formal"),
        help="work folder and summary.json (default: %(default)s)",
    )
    parser.add_argument(
        "--instruments",
        type=int,
        default=N_INSTRUMENTS,
        help="instrument rows of the core checked (default: %(default)s, the full build)",
    )
    parser.add_argument(
        "--slots",
        type=int,
        default=N_ORDER_SLOTS,
        help="order slots of the core checked (default: %(default)s, the full build)",
    )
    parser.add_argument("--no-cover", action="store_true", help="skip the non-vacuity cover runs")
    parser.add_argument(
        "--mutants", action="store_true", help="also check that each injected fault is caught"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the suite; see the module docstring for exit codes."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    size = {"n_instruments": args.instruments, "n_order_slots": args.slots}
    try:
        checks = property_checks(**size)
    except (TypeError, ValueError) as error:
        console.print(f"Core size must be one GuardCore can build: {error}")
        return 2
    if args.only:
        wanted = {item.strip().upper() for item in args.only.split(",") if item.strip()}
        unknown = wanted - {check.id for check in checks}
        if unknown:
            console.print(f"Property ids must be among P1..P6, not {sorted(unknown)!r}")
            return 2
        checks = [check for check in checks if check.id in wanted]

    table = Table(title=f"Gateware properties (bounded depth {args.depth})")
    for column in ("id", "property", "result", "depth", "configuration", "seconds", "failing"):
        table.add_column(column)

    def show(result: PropertyResult) -> None:
        failing = next((c.failed_assertions for c in result.checks if c.failed_assertions), ())
        console.print(f"{result.id}: {result.outcome} ({result.seconds:.0f} s)")
        table.add_row(
            result.id,
            result.title,
            f"[{_STYLE.get(result.outcome, '')}]{result.outcome}[/]",
            str(result.depth),
            result.configuration,
            f"{result.seconds:.1f}",
            "; ".join(failing)[:80],
        )

    try:
        summary = run_suite(
            checks, depth=args.depth, workdir=args.output, cover=not args.no_cover, on_result=show
        )
    except FormalToolError as error:
        console.print(str(error))
        return 2
    console.print(table)
    console.print(
        f"{summary['properties']} properties: {summary['proven']} proven, "
        f"{summary['bounded']} bounded to {summary['depth']} cycles, {summary['failed']} failed"
    )
    failed = summary["failed"] > 0
    if args.mutants:
        failed = _check_mutants(console, args.depth, args.output, size) or failed
    return 1 if failed else 0


def _check_mutants(console: Console, depth: int, output: Path, size: dict[str, int]) -> bool:
    """Run each mutant's property; True if some mutant escaped."""
    escaped = False
    with tempfile.TemporaryDirectory() as folder:
        for mutant in MUTANTS:
            cls = load_mutant(mutant, Path(folder))
            instruments, slots = size["n_instruments"], size["n_order_slots"]
            if mutant.class_name == "FrameDecoder":
                checks = property_checks(
                    decoder_class=cls, n_instruments=instruments, n_order_slots=slots
                )
            else:
                checks = property_checks(
                    core_class=cls, n_instruments=instruments, n_order_slots=slots
                )
            check = next(c for c in checks if c.id == mutant.caught_by)
            result = run_property(
                check, depth=depth, workdir=output / "mutants" / mutant.name, cover=False
            )
            caught = result.outcome is Outcome.FAILED
            escaped = escaped or not caught
            where = next((c.trace for c in result.checks if c.trace), None)
            console.print(
                f"mutant {mutant.name} ({mutant.description}): "
                f"{'caught by ' + mutant.caught_by if caught else 'NOT CAUGHT'}"
                f"{f', counterexample {where}' if where else ''}"
            )
    return escaped


if __name__ == "__main__":
    sys.exit(main())
