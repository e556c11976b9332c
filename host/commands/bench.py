"""``quantum bench``: measure every part on this machine and write the results file and plot."""

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from host.bench.results import DEFAULT_RESULTS_PATH, Results, format_value
from host.bench.runner import SECTIONS, run_bench
from host.bench.sections import ROOT

__all__ = ["register", "run", "PARTIAL_RESULTS_PATH", "output_path"]

#: Where ``--only`` and ``--quick`` runs write unless told otherwise.
PARTIAL_RESULTS_PATH = ROOT / "build" / "bench" / "results.json"


def output_path(out: Path | None, *, only: list[str], quick: bool) -> Path:
    """The results file a run writes: ``out`` if given, else the committed file for a full
    run and a scratch file under build/ for a partial or quick one."""
    if out is not None:
        return out
    return PARTIAL_RESULTS_PATH if (only or quick) else DEFAULT_RESULTS_PATH


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure the gateware, link, host and dashboard; write results.json and a plot",
        description=(
            "Run every bench section on this machine and write the results file (figures with "
            "their same-run baselines, machine and versions) and a latency plot beside it. "
            "A figure that cannot be measured is recorded as missing with the reason."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"results file to write, the plot beside it (default: {DEFAULT_RESULTS_PATH} for a "
        f"full run, {PARTIAL_RESULTS_PATH} with --only or --quick, so that a partial run never "
        "overwrites the committed results)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SECTIONS),
        default=[],
        metavar="SECTION",
        help=f"run only this section, repeatable; one of {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: seconds, noisier (default: %(default)s)"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also run NautilusTrader and hftbacktest on the same data, in a venv under "
        "build/peers/ (default: %(default)s)",
    )
    parser.add_argument(
        "--no-plot", action="store_true", help="skip the latency plot (default: %(default)s)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    extra = None
    if args.peers:
        from host.bench.peers import run_peers

        extra = run_peers
    with Progress(
        TextColumn("[bold]bench[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting", total=None)

        def report(section: str, index: int, total: int) -> None:
            progress.update(task, description=section, completed=index, total=total)

        outcome = run_bench(
            out=output_path(args.out, only=args.only, quick=args.quick),
            only=args.only,
            quick=args.quick,
            plot=not args.no_plot,
            extra=extra,
            progress=report,
        )
    console.print(_table(outcome.results))
    console.print(f"results: {outcome.results_path}")
    if outcome.plot_path:
        console.print(f"plot:    {outcome.plot_path}")
    absent = [f for f in outcome.results.figures.values() if f.value is None]
    if absent:
        console.print(f"[yellow]{len(absent)} figures missing (reasons in the file)[/]")
    return 0


def _table(results: Results) -> Table:
    table = Table(title=f"Quantum HFT bench, {results.date}", show_lines=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("vs baseline", justify="right")
    for figure in sorted(results.figures.values(), key=lambda f: f.key):
        if figure.published:
            continue
        ratio = f"{figure.ratio:.3g}× {figure.baseline}" if figure.ratio is not None else ""
        style = "dim" if figure.value is None else ""
        value = format_value(figure) if figure.value is not None else "missing"
        table.add_row(figure.key, value, ratio, style=style)
    return table
