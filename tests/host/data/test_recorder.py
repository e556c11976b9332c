"""The recorder offline: ccxt.pro parses raw stream payloads, the recorder writes them in the
exchange's layouts, and the loaders read them back."""

import json
from pathlib import Path
from typing import Any

import ccxt.pro as ccxt_pro
import pytest

from host.data.events import EventKind
from host.data.loaders import load_directory
from host.data.recorder import Recorder

FIXTURES = Path(__file__).parents[1] / "exchange" / "fixtures"
EXCHANGE_INFO = json.loads((FIXTURES / "binanceusdm_exchange_info.json").read_text())
STREAM = json.loads((FIXTURES / "binanceusdm_stream.json").read_text())
AGG_TRADE, BOOK_TICKER, FORCE_ORDER = STREAM["aggTrade"], STREAM["bookTicker"], STREAM["forceOrder"]


class StubClient:
    """Enough of a ccxt.pro websocket client for handle_message."""

    url = "wss://fstream.binance.com/ws"

    def __init__(self) -> None:
        self.subscriptions: dict[str, Any] = {}
        self.futures: dict[str, Any] = {}
        self.resolved: dict[str, Any] = {}

    def resolve(self, result: Any, message_hash: str) -> None:
        self.resolved[message_hash] = result


async def offline(exchange: Any) -> Any:
    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        return EXCHANGE_INFO

    exchange.fetch = fetch
    await exchange.load_markets()
    return exchange


async def test_recorder_when_stream_payloads_then_files_load_as_events(tmp_path: Path) -> None:
    stream = await offline(ccxt_pro.binanceusdm())
    try:
        client = StubClient()
        recorder = Recorder(tmp_path, tag="t")
        stream.handle_message(client, BOOK_TICKER)
        recorder.handle("BTCUSDT", "bidask", client.resolved["bidask:bookTicker@BTC/USDT:USDT"])
        stream.handle_message(client, AGG_TRADE)
        (trade,) = client.resolved["trade::BTC/USDT:USDT"]
        recorder.handle("BTCUSDT", "trade", trade)
        stream.handle_message(client, FORCE_ORDER)
        (liquidation,) = client.resolved["liquidations::BTC/USDT:USDT"]
        recorder.handle("BTCUSDT", "liquidation", liquidation)
        recorder.close()
    finally:
        await stream.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "BTCUSDT-aggTrades-t.csv",
        "BTCUSDT-bookTicker-t.csv",
        "BTCUSDT-liquidationSnapshot-t.csv",
    ]
    data = load_directory(tmp_path)
    by_kind = {event[2]: event for event in data.events.tolist()}
    quote = by_kind[EventKind.QUOTE]
    trade_event = by_kind[EventKind.TRADE]
    liquidation_event = by_kind[EventKind.LIQUIDATION]
    assert (
        quote[2] == EventKind.QUOTE
        and quote[5] == 400900217
        and quote[6:] == (43000.0, 31.21, 43000.1, 40.66)
    )
    assert (
        trade_event[2] == EventKind.TRADE
        and trade_event[4] == -1
        and trade_event[6:8] == (43000.1, 0.25)
    )
    assert liquidation_event[2] == EventKind.LIQUIDATION and liquidation_event[4] == -1
    assert liquidation_event[6:8] == (42900.5, 0.014)


def test_recorder_when_payload_incomplete_then_counted_not_written(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, tag="t")
    recorder.handle("BTCUSDT", "trade", {"info": {}})
    recorder.close()
    assert (recorder.rows, recorder.bad) == (0, 1)


def test_recorder_when_kind_unknown_then_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Payload kind must be one of"):
        Recorder(tmp_path).handle("BTCUSDT", "kline", {})


class FakeAdapter:
    """Stands in for ExchangeAdapter: markets and a finite stream of unified payloads."""

    def __init__(self, payloads: list[tuple[str, str, Any]]) -> None:
        self.payloads = payloads
        self.closed = False

        class Stream:
            async def load_markets(self) -> dict[str, Any]:
                return {"BTC/USDT:USDT": {"id": "BTCUSDT"}}

        self.stream = Stream()

    async def events(self, symbols: list[str]):
        for item in self.payloads:
            yield item

    async def close(self) -> None:
        self.closed = True


async def test_record_when_stream_yields_then_writes_rows_and_closes(tmp_path: Path) -> None:
    from host.data.recorder import record

    stream = await offline(ccxt_pro.binanceusdm())
    try:
        client = StubClient()
        stream.handle_message(client, AGG_TRADE)
        (trade,) = client.resolved["trade::BTC/USDT:USDT"]
    finally:
        await stream.close()
    adapter = FakeAdapter([("BTC/USDT:USDT", "trade", trade)] * 3)
    rows = await record(
        exchange_id="binanceusdm", symbols=["BTC/USDT:USDT"], out=tmp_path, adapter=adapter
    )
    assert rows == 3
    assert adapter.closed
    (path,) = tmp_path.glob("BTCUSDT-aggTrades-*.csv")
    assert len(path.read_text().splitlines()) == 4  # header and three rows
