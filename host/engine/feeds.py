"""Live feeds for paper trading: replay of CSV data at a chosen speed, or the exchange's
public streams. Both yield the engine's event tuples (fields of ``EVENT_DTYPE``)."""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from host.data.loaders import MarketData, load_directory

__all__ = ["FeedSpec", "parse_feed", "replay_feed", "exchange_feed"]

Event = tuple[int, int, int, int, int, int, float, float, float, float]


class FeedSpec:
    """A parsed ``--feed``: ``replay:DIR[:SPEED]`` or ``exchange:ID``."""

    def __init__(self, kind: str, target: str, speed: float) -> None:
        self.kind, self.target, self.speed = kind, target, speed

    def __repr__(self) -> str:
        return f"FeedSpec({self.kind!r}, {self.target!r}, {self.speed!r})"


def parse_feed(spec: str) -> FeedSpec:
    """Parse a feed spec; SPEED is a multiple of real time (0 = as fast as possible).

    Raises
    ------
    ValueError
        Neither ``replay:`` nor ``exchange:``, or a negative speed.
    """
    kind, _, rest = spec.partition(":")
    if kind == "exchange" and rest:
        return FeedSpec("exchange", rest, 1.0)
    if kind == "replay" and rest:
        target, _, speed_text = rest.rpartition(":")
        try:
            speed = float(speed_text) if target else 1.0
        except ValueError:
            target, speed = rest, 1.0
        if not target:
            target = rest
        if speed < 0:
            raise ValueError(f"Replay speed must be >= 0, not {speed!r}")
        return FeedSpec("replay", target, speed)
    raise ValueError(f"Feed must be replay:DATA_DIR[:SPEED] or exchange:EXCHANGE_ID, not {spec!r}")


async def replay_feed(
    data: MarketData | Path | str, *, speed: float = 1.0, after_us: int | None = None
) -> AsyncIterator[Event]:
    """Yield recorded events paced at ``speed`` x real time (0: no pacing, but yielding to
    the event loop every few hundred events so heartbeats and commands still run); with
    ``after_us``, only the events received after that time (microseconds)."""
    if not isinstance(data, MarketData):
        data = load_directory(data)
    events = data.events if after_us is None else data.events[data.events["ts"] > after_us]
    rows: list[Event] = events.tolist()
    if not rows:
        return
    t0 = rows[0][0]
    started = time.monotonic()
    for count, row in enumerate(rows):
        if speed > 0:
            delay = (row[0] - t0) / 1e6 / speed - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
        elif count % 256 == 0:
            await asyncio.sleep(0)
        yield row


async def exchange_feed(
    adapter: Any, symbols: Sequence[str], market_ids: Sequence[str]
) -> AsyncIterator[Event]:
    """Yield live events from the exchange's public streams, stamped with our receive time
    (so the sanitizer's latency rule measures the real exchange-to-us delay)."""
    from host.exchange.binanceusdm import bidask_event, liquidation_event, trade_event

    index = {symbol: i for i, symbol in enumerate(symbols)}
    convert = {"trade": trade_event, "bidask": bidask_event, "liquidation": liquidation_event}
    async for symbol, kind, payload in adapter.events(symbols):
        sym = index.get(symbol)
        if sym is None:
            continue
        yield convert[kind](payload, sym, int(time.time() * 1000))
