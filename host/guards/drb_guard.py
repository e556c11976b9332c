"""DRBGuard: C1-C15 and C17 of DESIGN.md section 3 in software, the last line of defence.

DRBGuard sees only orders the gateware accepted, yet checks everything again itself: it keeps
its own limits, positions, open orders, reference prices, windows and kill latch, and never
assumes the first line did its job. Missing data is a reject, never "no limit". It works in
the same integers as the wire (ticks and lots) for prices and quantities, and in quote
currency for notionals, exposure and equity (so one limit means the same for every
instrument, which the gateware's tick-lot notionals cannot offer).

Every reject is a :class:`Verdict` whose text a program can parse: ``"CODE: key=value, ..."``
with the rule's inputs and limit, e.g. ``"MAX_NOTIONAL: notional=5012.3, limit=5000"``. Codes
are :class:`hdl.protocol.Reason` names; the order of checks is the order of the codes, as in
the gateware, so the first failing control names the reject.

In the Blueprint 2026 this line is C++ on a pinned core; here it is Python at a few
microseconds per check, still far below the exchange's round trip.
"""

import logging
from collections import deque
from dataclasses import dataclass, field, fields

from hdl.protocol import ArmMode, KillCause, OrderKind, Reason, Side, TradingState
from host.instruments import InstrumentMap

__all__ = ["DRBGuard", "DRBGuardConfig", "OrderRequest", "Verdict", "ACCEPTED"]

logger = logging.getLogger(__name__)

_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class DRBGuardConfig:
    """DRBGuard's own limits. A limit left at None is *unset*: :meth:`DRBGuard.arm` refuses
    to arm (C2), so nothing trades on a missing limit.

    Parameters
    ----------
    max_order_qty : int, default 1000
        C5, lots per order.
    max_order_notional : float, default 20_000.0
        C6, quote currency per order.
    collar_bp : float, default 50.0
        C7, largest distance of a limit price from the reference mid, basis points.
    stale_after_ms : float, default 2_000.0
        C8, largest age of the reference price.
    max_position : dict of str to int, default {}
        C9, lots per symbol, worst case with open orders; a symbol missing here falls back to
        the instrument's gateware limit.
    max_gross_exposure : float, default 60_000.0
        C10, quote currency over all instruments, worst case with open orders.
    max_open_orders : int, default 6
        C11.
    rate_max_orders, rate_window_ms : int, float, default 20, 1_000.0
        C12, orders accepted per sliding window.
    dup_window_ms : float, default 100.0
        C13, the same order repeated within this window is a duplicate.
    fill_max, fill_window_ms : int, float, default 50, 1_000.0
        C14, more fills than this within the window latch the kill.
    max_drawdown : float, default 0.05
        C17, fraction of peak equity; reaching it allows only reducing orders until re-arm.
    daily_loss : float, default 2_000.0
        C17, quote currency lost since the start of the UTC day; same effect.
    """

    max_order_qty: int | None = 1000
    max_order_notional: float | None = 20_000.0
    collar_bp: float | None = 50.0
    stale_after_ms: float | None = 2_000.0
    max_position: dict[str, int] = field(default_factory=dict)
    max_gross_exposure: float | None = 60_000.0
    max_open_orders: int | None = 6
    rate_max_orders: int | None = 20
    rate_window_ms: float | None = 1_000.0
    dup_window_ms: float | None = 100.0
    fill_max: int | None = 50
    fill_window_ms: float | None = 1_000.0
    max_drawdown: float | None = 0.05
    daily_loss: float | None = 2_000.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "max_position":
                for symbol, lots in value.items():
                    if not (isinstance(lots, int) and lots > 0):
                        raise ValueError(
                            f"DRBGuardConfig.max_position[{symbol!r}] must be a positive "
                            f"integer, not {lots!r}"
                        )
            elif value is not None and not (
                isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            ):
                raise ValueError(f"DRBGuardConfig.{item.name} must be positive, not {value!r}")
        if self.max_drawdown is not None and not self.max_drawdown < 1:
            raise ValueError(
                f"DRBGuardConfig.max_drawdown must be a fraction below 1, not {self.max_drawdown!r}"
            )

    def unset(self) -> list[str]:
        """Names of limits left unset (C2 refuses to arm while any is)."""
        return [f.name for f in fields(self) if getattr(self, f.name) is None]


