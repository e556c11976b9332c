"""Record the exchange's public streams into its own CSV layouts (``quantum data record``).

Trades (aggTrade), best bid/ask (bookTicker) and forced liquidations (forceOrder) arrive from
ccxt.pro as unified structures with the raw payload in ``info``; :class:`Recorder` writes each
into ``<SYMBOL>-aggTrades-recorded-<start>.csv``, ``...-bookTicker-...`` and
``...-liquidationSnapshot-...`` with a header row, so the loaders read a recording exactly
like a file downloaded from the exchange. The USD-M exchange publishes no liquidation files:
recording the stream is the only way to get them (at most one per symbol per second).
"""

import contextlib
import csv
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from host.data.events import LAYOUTS

__all__ = ["Recorder", "record", "agg_trade_row", "book_ticker_row", "liquidation_row"]

logger = logging.getLogger(__name__)


def _bool(value: object) -> str:
    return "true" if value in (True, "true", "True") else "false"


def agg_trade_row(trade: Mapping[str, Any]) -> list[object]:
    """An aggTrades row from a ccxt unified trade of the aggTrade stream."""
    info = trade.get("info") or {}
    buyer_maker = info["m"] if "m" in info else trade.get("side") == "sell"
    return [
        info.get("a", trade.get("id")),
        info.get("p", trade["price"]),
        info.get("q", trade["amount"]),
        info.get("f", info.get("a", trade.get("id"))),
        info.get("l", info.get("a", trade.get("id"))),
        info.get("T", trade["timestamp"]),
        _bool(buyer_maker),
    ]


def book_ticker_row(ticker: Mapping[str, Any]) -> list[object]:
    """A bookTicker row from a ccxt best bid/ask of the bookTicker stream."""
    info = ticker.get("info") or {}
    return [
        info.get("u", 0),
        info.get("b", ticker["bid"]),
        info.get("B", ticker["bidVolume"]),
        info.get("a", ticker["ask"]),
        info.get("A", ticker["askVolume"]),
        info.get("T", ticker["timestamp"]),
        info.get("E", ticker["timestamp"]),
    ]


def liquidation_row(liquidation: Mapping[str, Any]) -> list[object]:
    """A liquidationSnapshot row from a ccxt liquidation of the forceOrder stream."""
    info = liquidation.get("info") or {}
    return [
        info.get("T", liquidation["timestamp"]),
        info.get("S", str(liquidation.get("side", "")).upper()),
        info.get("o", "LIMIT"),
        info.get("f", "IOC"),
        info.get("q", liquidation.get("contracts")),
        info.get("p", liquidation["price"]),
        info.get("ap", liquidation["price"]),
        info.get("X", "FILLED"),
        info.get("l", liquidation.get("contracts")),
        info.get("z", liquidation.get("contracts")),
    ]


_LAYOUT_OF = {"trade": "aggTrades", "bidask": "bookTicker", "liquidation": "liquidationSnapshot"}
_ROW_OF = {"trade": agg_trade_row, "bidask": book_ticker_row, "liquidation": liquidation_row}


class Recorder:
    """Writes stream payloads as CSV rows, one file per symbol and layout.

    Parameters
    ----------
    out : Path
        Directory (created if missing).
    tag : str
        Goes into the file names (default: the UTC start time).
    """

    def __init__(self, out: Path | str, *, tag: str | None = None) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.tag = tag or time.strftime("recorded-%Y-%m-%dT%H%M%S", time.gmtime())
        self._files: dict[tuple[str, str], tuple[IO[str], Any]] = {}
        self.rows = 0
        self.bad = 0

    def handle(self, market_id: str, kind: str, payload: Mapping[str, Any]) -> None:
        """Write one payload (``kind``: trade, bidask or liquidation) of ``market_id``
        (the exchange's id, e.g. BTCUSDT). A payload that cannot be written is counted and
        logged, never silently dropped."""
        if kind not in _LAYOUT_OF:
            raise ValueError(f"Payload kind must be one of {sorted(_LAYOUT_OF)}, not {kind!r}")
        try:
            row = _ROW_OF[kind](payload)
        except (KeyError, TypeError) as error:
            self.bad += 1
            logger.warning("recorder: cannot write %s payload of %s: %r", kind, market_id, error)
            return
        key = (market_id, _LAYOUT_OF[kind])
        if key not in self._files:
            path = self.out / f"{market_id}-{key[1]}-{self.tag}.csv"
            handle = path.open("w", newline="", encoding="utf-8")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(LAYOUTS[key[1]])
            self._files[key] = (handle, writer)
        self._files[key][1].writerow(row)
        self.rows += 1

    def flush(self) -> None:
        """Flush every open file."""
        for handle, _ in self._files.values():
            handle.flush()

    def close(self) -> None:
        """Close every file."""
        for handle, _ in self._files.values():
            handle.close()
        self._files.clear()


async def record(
    *,
    exchange_id: str,
    symbols: Sequence[str],
    out: Path | str,
    duration_s: float | None = None,
    adapter: Any | None = None,
) -> int:
    """Record the public streams of ``symbols`` (unified, e.g. ``BTC/USDT:USDT``) into
    ``out`` until ``duration_s`` passes (or forever); returns the rows written."""
    from host.exchange.binanceusdm import ExchangeAdapter

    adapter = adapter or ExchangeAdapter(exchange_id=exchange_id)
    recorder = Recorder(out)
    started = time.monotonic()
    try:
        markets = await adapter.stream.load_markets()
        ids = {symbol: markets[symbol]["id"] for symbol in symbols}
        async for symbol, kind, payload in adapter.events(symbols):
            recorder.handle(ids.get(symbol, symbol.replace("/", "").split(":")[0]), kind, payload)
            if recorder.rows % 1000 == 0:
                recorder.flush()
            if duration_s is not None and time.monotonic() - started >= duration_s:
                break
    finally:
        recorder.close()
        with contextlib.suppress(Exception):
            await adapter.close()
    return recorder.rows
