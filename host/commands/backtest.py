"""``quantum backtest``: replay CSV data through the whole pipeline, report and plot."""

import argparse
import json
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from host.broker.paper import RealismConfig
from host.engine.config import EngineConfig

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="replay CSV market data through sanitizer, guard lines, strategy and paper broker",
        description=(
            "Replay files in the exchange's CSV layouts (or `quantum data generate` output) "
            "through the engine on event time, and write a JSON report and a plot."
        ),
    )
    parser.add_argument("data_dir", type=Path, help="directory of <SYMBOL>-<layout>...csv files")
    parser.add_argument(
        "--guard",
        default="model",
        help="first line: model (reference model, fast path), model-reference (the same on the "
        "event-by-event asyncio engine), model-bytes, sim, sim:PATH, serial:PORT "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--report", type=Path, help="write the JSON report here (default: %(default)s)"
    )
    parser.add_argument("--plot", type=Path, help="write the PNG plot here (default: %(default)s)")
    parser.add_argument(
        "--realism",
        type=int,
        choices=range(5),
        default=4,
        help="paper broker realism rung, 0 ideal .. 4 everything (default: %(default)s)",
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip and count rows that do not parse instead of stopping (default: %(default)s)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (default: %(default)s)"
    )
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from host.backtest.plot import plot_backtest
    from host.backtest.runner import run_backtest
    from host.data.loaders import load_directory

    console = Console(stderr=True)
    config = replace(EngineConfig(), realism=RealismConfig.level(args.realism))
    try:
        data = load_directory(args.data_dir, skip_bad_rows=args.skip_bad_rows)
    except ValueError as error:  # BadRowError included: say which file and line, then stop
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        if "must have" in str(error) or "must be" in str(error):
            console.print("(use --skip-bad-rows to skip and count bad rows instead)")
        return 2
    if data.stats.total_bad_rows:
        console.print(f"[yellow]skipped {data.stats.total_bad_rows} bad rows[/yellow]")
    with Progress(
        TextColumn("backtest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=args.no_progress,
    ) as progress:
        task = progress.add_task("events", total=len(data.events))
        result = await run_backtest(
            data,
            guard=args.guard,
            config=config,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    report = result.report
    report["data_dir"] = str(args.data_dir)
    table = Table(
        title=f"Backtest on guard backend {report['guard_backend']}"
        + ("" if report["hardware"] else " (not hardware)")
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in (
        "events",
        "events_per_s",
        "orders",
        "trades",
        "pnl",
        "fees",
        "max_drawdown",
        "hit_rate",
    ):
        table.add_row(key, str(report[key]))
    for line, reasons in report["rejects"].items():
        table.add_row(f"rejects {line}", ", ".join(f"{k}={v}" for k, v in reasons.items()) or "-")
    Console().print(table)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, sort_keys=True))
        console.print(f"report: {args.report}")
    if args.plot:
        plot_backtest(result.engine, args.plot)
        console.print(f"plot: {args.plot}")
    return 0
