"""``quantum sim``: run every gateware simulation suite (the same as ``make sim``)."""

import argparse

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sim`` subcommand."""
    parser = subparsers.add_parser(
        "sim",
        help="run the Verilator/cocotb simulation suites of the gateware",
        description=(
            "Builds the gateware with Verilator and runs every simulation suite: UART, framing, "
            "the directed scenarios and a seeded random differential run against the reference "
            "model. Writes build/sim/summary.json."
        ),
    )
    parser.add_argument(
        "--messages", type=int, default=20_000, help="random messages (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the suites and print the summary; returns 1 on any failure or mismatch."""
    from sim.__main__ import main

    return main(["--messages", str(args.messages), "--seed", str(args.seed)])
