"""``quantum paper``: paper trading, live, through the guard lines, written to the store."""

import argparse
import asyncio
import contextlib
import datetime
import signal
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from host.data.loaders import MarketData
    from host.store import Store

__all__ = ["register", "run"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

#: Signals that stop a paper run cleanly (orders cancelled, kill latch left set).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "paper",
        help="paper trade live through both guard lines, writing everything to the database",
        description=(
            "Run ProductionEngineV2 on a live feed (a replay of CSV data, or the exchange's "
            "public streams) with the paper broker. No real orders are ever placed."
        ),
    )
    parser.add_argument(
        "--guard",
        default="sim",
        help="first line: sim | sim:PATH | serial:PORT | model (default: %(default)s)",
    )
    parser.add_argument(
        "--feed",
        required=True,
        help="replay:DATA_DIR[:SPEED] (SPEED x real time, 0 = no pacing) or exchange:binanceusdm",
    )
    parser.add_argument(
        "--from-start",
        action="store_true",
        help=(
            "replay from the first event even when the database holds an earlier run (by "
            "default a replay continues where the stored equity curve ends)"
        ),
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="seconds to run (default: %(default)s = until Ctrl-C)",
    )
    parser.add_argument(
        "--database",
        default=None,
        help="database URL (default: %(default)s = $DATABASE_URL or the SQLite file)",
    )
    parser.add_argument(
        "--symbols",
        nargs="+",
        default=["BTC/USDT:USDT", "ETH/USDT:USDT"],
        help="ccxt symbols for an exchange feed (default: %(default)s)",
    )
    parser.set_defaults(func=run)


#: :func:`_resume_after` when an earlier run replayed every event already.
_NOTHING_LEFT = -1


async def _resume_after(store: "Store", data: "MarketData", console: Console) -> int | None:
    """The event time (us) an earlier run on ``store`` got to, so that a replay continues
    after it instead of trading the same market a second time into the same account and
    charts; None when the store holds no run, :data:`_NOTHING_LEFT` when none is left."""
    last = await store.last_equity_time()
    if last is None:
        return None
    after_us = (last - _EPOCH) // datetime.timedelta(microseconds=1)
    left = int((data.events["ts"] > after_us).sum())
    when = f"{last:%Y-%m-%d %H:%M:%S} UTC"
    if not left:
        console.print(
            f"[yellow]Nothing left to replay: a run on this database already reached the "
            f"end of the data ({when}); the dashboard shows its results. To trade it again, "
            "use a new database (--database, or DATABASE_URL), or add --from-start (its "
            "trades then join the stored ones).[/yellow]"
        )
        return _NOTHING_LEFT
    console.print(
        f"resuming the replay after {when}, where the stored run ends: {left:,} of "
        f"{len(data.events):,} events left (--from-start replays them all)"
    )
    return after_us


async def run(args: argparse.Namespace) -> int:
    from host.engine.config import EngineConfig
    from host.engine.feeds import exchange_feed, parse_feed, replay_feed
    from host.engine.production_engine_v2 import ProductionEngineV2
    from host.link.client import GuardClient
    from host.store import Store

    console = Console(stderr=True)
    feed_spec = parse_feed(args.feed)
    config = EngineConfig()
    adapter = None
    if feed_spec.kind == "replay":
        from host.data.loaders import load_directory

        data = load_directory(feed_spec.target)
        symbols = data.symbols
    else:
        from host.exchange.binanceusdm import ExchangeAdapter

        adapter = ExchangeAdapter(exchange_id=feed_spec.target)
        markets = await adapter.stream.load_markets()
        market_ids = [markets[s]["id"] for s in args.symbols]
        symbols = market_ids
        feed = exchange_feed(adapter, args.symbols, market_ids)
    # the store first: without it nothing may trade, so a missing database starts no gateware
    store = None
    try:
        store = await Store.open(args.database)
        if feed_spec.kind == "replay":
            after_us = None if args.from_start else await _resume_after(store, data, console)
            if after_us == _NOTHING_LEFT:
                await store.close()
                return 0
            feed = replay_feed(data, speed=feed_spec.speed, after_us=after_us)
        guard = await GuardClient.connect(args.guard, timeout=config.guard_timeout_s)
    except BaseException:
        if store is not None:
            await store.close()
        if adapter is not None:
            await adapter.close()
        raise
    label = guard.backend + ("" if guard.backend.startswith("serial:") else " (not hardware)")
    console.print(
        f"[bold]paper trading[/bold] on guard backend [cyan]{label}[/cyan], feed {args.feed}"
    )
    engine = ProductionEngineV2(config, guard, symbols=symbols, store=store)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    # Ctrl-C, or SIGTERM from a service manager or `kill`: cancel the run; run_live's finally
    # cancels every order and latches the kill, the same clean stop for both.
    for stop_signal in _STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(stop_signal, lambda: task.cancel() if task else None)
    try:
        # After a link death the engine reconnects by itself (a new sim-serve for --guard
        # sim) but stays halted until an operator re-arms from the dashboard.
        await engine.run_live(
            feed,
            duration_s=args.duration,
            relink=lambda: GuardClient.connect(args.guard, timeout=config.guard_timeout_s),
        )
    except asyncio.CancelledError:
        console.print("[yellow]interrupted: orders cancelled, kill latch left set[/yellow]")
    finally:
        for stop_signal in _STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(stop_signal)
        await guard.close()
        await engine.guard.close()  # the link attached after a link death, if any
        await store.close()
        if adapter is not None:
            await adapter.close()
    console.print(
        f"guard backend {label}: {engine.counts.events} events, {len(engine.orders)} orders, "
        f"{len(engine.fills)} fills, "
        f"equity {engine.equity():.2f}, halted={engine.halted} {engine.halt_reason}"
    )
    # A halt the operator did not ask for (link, alert, store) is a failure of the run.
    return 1 if engine.halted and not engine.halt_reason.startswith("KILL by") else 0
