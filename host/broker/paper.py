"""The paper broker: one exchange simulator for backtests and paper trading alike.

It only knows the best bid/ask and the public trades, so everything else is modelled, and each
model is a switch of :class:`RealismConfig` so that a learner can see what each assumption is
worth. :meth:`RealismConfig.level` gives the ladder, from 0 (everything ideal) to 4 (all on):

====  ===================  ================================================================
rung  switch               what it models
====  ===================  ================================================================
1     ``latency_ms``       orders and cancels reach the exchange after a delay; fees on
2     ``walk_book``        market orders walk a synthetic book (level ``i`` is ``i`` ticks
                           beyond the touch with ``depth_growth^i`` times the displayed size)
                           and pay the slippage
3     ``queue_position``   a resting limit order waits behind the size displayed at its price
                           when it arrived; only trades at its price beyond that size fill it
      ``partial_fills``    a fill is capped by the traded (or displayed) size, not all at once
4     ``exchange_rejects`` the exchange refuses orders outside its price band, below its
                           minimum notional or above its order-rate limit
      ``volatility_latency``  latency grows with recent volatility (queues at the exchange
                           fill up exactly when a cascade happens)
====  ===================  ================================================================

Times are integer microseconds of the caller's clock (event time in backtests, so results are
deterministic). Fees: maker for fills of resting orders, taker for crossing fills.
"""

import heapq
import logging
from collections import deque
from dataclasses import dataclass, field, replace

from hdl.protocol import OrderKind, Side

