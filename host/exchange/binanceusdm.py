"""ccxt adapter, Binance USD-M futures first: markets, trades, order book, best bid/ask,
funding and forced liquidations; orders on the exchange's *demo trading* only.

Two exchange objects, on purpose:

* a **public** one (no keys) for market data, REST (``ccxt.async_support``) and streams
  (``ccxt.pro``: ``watch_trades`` on aggTrade, ``watch_bids_asks``, ``watch_liquidations``);
* an **orders** one, built with ``enable_demo_trading(True)`` and keys from the environment
  (``QUANTUM_EXCHANGE_API_KEY`` / ``QUANTUM_EXCHANGE_API_SECRET``, never logged).
  :meth:`ExchangeAdapter.create_order` refuses any exchange object not in demo trading mode
  (:class:`DemoOnlyError`): there is no path to a real-money order.

The exchange's payloads become the engine's event tuples (the fields of
:data:`host.data.events.EVENT_DTYPE`) through :func:`trade_event`, :func:`bidask_event` and
:func:`liquidation_event`, the same conversion the recorder uses.
"""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro

from host.data.events import EventKind
from host.instruments import Instrument

__all__ = [
    "API_KEY_ENV",
    "API_SECRET_ENV",
    "DemoOnlyError",
    "ExchangeAdapter",
    "ExchangeConfigurationError",
    "EventTuple",
    "bidask_event",
    "build_exchange",
    "liquidation_event",
    "trade_event",
]

logger = logging.getLogger(__name__)

API_KEY_ENV = "QUANTUM_EXCHANGE_API_KEY"
API_SECRET_ENV = "QUANTUM_EXCHANGE_API_SECRET"

EventTuple = tuple[int, int, int, int, int, int, float, float, float, float]


class ExchangeConfigurationError(ValueError):
    """The exchange cannot be used as configured (unknown id, missing markets...)."""


class DemoOnlyError(ExchangeConfigurationError):
    """An order was about to go somewhere other than the exchange's demo trading."""


def build_exchange(
    exchange_id: str = "binanceusdm",
    *,
    demo: bool,
    streams: bool = False,
    env: Mapping[str, str] | None = None,
) -> Any:
    """A ccxt exchange object.

    Parameters
    ----------
    exchange_id : str
        ccxt id, e.g. ``"binanceusdm"``.
    demo : bool
        True: demo trading with keys from ``env``; False: public data only, no keys at all.
    streams : bool
        A ``ccxt.pro`` object (websocket streams) instead of ``ccxt.async_support``.
    env : mapping, optional
        Where keys are read from (default ``os.environ``).

    Raises
    ------
    ExchangeConfigurationError
        Unknown exchange id, or one without demo trading when ``demo`` is asked for.
    """
    module = ccxt_pro if streams else ccxt_async
    klass = getattr(module, exchange_id, None)
    if klass is None:
        raise ExchangeConfigurationError(
            f"Exchange id must be one of ccxt's{' pro' if streams else ''} exchanges, "
            f"not {exchange_id!r}"
        )
    config: dict[str, Any] = {"enableRateLimit": True}
    if demo:
        env = os.environ if env is None else env
        key, secret = env.get(API_KEY_ENV), env.get(API_SECRET_ENV)
        if key and secret:
            config["apiKey"], config["secret"] = key, secret
    exchange = klass(config)
    if demo:
        if not hasattr(exchange, "enable_demo_trading"):
            raise ExchangeConfigurationError(
                f"Exchange must offer demo trading for orders, not {exchange_id!r}"
            )
        exchange.enable_demo_trading(True)
    return exchange


def _is_demo(exchange: Any) -> bool:
    return bool(getattr(exchange, "options", {}).get("enableDemoTrading"))


def trade_event(trade: Mapping[str, Any], sym: int, received_ms: int | None = None) -> EventTuple:
    """A ccxt unified trade as an event tuple (taker side +1 buy / -1 sell)."""
    exchange_ms = int(trade["timestamp"])
    received = exchange_ms if received_ms is None else received_ms
    side = 1 if trade.get("side") == "buy" else -1
    return (
        received * 1000,
        exchange_ms * 1000,
        EventKind.TRADE,
        sym,
        side,
        int(trade.get("id") or 0),
        float(trade["price"]),
        float(trade["amount"]),
        0.0,
        0.0,
    )