@dataclass(frozen=True)
class OrderRequest:
    """An order as both guard lines see it: integers, like the wire.

    ``price`` is ticks (0 for a market order), ``quantity`` lots, ``instrument`` the index.
    """

    client_id: int
    instrument: int
    side: Side
    kind: OrderKind
    price: int
    quantity: int


@dataclass(frozen=True)
class Verdict:
    """A guard line's answer: the reason code (ACCEPT = 0) and the parseable text."""

    reason: Reason
    text: str = ""

    @property
    def accepted(self) -> bool:
        """True for an accept."""
        return self.reason == Reason.ACCEPT


ACCEPTED = Verdict(Reason.ACCEPT)


@dataclass
class _Open:
    instrument: int
    side: Side
    kind: OrderKind
    price: int
    remaining: int


@dataclass
class _Book:
    position: int = 0
    bid: int = 0
    ask: int = 0
    ref_ts: int | None = None
    open_buys: int = 0
    open_sells: int = 0


class DRBGuard:
    """The second line: its own state and kill latch; checks every order the first line let
    through. Times are integer microseconds of the caller's clock (event time in backtests).

    Parameters
    ----------
    config : DRBGuardConfig
        Limits.
    instruments : InstrumentMap
        Tick and lot sizes; an instrument not in the map is unknown (C3).
    """

    def __init__(self, config: DRBGuardConfig, instruments: InstrumentMap) -> None:
        self.config = config
        self.instruments = instruments
        self.state = TradingState.DISARMED
        self.kill_cause = KillCause.NONE
        self.kill_detail = ""
        self._books = {i.index: _Book() for i in instruments}
        self._open: dict[int, _Open] = {}
        self._accepted_times: deque[int] = deque()
        self._fill_times: deque[int] = deque()
        self._last: tuple[int, int, int, Side, OrderKind, int, int] | None = None
        self._peak_equity: float | None = None
        self._day: int | None = None
        self._day_start_equity: float | None = None
        self._c17_breach: Verdict | None = None
        self.equity: float | None = None
        #: Rejections by reason name (the Risk page shows them).
        self.rejects: dict[str, int] = {}
        self.accepts = 0

    # -- operator controls (C1, C2) ----------------------------------------------------------

    def arm(self, mode: ArmMode = ArmMode.ACTIVE) -> None:
        """Clear the kill latch and the C17 breach and start trading (C2: every limit set).

        Raises
        ------
        ValueError
            A limit is unset.
        """
        unset = self.config.unset()
        if unset:
            raise ValueError(f"DRBGuard limits must all be set before arming, not unset {unset}")
        self.state = TradingState.REDUCING if mode == ArmMode.REDUCING else TradingState.ACTIVE
        self.kill_cause = KillCause.NONE
        self.kill_detail = ""
        self._c17_breach = None
        self._peak_equity = self.equity
        self._day_start_equity = self.equity

    def kill(self, cause: KillCause = KillCause.COMMAND, detail: str = "") -> None:
        """Latch HALTED; only :meth:`arm` clears it."""
        if self.state != TradingState.HALTED:
            # A commanded kill (operator, shutdown) is intended; a breach is news.
            level = logging.INFO if cause == KillCause.COMMAND else logging.WARNING
            logger.log(level, "DRBGuard kill latched: %s %s", cause.name, detail)
        self.state = TradingState.HALTED
        self.kill_cause = cause
        self.kill_detail = detail

    # -- market data -------------------------------------------------------------------------

    def on_tick(self, instrument: int, now: int, bid: int, ask: int) -> None:
        """A tick the first line accepted: the reference price for C6-C8 and C10."""
        book = self._books.get(instrument)
        if book is not None and 0 < bid < ask:
            book.bid, book.ask, book.ref_ts = bid, ask, now

    def on_equity(self, now: int, equity: float) -> None:
        """Mark-to-market equity for C17 (peak drawdown and the UTC day's loss)."""
        self.equity = equity
        day = now // _DAY_US
        if self._day != day or self._day_start_equity is None:
            self._day, self._day_start_equity = day, equity
        if self._peak_equity is None or equity > self._peak_equity:
            self._peak_equity = equity
        if self._c17_breach is not None:
            return
        config = self.config
        drawdown = (self._peak_equity - equity) / self._peak_equity if self._peak_equity else 0.0
        if config.max_drawdown is not None and drawdown >= config.max_drawdown:
            self._c17_breach = Verdict(
                Reason.MAX_DRAWDOWN,
                f"MAX_DRAWDOWN: drawdown={drawdown:.4f}, peak={self._peak_equity:.2f}, "
                f"equity={equity:.2f}, limit={config.max_drawdown:g}",
            )
        loss = self._day_start_equity - equity
        if config.daily_loss is not None and loss >= config.daily_loss:
            self._c17_breach = Verdict(
                Reason.DAILY_LOSS,
                f"DAILY_LOSS: loss={loss:.2f}, day_start={self._day_start_equity:.2f}, "
                f"equity={equity:.2f}, limit={config.daily_loss:g}",
            )
        if self._c17_breach is not None:
            logger.warning("DRBGuard C17 breach, reducing orders only: %s", self._c17_breach.text)

    # -- orders ------------------------------------------------------------------------------

    def _deny(self, reason: Reason, detail: str) -> Verdict:
        self.rejects[reason.name] = self.rejects.get(reason.name, 0) + 1
        return Verdict(reason, f"{reason.name}: {detail}")

    def _reduces(self, book: _Book, order: OrderRequest) -> bool:
        """True if the order shrinks the position even with every same-side open order
        filled first (worst case), so it can never grow or flip it."""
        if order.side == Side.SELL:
            return book.position > 0 and book.open_sells + order.quantity <= book.position
        return book.position < 0 and book.open_buys + order.quantity <= -book.position

    def _max_position(self, symbol: str, default: int) -> int:
        return self.config.max_position.get(symbol, default)

    def _valuation_price(self, book: _Book, order: OrderRequest, collar: float) -> float:
        """Ticks to value the order with: a buy at the higher of its price and the ask, a sell
        at the lower of its price and the bid; a market order at the worse of the collar edge
        and the touch."""
        mid = (book.bid + book.ask) / 2
        if order.side == Side.BUY:
            price = mid * (1 + collar) if order.kind == OrderKind.MARKET else order.price
            return max(price, book.ask)
        price = mid * (1 - collar) if order.kind == OrderKind.MARKET else order.price
        return min(price, book.bid)

    def check(self, order: OrderRequest, now: int) -> Verdict:
        """Check ``order`` at time ``now`` (us); an accepted order becomes open here.

        Returns
        -------
        Verdict
            ACCEPT, or the first failing control in :class:`~hdl.protocol.Reason` order.
        """
        config = self.config
        if self.state == TradingState.HALTED:
            return self._deny(
                Reason.HALTED, f"state=HALTED, cause={self.kill_cause.name}, {self.kill_detail}"
            )
        if self.state == TradingState.DISARMED:
            return self._deny(Reason.NOT_ARMED, f"state=DISARMED, unset={self.config.unset()}")
        instrument = self.instruments.by_index(order.instrument)
        book = self._books.get(order.instrument)
        reduces = book is not None and self._reduces(book, order)
        if self.state == TradingState.REDUCING and not reduces:
            position = book.position if book is not None else "unknown"
            return self._deny(
                Reason.REDUCING_ONLY,
                f"state=REDUCING, position={position}, side={order.side.name}, "
                f"quantity={order.quantity}",
            )
        if instrument is None or book is None:
            return self._deny(Reason.UNKNOWN_INSTRUMENT, f"instrument={order.instrument}")
        if order.kind == OrderKind.LIMIT and not (
            instrument.min_price <= order.price <= instrument.max_price
        ):
            return self._deny(
                Reason.INVALID_PRICE,
                f"price={order.price}, min={instrument.min_price}, max={instrument.max_price}",
            )
        if order.kind == OrderKind.MARKET and order.price != 0:
            return self._deny(Reason.INVALID_PRICE, f"price={order.price}, market_price=0")
        if order.quantity <= 0:
            return self._deny(Reason.INVALID_QUANTITY, f"quantity={order.quantity}")
        assert config.max_order_qty is not None  # arm() refuses unset limits
        if order.quantity > config.max_order_qty:
            return self._deny(
                Reason.MAX_QUANTITY, f"quantity={order.quantity}, limit={config.max_order_qty}"
            )
        assert config.stale_after_ms is not None
        if book.ref_ts is None:
            return self._deny(Reason.STALE_REFERENCE, "age_ms=none, reference=none")
        age_ms = (now - book.ref_ts) / 1000
        if age_ms > config.stale_after_ms:
            return self._deny(
                Reason.STALE_REFERENCE, f"age_ms={age_ms:g}, limit={config.stale_after_ms:g}"
            )
        assert config.collar_bp is not None and config.max_order_notional is not None
        collar = config.collar_bp / 1e4
        value_ticks = self._valuation_price(book, order, collar)
        notional = value_ticks * order.quantity * instrument.lot_notional
        if notional > config.max_order_notional:
            return self._deny(
                Reason.MAX_NOTIONAL,
                f"notional={notional:.2f}, limit={config.max_order_notional:g}",
            )
        mid = (book.bid + book.ask) / 2
        if order.kind == OrderKind.LIMIT:
            distance_bp = abs(order.price - mid) / mid * 1e4
            if distance_bp > config.collar_bp:
                return self._deny(
                    Reason.PRICE_COLLAR,
                    f"price={order.price}, reference={mid:g}, distance_bp={distance_bp:.2f}, "
                    f"limit={config.collar_bp:g}",
                )
        limit = self._max_position(instrument.symbol, instrument.max_position)
        if order.side == Side.BUY:
            worst = book.position + book.open_buys + order.quantity
        else:
            worst = book.position - book.open_sells - order.quantity
        if abs(worst) > limit and not reduces:
            return self._deny(
                Reason.MAX_POSITION,
                f"position={book.position}, worst_case={worst}, limit={limit}",
            )
        if not reduces:
            verdict = self._check_exposure(order, value_ticks)
            if verdict is not None:
                return verdict
        assert config.max_open_orders is not None
        if len(self._open) >= config.max_open_orders:
            return self._deny(
                Reason.MAX_OPEN_ORDERS,
                f"open_orders={len(self._open)}, limit={config.max_open_orders}",
            )
        assert config.rate_window_ms is not None and config.rate_max_orders is not None
        window_start = now - config.rate_window_ms * 1000
        while self._accepted_times and self._accepted_times[0] <= window_start:
            self._accepted_times.popleft()
        if len(self._accepted_times) >= config.rate_max_orders:
            return self._deny(
                Reason.RATE_LIMIT,
                f"orders={len(self._accepted_times)}, window_ms={config.rate_window_ms:g}, "
                f"limit={config.rate_max_orders}",
            )
        if order.client_id in self._open or (
            self._last is not None and self._last[1] == order.client_id
        ):
            return self._deny(Reason.DUPLICATE_ID, f"client_id={order.client_id}")
        assert config.dup_window_ms is not None
        key = (order.instrument, order.side, order.kind, order.price, order.quantity)
        if (
            self._last is not None
            and self._last[2:] == key
            and now - self._last[0] <= config.dup_window_ms * 1000
        ):
            return self._deny(
                Reason.DUPLICATE_ORDER,
                f"client_id={order.client_id}, previous={self._last[1]}, "
                f"age_ms={(now - self._last[0]) / 1000:g}, window_ms={config.dup_window_ms:g}",
            )
        crossed = self._crosses_own(order)
        if crossed is not None:
            return self._deny(
                Reason.SELF_TRADE,
                f"side={order.side.name}, price={order.price}, resting_id={crossed[0]}, "
                f"resting_price={crossed[1]}",
            )
        if self._c17_breach is not None and not reduces:
            self.rejects[self._c17_breach.reason.name] = (
                self.rejects.get(self._c17_breach.reason.name, 0) + 1
            )
            return self._c17_breach
        # Accepted: the order is open from now on.
        self._open[order.client_id] = _Open(
            order.instrument, order.side, order.kind, order.price, order.quantity
        )
        if order.side == Side.BUY:
            book.open_buys += order.quantity
        else:
            book.open_sells += order.quantity
        self._accepted_times.append(now)
        self._last = (now, order.client_id, *key)
        self.accepts += 1
        return ACCEPTED

    def _check_exposure(self, order: OrderRequest, value_ticks: float) -> Verdict | None:
        """C10: gross worst-case exposure over all instruments, this order included."""
        assert self.config.max_gross_exposure is not None
        gross = 0.0
        for instrument in self.instruments:
            book = self._books[instrument.index]
            long_worst = book.position + book.open_buys
            short_worst = book.position - book.open_sells
            if instrument.index == order.instrument:
                if order.side == Side.BUY:
                    long_worst += order.quantity
                else:
                    short_worst -= order.quantity
                price: float = value_ticks
            else:
                if long_worst == 0 and short_worst == 0:
                    continue
                if book.ref_ts is None:
                    return self._deny(
                        Reason.UNKNOWN_POSITION,
                        f"symbol={instrument.symbol}, position={book.position}, reference=none",
                    )
                price = (book.bid + book.ask) / 2
            lots = max(abs(long_worst), abs(short_worst))
            gross += lots * price * instrument.lot_notional
        if gross > self.config.max_gross_exposure:
            return self._deny(
                Reason.MAX_EXPOSURE,
                f"exposure={gross:.2f}, limit={self.config.max_gross_exposure:g}",
            )
        return None

    def _crosses_own(self, order: OrderRequest) -> tuple[int, int] | None:
        for client_id, resting in self._open.items():
            if resting.instrument != order.instrument or resting.side == order.side:
                continue
            if resting.kind == OrderKind.MARKET or order.kind == OrderKind.MARKET:
                return client_id, resting.price
            if order.side == Side.BUY and order.price >= resting.price:
                return client_id, resting.price
            if order.side == Side.SELL and order.price <= resting.price:
                return client_id, resting.price
        return None

    # -- order life cycle --------------------------------------------------------------------

    def _close(self, client_id: int, quantity: int) -> _Open | None:
        resting = self._open.get(client_id)
        if resting is None:
            return None
        book = self._books[resting.instrument]
        taken = min(quantity, resting.remaining)
        resting.remaining -= taken
        if resting.side == Side.BUY:
            book.open_buys -= taken
        else:
            book.open_sells -= taken
        if resting.remaining <= 0:
            del self._open[client_id]
        return resting

    def on_cancel(self, client_id: int) -> bool:
        """An order is no longer working (cancelled, expired, rejected downstream). Cancels
        always pass, even when HALTED. Returns False for an id that is not open."""
        resting = self._open.get(client_id)
        if resting is None:
            return False
        self._close(client_id, resting.remaining)
        return True

    def on_fill(self, client_id: int, price: int, quantity: int, now: int) -> None:
        """A fill: moves the position; C14 and a position beyond its limit latch the kill.

        A fill for an unknown id still moves nothing but is a breach of bookkeeping: the
        position can no longer be trusted, so the guard latches the kill (fail closed).
        """
        resting = self._close(client_id, quantity)
        if resting is None:
            self.kill(
                KillCause.POSITION_BREACH, f"UNKNOWN_POSITION: fill for unknown id={client_id}"
            )
            return
        book = self._books[resting.instrument]
        book.position += quantity if resting.side == Side.BUY else -quantity
        config = self.config
        assert config.fill_window_ms is not None and config.fill_max is not None
        self._fill_times.append(now)
        window_start = now - config.fill_window_ms * 1000
        while self._fill_times and self._fill_times[0] <= window_start:
            self._fill_times.popleft()
        if len(self._fill_times) > config.fill_max:
            self.kill(
                KillCause.FILL_RATE,
                f"fills={len(self._fill_times)}, window_ms={config.fill_window_ms:g}, "
                f"limit={config.fill_max}",
            )
        instrument = self.instruments.by_index(resting.instrument)
        assert instrument is not None
        limit = self._max_position(instrument.symbol, instrument.max_position)
        if abs(book.position) > limit:
            self.kill(KillCause.POSITION_BREACH, f"position={book.position}, limit={limit}")

    def restore_position(self, instrument: int, lots: int) -> None:
        """Start from a position held before this guard existed (an engine restarted on its
        database). A position beyond its limit latches the kill at once, as a fill would.

        Raises
        ------
        KeyError
            ``instrument`` is not in the instrument map.
        """
        book = self._books[instrument]
        book.position = int(lots)
        described = self.instruments.by_index(instrument)
        assert described is not None
        limit = self._max_position(described.symbol, described.max_position)
        if abs(book.position) > limit:
            self.kill(
                KillCause.POSITION_BREACH, f"restored position={book.position}, limit={limit}"
            )

    # -- views -------------------------------------------------------------------------------

    def position(self, instrument: int) -> int:
        """Net position in lots."""
        return self._books[instrument].position

    @property
    def open_orders(self) -> list[int]:
        """Client ids of open orders."""
        return list(self._open)

    def status(self) -> dict[str, object]:
        """A snapshot for the Risk page: state, limits, positions, counters."""
        return {
            "state": self.state.name,
            "kill_cause": self.kill_cause.name,
            "kill_detail": self.kill_detail,
            "c17_breach": self._c17_breach.text if self._c17_breach else None,
            "limits": {f.name: getattr(self.config, f.name) for f in fields(self.config)},
            "positions": {i.symbol: self._books[i.index].position for i in self.instruments},
            "open_orders": len(self._open),
            "equity": self.equity,
            "peak_equity": self._peak_equity,
            "accepts": self.accepts,
            "rejects": dict(self.rejects),
        }
