"""The ``quantum`` console script: the disclaimer banner, then one subcommand per module."""

import argparse
import asyncio
import importlib
import inspect
import logging
import pkgutil
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from host import commands
from host.disclaimer import DISCLAIMER

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand found in :mod:`host.commands`."""
    parser = argparse.ArgumentParser(
        prog="quantum",
        description="Quantum HFT: FPGA pre-trade risk plus a Python host, for education only.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)"
    )
    parser.add_argument(
        "--no-banner", action="store_true", help="do not print the disclaimer banner"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``quantum``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.no_banner:
        Console(stderr=True).print(Panel(DISCLAIMER, title="Quantum HFT", style="bold yellow"))
    try:
        result = args.func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except KeyboardInterrupt:
        return 130
    except (ValueError, ConnectionError) as error:
        # Bad input (ValueError) or an unreachable board, port or database (ConnectionError):
        # their messages say what and how to fix it, so a user sees that, not a traceback.
        if args.verbose:
            raise
        message = Text("error: ", style="bold red")
        message.append(str(error))
        message.append(" (`quantum -v ...` shows the traceback)", style="dim")
        Console(stderr=True).print(message)
        return 2 if isinstance(error, ValueError) else 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
