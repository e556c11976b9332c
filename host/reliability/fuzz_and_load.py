"""The long runs of the CSV fuzz, the API fuzz and the WebSocket load, for
``python -m host.reliability`` (their short runs are tests), and its ``--only`` selector."""

import argparse
import asyncio
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "runs", "select", "skipped"]

_selected: set[str] = set()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of these scenarios, and ``--only``."""
    parser.add_argument(
        "--csv-cases", type=int, default=100_000, help="generated CSV files, 0: skip"
    )
    parser.add_argument(
        "--api-examples",
        type=int,
        default=40,
        help="API cases per operation, role and valid/invalid mode, 0: skip",
    )
    parser.add_argument(
        "--ws-seconds", type=float, default=60.0, help="WebSocket load duration, 0: skip"
    )
    parser.add_argument("--ws-clients", type=int, default=50, help="(default: %(default)s)")
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="NAME",
        help="run only these scenarios (names as in summary.json)",
    )


def select(args: argparse.Namespace) -> None:
    """Remember ``--only`` for :func:`skipped`."""
    _selected.clear()
    _selected.update(args.only)


def skipped(name: str) -> bool:
    """Whether ``--only`` leaves scenario ``name`` out."""
    return bool(_selected) and name not in _selected


def runs(args: argparse.Namespace) -> dict[str, Callable[[], dict[str, Any]]]:
    """The scenarios to run, by name, as ``python -m host.reliability`` calls them."""
    selected: dict[str, Callable[[], dict[str, Any]]] = {}
    if args.csv_cases:
        selected["csv_fuzz"] = lambda: csv_fuzz(args.csv_cases, args.seed)
    if args.api_examples:
        selected["api_fuzz"] = lambda: api_fuzz(args.api_examples, args.seed)
    if args.ws_seconds:
        selected["websocket_load"] = lambda: websocket_load(args.ws_seconds, args.ws_clients)
    return {name: run for name, run in selected.items() if not skipped(name)}


def csv_fuzz(cases: int, seed: int) -> dict[str, Any]:
    """Every generated file loads as the reference says or fails naming file and line."""
    from host.reliability.csv_fuzz import fuzz_csv

    # Hundreds of thousands of expected "skipped bad row" warnings would bury the figures.
    logging.getLogger("host.data.loaders").setLevel(logging.ERROR)
    report = fuzz_csv(cases, seed)
    return {"passed": report.finding_count == 0, **report.as_dict()}


def api_fuzz(examples: int, seed: int) -> dict[str, Any]:
    """No 5xx on any route for any caller; every 4xx carries a readable detail."""
    from host.reliability.api_fuzz import fuzz_api

    # Failed logins and refused tokens are what the fuzzer sends; their warnings are noise.
    logging.getLogger("dashboard").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as work_dir:
        report = fuzz_api(Path(work_dir), max_examples=examples, seed=seed)
    figures = report.as_dict()
    return {"passed": report.finding_count == 0 and figures["server_errors"] == 0, **figures}


def websocket_load(seconds: float, clients: int) -> dict[str, Any]:
    """Every client receives every event id in order; the processes' memory stays bounded."""
    from host.reliability.ws_load import run_ws_load

    with tempfile.TemporaryDirectory() as work_dir:
        result = asyncio.run(run_ws_load(Path(work_dir), seconds=seconds, clients=clients))
    return result.as_dict()
