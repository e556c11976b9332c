"""The ccxt adapter offline: markets from a saved raw response, stream payloads through
ccxt.pro's own handle_message, events for the engine, and orders refused off demo trading."""

import json
from pathlib import Path
from typing import Any

import ccxt.pro as ccxt_pro
import pytest

from host.data.events import EventKind
from host.exchange import DemoOnlyError, ExchangeAdapter, ExchangeConfigurationError, build_exchange
from host.exchange.binanceusdm import (
    API_KEY_ENV,
    API_SECRET_ENV,
    bidask_event,
    liquidation_event,
    trade_event,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXCHANGE_INFO = json.loads((FIXTURES / "binanceusdm_exchange_info.json").read_text())
STREAM = json.loads((FIXTURES / "binanceusdm_stream.json").read_text())
AGG_TRADE, BOOK_TICKER, FORCE_ORDER = STREAM["aggTrade"], STREAM["bookTicker"], STREAM["forceOrder"]


class StubClient:
    """Enough of a ccxt.pro websocket client for handle_message: collects what it resolves."""

    url = "wss://fstream.binance.com/ws"

    def __init__(self) -> None:
        self.subscriptions: dict[str, Any] = {}
        self.futures: dict[str, Any] = {}
        self.resolved: dict[str, Any] = {}

    def resolve(self, result: Any, message_hash: str) -> None:
        self.resolved[message_hash] = result

    def reject(self, *args: Any) -> None:
        raise AssertionError(f"rejected: {args}")


async def offline(exchange: Any) -> Any:
    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        assert url.endswith("/fapi/v1/exchangeInfo"), url
        return EXCHANGE_INFO

    exchange.fetch = fetch
    await exchange.load_markets()
    return exchange


@pytest.fixture
async def stream() -> Any:
    exchange = await offline(ccxt_pro.binanceusdm())
    yield exchange
    await exchange.close()


async def test_load_markets_when_saved_exchange_info_then_instruments_from_precision() -> None:
    adapter = ExchangeAdapter(public=await offline(build_exchange(demo=False)))
    try:
        markets = await adapter.load_markets()
        assert {"BTC/USDT:USDT", "ETH/USDT:USDT"} <= set(markets)
        instrument = adapter.instrument("BTC/USDT:USDT", 0)
        assert (instrument.symbol, instrument.tick_size, instrument.lot_size) == (
            "BTCUSDT",
            0.1,
            0.001,
        )
        assert instrument.min_price == 5568
        assert adapter.instrument("ETH/USDT:USDT", 1).tick_size == 0.01
        with pytest.raises(ExchangeConfigurationError, match=r"^Symbol must be a loaded market"):
            adapter.instrument("DOGE/USDT:USDT", 2)
    finally:
        await adapter.close()


async def test_handle_message_when_agg_trade_then_engine_trade_event(stream: Any) -> None:
    client = StubClient()
    stream.handle_message(client, AGG_TRADE)
    (trade,) = client.resolved["trade::BTC/USDT:USDT"]
    event = trade_event(trade, sym=0, received_ms=1709251200130)
    assert event == (
        1709251200130_000,
        1709251200120_000,
        EventKind.TRADE,
        0,
        -1,
        5933014,
        43000.1,
        0.25,
        0.0,
        0.0,
    )


async def test_handle_message_when_book_ticker_then_quote_event_with_update_id(stream: Any) -> None:
    client = StubClient()
    stream.handle_message(client, BOOK_TICKER)
    ticker = client.resolved["bidask:bookTicker@BTC/USDT:USDT"]
    event = bidask_event(ticker, sym=1)
    assert event == (
        1709251200121_000,
        1709251200118_000,
        EventKind.QUOTE,
        1,
        0,
        400900217,
        43000.0,
        31.21,
        43000.1,
        40.66,
    )


async def test_handle_message_when_force_order_then_liquidation_with_computed_notional(
    stream: Any,
) -> None:
    client = StubClient()
    stream.handle_message(client, FORCE_ORDER)
    (liquidation,) = client.resolved["liquidations::BTC/USDT:USDT"]
    event = liquidation_event(liquidation, sym=0)
    assert event[2:5] == (EventKind.LIQUIDATION, 0, -1)
    assert event[6] * event[7] == pytest.approx(42900.5 * 0.014)  # notional: last qty x avg


async def test_fetch_liquidations_when_binanceusdm_then_says_to_record_the_stream() -> None:
    adapter = ExchangeAdapter(public=await offline(build_exchange(demo=False)))
    try:
        with pytest.raises(ExchangeConfigurationError, match=r"must come from the live stream"):
            await adapter.fetch_liquidations("BTC/USDT:USDT")
    finally:
        await adapter.close()


async def test_create_order_when_not_demo_trading_then_refused() -> None:
    live = build_exchange(demo=False)
    adapter = ExchangeAdapter(public=live, orders=live)
    try:
        with pytest.raises(DemoOnlyError, match=r"^Orders must go to the exchange's demo trading"):
            await adapter.create_order("BTC/USDT:USDT", "limit", "buy", 0.001, 40_000.0)
        with pytest.raises(DemoOnlyError):
            await adapter.cancel_all_orders("BTC/USDT:USDT")
        no_orders = ExchangeAdapter(public=live)
        with pytest.raises(DemoOnlyError):
            await no_orders.create_order("BTC/USDT:USDT", "market", "buy", 0.001)
    finally:
        await adapter.close()


async def test_build_exchange_when_demo_then_demo_urls_and_keys_from_env_only() -> None:
    env = {API_KEY_ENV: "k" * 16, API_SECRET_ENV: "s" * 16}
    exchange = build_exchange(demo=True, env=env)
    try:
        assert exchange.options["enableDemoTrading"] is True
        assert "demo" in json.dumps(exchange.urls["api"])
        assert exchange.apiKey == "k" * 16
        public = build_exchange(demo=False, env=env)
        assert not public.apiKey  # the public object never carries keys
        await public.close()
    finally:
        await exchange.close()


async def test_create_order_when_demo_then_reaches_demo_exchange() -> None:
    exchange = build_exchange(demo=True, env={})
    calls: list[tuple[Any, ...]] = []

    async def create_order(*args: Any) -> dict[str, Any]:
        calls.append(args)
        return {"id": "1"}

    exchange.create_order = create_order
    adapter = ExchangeAdapter(public=build_exchange(demo=False), orders=exchange)
    try:
        assert await adapter.create_order("BTC/USDT:USDT", "limit", "buy", 0.001, 40_000.0) == {
            "id": "1"
        }
        assert calls == [("BTC/USDT:USDT", "limit", "buy", 0.001, 40_000.0)]
    finally:
        await adapter.close()


def test_build_exchange_when_unknown_id_then_raises() -> None:
    with pytest.raises(
        ExchangeConfigurationError,
        match=r"^Exchange id must be one of ccxt's exchanges, not 'nope'$",
    ):
        build_exchange("nope", demo=False)


RAW_REST = {
    "/fapi/v1/aggTrades": [
        {
            "a": 26129,
            "p": "43000.10",
            "q": "0.500",
            "f": 27781,
            "l": 27781,
            "T": 1709251200120,
            "m": False,
        }
    ],
    "/fapi/v1/depth": {
        "lastUpdateId": 1027024,
        "E": 1709251200121,
        "T": 1709251200118,
        "bids": [["43000.00", "4.000"]],
        "asks": [["43000.10", "2.500"]],
    },
    "/fapi/v1/premiumIndex": {
        "symbol": "BTCUSDT",
        "markPrice": "43000.05",
        "indexPrice": "42995.00",
        "estimatedSettlePrice": "42990.00",
        "lastFundingRate": "0.00010000",
        "interestRate": "0.00010000",
        "nextFundingTime": 1709280000000,
        "time": 1709251200000,
    },
}


async def rest_adapter() -> ExchangeAdapter:
    exchange = build_exchange(demo=False)

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        path = url.split("binance.com", 1)[1].split("?", 1)[0]
        if path.endswith("/exchangeInfo"):
            return EXCHANGE_INFO
        return RAW_REST[path]

    exchange.fetch = fetch
    adapter = ExchangeAdapter(public=exchange)
    await adapter.load_markets()
    return adapter


async def test_fetch_trades_when_raw_agg_trades_then_unified_trades() -> None:
    adapter = await rest_adapter()
    try:
        (trade,) = await adapter.fetch_trades("BTC/USDT:USDT")
        assert (trade["price"], trade["amount"], trade["side"]) == (43000.1, 0.5, "buy")
        assert trade_event(trade, 0)[2:5] == (EventKind.TRADE, 0, 1)
    finally:
        await adapter.close()


async def test_fetch_order_book_and_funding_when_raw_then_parsed() -> None:
    adapter = await rest_adapter()
    try:
        book = await adapter.fetch_order_book("BTC/USDT:USDT")
        assert book["bids"][0][:2] == [43000.0, 4.0] and book["asks"][0][:2] == [43000.1, 2.5]
        funding = await adapter.fetch_funding_rate("BTC/USDT:USDT")
        assert funding["fundingRate"] == 0.0001
        assert funding["markPrice"] == 43000.05
    finally:
        await adapter.close()