def bidask_event(ticker: Mapping[str, Any], sym: int, received_ms: int | None = None) -> EventTuple:
    """A ccxt best bid/ask (``watch_bids_asks``) as an event tuple; the raw payload's update
    id and transaction time become the sequence and the exchange time."""
    info = ticker.get("info") or {}
    exchange_ms = int(info.get("T") or ticker["timestamp"])
    event_ms = int(info.get("E") or ticker["timestamp"])
    received = event_ms if received_ms is None else received_ms
    return (
        received * 1000,
        exchange_ms * 1000,
        EventKind.QUOTE,
        sym,
        0,
        int(info.get("u") or 0),
        float(ticker["bid"]),
        float(ticker["bidVolume"]),
        float(ticker["ask"]),
        float(ticker["askVolume"]),
    )


def liquidation_event(
    liquidation: Mapping[str, Any], sym: int, received_ms: int | None = None
) -> EventTuple:
    """A ccxt liquidation (from ``parse_ws_liquidation``) as an event tuple. ccxt does not
    compute the notional: it is last filled quantity x average price, done here."""
    info = liquidation.get("info") or {}
    exchange_ms = int(liquidation["timestamp"])
    received = exchange_ms if received_ms is None else received_ms
    quantity = float(info.get("l") or liquidation.get("contracts") or 0.0)
    price = float(info.get("ap") or liquidation["price"])
    side = 1 if liquidation.get("side") == "buy" else -1
    return (
        received * 1000,
        exchange_ms * 1000,
        EventKind.LIQUIDATION,
        sym,
        side,
        0,
        price,
        quantity,
        0.0,
        0.0,
    )