__all__ = ["RealismConfig", "BrokerOrder", "BrokerEvent", "PaperBroker", "Account"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RealismConfig:
    """Switches and numbers of the paper broker's realism (see the module docstring).

    Parameters
    ----------
    latency_ms : float, default 20.0
        One-way order and cancel latency; 0 = instantaneous.
    volatility_latency : bool, default True
        Multiply the latency by ``1 + recent |mid move| in bp / volatility_bp_per_double``.
    volatility_bp_per_double : float, default 5.0
        Recent mid move (bp per quote, smoothed) that doubles the latency.
    walk_book : bool, default True
        Market and crossing orders walk a synthetic book instead of filling at the touch.
    depth_growth : float, default 1.5
        Size of book level ``i`` is the displayed touch size times ``depth_growth**i``.
    queue_position : bool, default True
        Resting orders queue behind the displayed size at their price.
    partial_fills : bool, default True
        Fills are capped by traded size; otherwise a touch fills the whole order.
    exchange_rejects : bool, default True
        Apply ``price_band``, ``min_notional`` and ``max_orders_per_s``.
    price_band : float, default 0.05
        Limit prices further than this fraction from the mid are refused.
    min_notional : float, default 5.0
        Orders worth less (quote currency) are refused, except orders that only reduce the
        position (the exchange exempts reduce-only orders too).
    max_orders_per_s : int, default 10
        More new orders within one second are refused.
    maker_fee, taker_fee : float, default 0.0002, 0.0005
        Fee rates on notional.
    """

    latency_ms: float = 20.0
    volatility_latency: bool = True
    volatility_bp_per_double: float = 5.0
    walk_book: bool = True
    depth_growth: float = 1.5
    queue_position: bool = True
    partial_fills: bool = True
    exchange_rejects: bool = True
    price_band: float = 0.05
    min_notional: float = 5.0
    max_orders_per_s: int = 10
    maker_fee: float = 0.0002
    taker_fee: float = 0.0005

    def __post_init__(self) -> None:
        for name in ("latency_ms", "maker_fee", "taker_fee"):
            value = getattr(self, name)
            if not value >= 0:
                raise ValueError(f"RealismConfig.{name} must be >= 0, not {value!r}")
        for name in ("volatility_bp_per_double", "depth_growth", "price_band", "min_notional"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"RealismConfig.{name} must be positive, not {value!r}")
        if not (isinstance(self.max_orders_per_s, int) and self.max_orders_per_s >= 1):
            raise ValueError(
                f"RealismConfig.max_orders_per_s must be an integer >= 1, "
                f"not {self.max_orders_per_s!r}"
            )

    @classmethod
    def level(cls, rung: int) -> "RealismConfig":
        """The ladder: 0 ideal (no fees, no latency, fills at the touch) .. 4 everything."""
        if rung not in range(5):
            raise ValueError(f"Realism level must be 0..4, not {rung!r}")
        config = cls()
        off = {
            "volatility_latency": False,
            "walk_book": False,
            "queue_position": False,
            "partial_fills": False,
            "exchange_rejects": False,
        }
        if rung == 0:
            return replace(config, latency_ms=0.0, maker_fee=0.0, taker_fee=0.0, **off)
        if rung == 1:
            return replace(config, **off)
        if rung == 2:
            return replace(config, **{**off, "walk_book": True})
        if rung == 3:
            return replace(config, volatility_latency=False, exchange_rejects=False)
        return config


@dataclass
class BrokerOrder:
    """An order at the paper exchange. ``price`` None = market."""

    client_id: int
    symbol: str
    side: Side
    kind: OrderKind
    price: float | None
    quantity: float
    tick_size: float
    lot_size: float
    submitted: int
    filled: float = 0.0
    notional: float = 0.0
    queue_ahead: float = 0.0
    status: str = "pending"  # pending -> open -> filled | cancelled | rejected

    @property
    def remaining(self) -> float:
        """Quantity still to fill."""
        return self.quantity - self.filled

    @property
    def average_price(self) -> float | None:
        """Average fill price, or None before the first fill."""
        return self.notional / self.filled if self.filled else None


@dataclass(frozen=True)
class BrokerEvent:
    """What the paper exchange did: ``kind`` is ``accepted``, ``rejected``, ``fill`` or
    ``cancelled``; fills carry price, quantity, fee and liquidity (maker/taker)."""

    kind: str
    client_id: int
    ts: int
    symbol: str
    price: float = 0.0
    quantity: float = 0.0
    fee: float = 0.0
    liquidity: str = ""
    reason: str = ""
    done: bool = False
    realized: float = 0.0


@dataclass
class _Market:
    bid: float = 0.0
    ask: float = 0.0
    bid_qty: float = 0.0
    ask_qty: float = 0.0
    mid: float = 0.0
    volatility_bp: float = 0.0


@dataclass
class _Position:
    quantity: float = 0.0
    average: float = 0.0
    realized: float = 0.0


@dataclass
class Account:
    """Cash, positions, fees and realized P&L of the paper account (quote currency)."""

    starting_equity: float = 100_000.0
    fees: float = 0.0
    positions: dict[str, _Position] = field(default_factory=dict)

    def apply_fill(
        self, symbol: str, side: Side, price: float, quantity: float, fee: float
    ) -> float:
        """Book a fill; returns the P&L it realized (before fees)."""
        position = self.positions.setdefault(symbol, _Position())
        signed = quantity if side == Side.BUY else -quantity
        realized = 0.0
        if position.quantity and (position.quantity > 0) != (signed > 0):
            closing = min(abs(signed), abs(position.quantity))
            direction = 1 if position.quantity > 0 else -1
            realized = (price - position.average) * closing * direction
            position.realized += realized
            position.quantity += signed
            if abs(position.quantity) < 1e-12:
                position.quantity, position.average = 0.0, 0.0
            elif (position.quantity > 0) != (direction > 0):
                position.average = price  # flipped through zero
        else:
            total = position.quantity + signed
            position.average = (position.average * position.quantity + price * signed) / total
            position.quantity = total
        self.fees += fee
        return realized

    @property
    def realized_pnl(self) -> float:
        """Realized P&L over all symbols, before fees."""
        return sum(p.realized for p in self.positions.values())

    def unrealized_pnl(self, marks: dict[str, float]) -> float:
        """Mark-to-market P&L of open positions at ``marks`` (missing marks: the average)."""
        return sum(
            (marks.get(s, p.average) - p.average) * p.quantity for s, p in self.positions.items()
        )

    def equity(self, marks: dict[str, float]) -> float:
        """Starting equity plus realized and unrealized P&L, minus fees."""
        return self.starting_equity + self.realized_pnl + self.unrealized_pnl(marks) - self.fees


def _push(events: list[BrokerEvent], event: BrokerEvent | None) -> None:
    if event is not None:
        events.append(event)


class PaperBroker:
    """The simulated exchange. Feed it every quote and trade; it returns what happened.

    Parameters
    ----------
    realism : RealismConfig, optional
        The realism switches (default: all on).
    starting_equity : float, default 100_000.0
        The account's equity at the start.
    """

    def __init__(
        self, realism: RealismConfig | None = None, *, starting_equity: float = 100_000.0
    ) -> None:
        self.realism = realism or RealismConfig()
        self.account = Account(starting_equity=starting_equity)
        self._markets: dict[str, _Market] = {}
        self._orders: dict[int, BrokerOrder] = {}
        self._arrivals: list[tuple[int, int, str, int]] = []  # (ts, seq, action, client_id)
        self._seq = 0
        self._recent: deque[int] = deque()
        self.rejects: dict[str, int] = {}

    # -- market data -------------------------------------------------------------------------

    def market(self, symbol: str) -> _Market:
        """The broker's view of ``symbol``'s touch."""
        market = self._markets.get(symbol)
        if market is None:
            market = self._markets[symbol] = _Market()
        return market

    def marks(self) -> dict[str, float]:
        """Mid prices to mark positions with."""
        return {symbol: m.mid for symbol, m in self._markets.items() if m.mid > 0}

    def on_quote(
        self, symbol: str, ts: int, bid: float, ask: float, bid_qty: float, ask_qty: float
    ) -> list[BrokerEvent]:
        """A top-of-book update: due arrivals, then resting orders the book moved through."""
        events = self.advance(ts)
        market = self.market(symbol)
        mid = (bid + ask) / 2
        if market.mid > 0:
            move = abs(mid / market.mid - 1) * 1e4
            market.volatility_bp = 0.9 * market.volatility_bp + 0.1 * move
        market.bid, market.ask, market.bid_qty, market.ask_qty, market.mid = (
            bid,
            ask,
            bid_qty,
            ask_qty,
            mid,
        )
        if not self._orders:
            return events
        for order in list(self._orders.values()):
            if order.symbol != symbol or order.status != "open" or order.price is None:
                continue
            if order.side == Side.BUY:
                if ask <= order.price:
                    _push(events, self._fill(order, ts, order.price, order.remaining, "maker"))
                elif bid == order.price and self.realism.queue_position:
                    order.queue_ahead = min(order.queue_ahead, bid_qty)
            else:
                if bid >= order.price:
                    _push(events, self._fill(order, ts, order.price, order.remaining, "maker"))
                elif ask == order.price and self.realism.queue_position:
                    order.queue_ahead = min(order.queue_ahead, ask_qty)
        return events

    def on_trade(
        self, symbol: str, ts: int, price: float, quantity: float, side: int
    ) -> list[BrokerEvent]:
        """A public trade: fills resting orders it reached (after the queue ahead of them)."""
        events = self.advance(ts)
        if not self._orders:
            return events
        for order in list(self._orders.values()):
            if order.symbol != symbol or order.status != "open" or order.price is None:
                continue
            # A sell taker (side -1) trades against resting buys, and vice versa.
            if order.side == Side.BUY and side < 0 and price <= order.price:
                through = price < order.price
            elif order.side == Side.SELL and side > 0 and price >= order.price:
                through = price > order.price
            else:
                continue
            if through or not self.realism.queue_position:
                available = quantity if self.realism.partial_fills else order.remaining
            else:
                available = quantity - order.queue_ahead
                order.queue_ahead = max(0.0, order.queue_ahead - quantity)
                if not self.realism.partial_fills and available > 0:
                    available = order.remaining
            if available > 1e-12:
                _push(
                    events,
                    self._fill(order, ts, order.price, min(available, order.remaining), "maker"),
                )
        return events

    # -- orders ------------------------------------------------------------------------------

    def _latency_us(self, symbol: str) -> int:
        latency = self.realism.latency_ms * 1000
        if self.realism.volatility_latency:
            volatility = self.market(symbol).volatility_bp
            latency *= 1 + volatility / self.realism.volatility_bp_per_double
        return int(latency)

    def _schedule(self, ts: int, action: str, client_id: int) -> None:
        self._seq += 1
        heapq.heappush(self._arrivals, (ts, self._seq, action, client_id))

    def submit(self, order: BrokerOrder, now: int) -> list[BrokerEvent]:
        """Send ``order``; it reaches the exchange after the latency (at once with none)."""
        if order.client_id in self._orders:
            raise ValueError(f"Client id must be new, not {order.client_id!r}")
        self._orders[order.client_id] = order
        self._schedule(now + self._latency_us(order.symbol), "new", order.client_id)
        return self.advance(now)

    def cancel(self, client_id: int, now: int) -> list[BrokerEvent]:
        """Request a cancel; it reaches the exchange after the latency."""
        if client_id in self._orders:
            self._schedule(
                now + self._latency_us(self._orders[client_id].symbol), "cancel", client_id
            )
        return self.advance(now)

    def cancel_all(self, now: int, symbol: str | None = None) -> list[BrokerEvent]:
        """Cancel every working order (of ``symbol``), each after the latency."""
        for order in list(self._orders.values()):
            if order.status in ("pending", "open") and symbol in (None, order.symbol):
                self._schedule(now + self._latency_us(order.symbol), "cancel", order.client_id)
        return self.advance(now)

    def open_orders(self) -> list[BrokerOrder]:
        """Orders pending or resting."""
        return [o for o in self._orders.values() if o.status in ("pending", "open")]

    def advance(self, now: int) -> list[BrokerEvent]:
        """Process every order and cancel that has reached the exchange by ``now``."""
        events: list[BrokerEvent] = []
        if not self._arrivals:
            return events
        while self._arrivals and self._arrivals[0][0] <= now:
            ts, _, action, client_id = heapq.heappop(self._arrivals)
            order = self._orders.get(client_id)
            if order is None:
                continue
            if action == "new":
                events.extend(self._arrive(order, ts))
            elif order.status in ("pending", "open"):
                order.status = "cancelled"
                del self._orders[client_id]
                events.append(BrokerEvent("cancelled", client_id, ts, order.symbol, done=True))
        return events

    def _reject(self, order: BrokerOrder, ts: int, reason: str) -> BrokerEvent:
        order.status = "rejected"
        del self._orders[order.client_id]
        code = reason.split(":", 1)[0]
        self.rejects[code] = self.rejects.get(code, 0) + 1
        return BrokerEvent("rejected", order.client_id, ts, order.symbol, reason=reason, done=True)

    def _arrive(self, order: BrokerOrder, ts: int) -> list[BrokerEvent]:
        if order.status != "pending":
            return []
        market = self.market(order.symbol)
        realism = self.realism
        if market.mid <= 0:
            return [self._reject(order, ts, "NO_MARKET: symbol has no quote yet")]
        if realism.exchange_rejects:
            while self._recent and self._recent[0] <= ts - 1_000_000:
                self._recent.popleft()
            if len(self._recent) >= realism.max_orders_per_s:
                return [
                    self._reject(
                        order,
                        ts,
                        f"EXCHANGE_RATE_LIMIT: orders={len(self._recent)}, "
                        f"limit={realism.max_orders_per_s}",
                    )
                ]
            self._recent.append(ts)
            value_price = order.price if order.price is not None else market.mid
            position = self.account.positions.get(order.symbol)
            held = position.quantity if position is not None else 0.0
            reduces = (held > 0 and order.side == Side.SELL) or (
                held < 0 and order.side == Side.BUY
            )
            # Like the exchange's reduce-only orders, closing dust is exempt from the minimum.
            if order.quantity * value_price < realism.min_notional and not (
                reduces and order.quantity <= abs(held) + order.lot_size / 2
            ):
                return [
                    self._reject(
                        order,
                        ts,
                        f"EXCHANGE_MIN_NOTIONAL: notional={order.quantity * value_price:.2f}, "
                        f"limit={realism.min_notional:g}",
                    )
                ]
            if order.price is not None and abs(order.price / market.mid - 1) > realism.price_band:
                return [
                    self._reject(
                        order,
                        ts,
                        f"EXCHANGE_PRICE_BAND: price={order.price:g}, mid={market.mid:g}, "
                        f"limit={realism.price_band:g}",
                    )
                ]
        order.status = "open"
        events = [BrokerEvent("accepted", order.client_id, ts, order.symbol)]
        crosses = order.price is None or (
            order.price >= market.ask if order.side == Side.BUY else order.price <= market.bid
        )
        if crosses:
            events.extend(self._take(order, ts, market))
        if order.status == "open" and order.price is None:
            # A market order's unfilled rest expires (IOC), as on the exchange.
            order.status = "cancelled"
            del self._orders[order.client_id]
            events.append(
                BrokerEvent("cancelled", order.client_id, ts, order.symbol, reason="IOC", done=True)
            )
        elif order.status == "open":
            touch = market.bid if order.side == Side.BUY else market.ask
            shown = market.bid_qty if order.side == Side.BUY else market.ask_qty
            order.queue_ahead = shown if (realism.queue_position and order.price == touch) else 0.0
        return events

    def _take(self, order: BrokerOrder, ts: int, market: _Market) -> list[BrokerEvent]:
        """Fill a crossing order against the (synthetic) book, worst price last."""
        buy = order.side == Side.BUY
        touch = market.ask if buy else market.bid
        shown = market.ask_qty if buy else market.bid_qty
        events: list[BrokerEvent] = []
        level = 0
        while order.remaining > order.lot_size / 2:
            price = touch + (level if buy else -level) * order.tick_size
            if order.price is not None and (price > order.price if buy else price < order.price):
                break
            if not self.realism.walk_book:
                _push(events, self._fill(order, ts, touch, order.remaining, "taker"))
                break
            size = shown * self.realism.depth_growth**level
            _push(
                events,
                self._fill(order, ts, round(price, 10), min(size, order.remaining), "taker"),
            )
            level += 1
            if level > 1000:  # the synthetic book is deep enough for any sane order
                break
        return events

    def _fill(
        self, order: BrokerOrder, ts: int, price: float, quantity: float, liquidity: str
    ) -> BrokerEvent | None:
        # The exchange fills whole lots only; count in lots so float noise cannot leave dust.
        remaining_lots = round(order.remaining / order.lot_size)
        lots = min(int(quantity / order.lot_size + 1e-6), remaining_lots)
        if lots <= 0:
            return None
        quantity = lots * order.lot_size
        fee_rate = self.realism.maker_fee if liquidity == "maker" else self.realism.taker_fee
        fee = price * quantity * fee_rate
        done = lots == remaining_lots
        order.filled = order.quantity if done else order.filled + quantity
        order.notional += price * quantity
        realized = self.account.apply_fill(order.symbol, order.side, price, quantity, fee)
        if done:
            order.status = "filled"
            del self._orders[order.client_id]
        return BrokerEvent(
            "fill",
            order.client_id,
            ts,
            order.symbol,
            price=price,
            quantity=quantity,
            fee=fee,
            liquidity=liquidity,
            done=done,
            realized=realized,
        )
