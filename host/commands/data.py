"""``quantum data``: generate a synthetic market, or record the exchange's public streams."""

import argparse
from pathlib import Path

from rich.console import Console

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "data", help="market data: generate synthetic files or record live public streams"
    )
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    generate = actions.add_parser(
        "generate", help="write a seeded synthetic market with liquidation cascades"
    )
    generate.add_argument("--out", type=Path, required=True, help="directory to write into")
    generate.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    generate.add_argument(
        "--events",
        type=int,
        default=200_000,
        help="approximate rows in total (default: %(default)s)",
    )
    generate.add_argument(
        "--symbols",
        nargs="+",
        default=["BTCUSDT", "ETHUSDT"],
        help="symbols to generate (default: %(default)s)",
    )
    generate.set_defaults(func=run_generate)

    record = actions.add_parser(
        "record",
        help="record trades, best bid/ask and forced liquidations from public streams (ccxt.pro)",
    )
    record.add_argument(
        "--exchange", default="binanceusdm", help="ccxt exchange id (default: %(default)s)"
    )
    record.add_argument(
        "--symbols",
        nargs="+",
        default=["BTC/USDT:USDT", "ETH/USDT:USDT"],
        help="ccxt symbols to record (default: %(default)s)",
    )
    record.add_argument("--out", type=Path, required=True, help="directory to write into")
    record.add_argument(
        "--duration",
        type=float,
        default=None,
        help="seconds to record; none = until Ctrl-C (default: %(default)s)",
    )
    record.set_defaults(func=run_record)


def run_generate(args: argparse.Namespace) -> int:
    from host.data.generator import generate

    rows = generate(args.out, seed=args.seed, events=args.events, symbols=args.symbols)
    Console(stderr=True).print(f"wrote {rows} rows for {', '.join(args.symbols)} to {args.out}")
    return 0


async def run_record(args: argparse.Namespace) -> int:
    from host.data.recorder import record

    rows = await record(
        exchange_id=args.exchange, symbols=args.symbols, out=args.out, duration_s=args.duration
    )
    Console(stderr=True).print(f"recorded {rows} rows to {args.out}")
    return 0