class ExchangeAdapter:
    """Market data from a public exchange object; orders to a demo one only.

    Parameters
    ----------
    public : ccxt exchange, optional
        For REST market data (default: built by :func:`build_exchange` without keys).
    stream : ccxt.pro exchange, optional
        For websocket streams (built on first use).
    orders : ccxt exchange, optional
        For orders; must be in demo trading mode.
    exchange_id : str
        Used to build the defaults.
    """

    def __init__(
        self,
        *,
        public: Any | None = None,
        stream: Any | None = None,
        orders: Any | None = None,
        exchange_id: str = "binanceusdm",
    ) -> None:
        self.exchange_id = exchange_id
        self.public = public if public is not None else build_exchange(exchange_id, demo=False)
        self._stream = stream
        self.orders = orders

    @property
    def stream(self) -> Any:
        """The ccxt.pro object for streams."""
        if self._stream is None:
            self._stream = build_exchange(self.exchange_id, demo=False, streams=True)
        return self._stream

    async def close(self) -> None:
        """Close every exchange object this adapter holds."""
        for exchange in (self.public, self._stream, self.orders):
            if exchange is not None:
                with contextlib.suppress(Exception):
                    await exchange.close()

    # ---- market data ---------------------------------------------------------------------

    async def load_markets(self) -> dict[str, Any]:
        """The exchange's markets (unified symbols such as ``BTC/USDT:USDT``)."""
        return await self.public.load_markets()

    def instrument(
        self, symbol: str, index: int, *, max_position: int = 2_000, band_ticks: int = 2_000
    ) -> Instrument:
        """The :class:`Instrument` of a loaded market: tick and lot size from its precision,
        price range from its limits (clipped to the wire's 24 bits); the gateware's position
        limit and tick-filter band are ours to choose."""
        market = self.public.markets.get(symbol) if self.public.markets else None
        if market is None:
            raise ExchangeConfigurationError(
                f"Symbol must be a loaded market of {self.exchange_id}, not {symbol!r}"
            )
        tick = float(market["precision"]["price"])
        lot = float(market["precision"]["amount"])
        low = max(1, round((market["limits"]["price"]["min"] or tick) / tick))
        high = min((1 << 24) - 1, round((market["limits"]["price"]["max"] or tick * 1e6) / tick))
        return Instrument(
            symbol=market["id"],
            index=index,
            tick_size=tick,
            lot_size=lot,
            max_position=max_position,
            min_price=low,
            max_price=max(high, low + 1),
            band_ticks=band_ticks,
        )

    async def fetch_trades(self, symbol: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Recent public trades (aggregated trades on Binance USD-M)."""
        return await self.public.fetch_trades(symbol, limit=limit)

    async def fetch_order_book(self, symbol: str, limit: int | None = None) -> dict[str, Any]:
        """The order book."""
        return await self.public.fetch_order_book(symbol, limit=limit)

    async def fetch_bids_asks(self, symbols: Sequence[str] | None = None) -> dict[str, Any]:
        """Best bid and ask per symbol."""
        return await self.public.fetch_bids_asks(list(symbols) if symbols else None)

    async def fetch_funding_rate(self, symbol: str) -> dict[str, Any]:
        """Current funding rate of a perpetual."""
        return await self.public.fetch_funding_rate(symbol)

    async def fetch_liquidations(self, symbol: str) -> list[dict[str, Any]]:
        """Public liquidation history, where the exchange has one.

        Raises
        ------
        ExchangeConfigurationError
            Binance USD-M has none: forced liquidations come only from the stream
            (:meth:`events`, or ``quantum data record``).
        """
        try:
            return await self.public.fetch_liquidations(symbol)
        except ccxt.NotSupported:
            raise ExchangeConfigurationError(
                f"Liquidation history must come from the live stream on {self.exchange_id}, "
                f"not fetch_liquidations (not supported); record it with `quantum data record`"
            ) from None

    # ---- orders (demo trading only) -------------------------------------------------------

    async def create_order(
        self, symbol: str, kind: str, side: str, amount: float, price: float | None = None
    ) -> dict[str, Any]:
        """Place an order on the exchange's demo trading.

        Raises
        ------
        DemoOnlyError
            No orders exchange, or it is not in demo trading mode.
        """
        if self.orders is None or not _is_demo(self.orders):
            raise DemoOnlyError(
                "Orders must go to the exchange's demo trading (enable_demo_trading(True)), "
                "not a live exchange"
            )
        return await self.orders.create_order(symbol, kind, side, amount, price)

    async def cancel_all_orders(self, symbol: str) -> Any:
        """Cancel every open demo order on ``symbol``."""
        if self.orders is None or not _is_demo(self.orders):
            raise DemoOnlyError(
                "Orders must go to the exchange's demo trading (enable_demo_trading(True)), "
                "not a live exchange"
            )
        return await self.orders.cancel_all_orders(symbol)

    # ---- streams ---------------------------------------------------------------------------

    async def events(self, symbols: Sequence[str]) -> AsyncIterator[tuple[str, str, Any]]:
        """Live ``(symbol, kind, payload)`` from the public streams, kind one of ``trade``,
        ``bidask``, ``liquidation``; runs until cancelled."""
        queue: asyncio.Queue[tuple[str, str, Any]] = asyncio.Queue(maxsize=10_000)
        stream = self.stream

        async def trades(symbol: str) -> None:
            while True:
                # ccxt.pro returns the trades that arrived since the previous call.
                for trade in await stream.watch_trades(symbol, params={"name": "aggTrade"}):
                    await queue.put((symbol, "trade", trade))

        async def bids_asks() -> None:
            while True:
                tickers = await stream.watch_bids_asks(list(symbols))
                for symbol, ticker in tickers.items():
                    await queue.put((symbol, "bidask", ticker))

        async def liquidations() -> None:
            while True:
                batch = await stream.watch_liquidations_for_symbols(list(symbols))
                for liquidation in batch:
                    await queue.put((liquidation["symbol"], "liquidation", liquidation))

        tasks = [asyncio.create_task(trades(s)) for s in symbols]
        tasks += [asyncio.create_task(bids_asks()), asyncio.create_task(liquidations())]
        try:
            while True:
                for task in tasks:
                    if task.done() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                yield await queue.get()
        finally:
            for task in tasks:
                task.cancel()
