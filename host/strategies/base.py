"""The strategy interface: a versioned ABC whose handlers return order intents.

Handlers are plain methods, not coroutines: a strategy decides from the event in front of it
and never waits, which keeps a replay deterministic and cheap (an ``await`` per event would
cost more than most strategies' arithmetic). Optional handlers allow by default and take
keyword-only arguments, so adding an argument later does not break existing strategies.
"""

import abc
from dataclasses import dataclass, field
from typing import Any

from hdl.protocol import OrderKind, Side

__all__ = ["Strategy", "OrderIntent", "CancelAll", "Signal", "Intent"]


@dataclass(frozen=True)
class OrderIntent:
    """A new order the strategy wants; the guards and the broker decide what happens.

    ``price`` is None for a market order; ``tag`` says why (``entry-1``, ``stop``, ...).
    """

    symbol: str
    side: Side
    kind: OrderKind
    price: float | None
    quantity: float
    tag: str


@dataclass(frozen=True)
class CancelAll:
    """Cancel every open order of the strategy on ``symbol`` (cancels always pass)."""

    symbol: str
    tag: str = "cancel-all"


Intent = OrderIntent | CancelAll


@dataclass(frozen=True)
class Signal:
    """Something the strategy noticed, stored and shown whether or not it trades."""

    ts: int
    symbol: str
    kind: str
    side: str | None
    strength: float
    detail: dict[str, Any] = field(default_factory=dict)


class Strategy(abc.ABC):
    """Base of every strategy. Times are integer microseconds of event time.

    The engine calls :meth:`on_quote` for every top-of-book update the tick filter
    accepted, :meth:`on_trade` and :meth:`on_liquidation` for sanitized prints,
    :meth:`on_fill` for our executions, :meth:`on_order_done` when an order stops working and
    :meth:`on_restore` for a position it restored after a restart.
    Signals go to :attr:`signals`; the engine drains and stores them.
    """

    INTERFACE_VERSION = 1
    name = "strategy"

    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def on_start(self) -> None:  # noqa: B027 -- optional hook, allows by default
        """Called once before the first event."""

    @abc.abstractmethod
    def on_quote(
        self, symbol: str, ts: int, bid: float, ask: float, bid_qty: float, ask_qty: float
    ) -> list[Intent]:
        """A best bid/ask update that passed the sanitizer and the tick filter."""

    def on_trade(  # noqa: B027 -- optional hook
        self, symbol: str, ts: int, price: float, quantity: float, side: int
    ) -> None:
        """A public trade (``side`` is the taker's: +1 buy, -1 sell)."""

    def on_liquidation(  # noqa: B027 -- optional hook
        self, symbol: str, ts: int, price: float, quantity: float, side: int
    ) -> None:
        """A forced liquidation order (``side`` is the liquidation order's side)."""

    def on_fill(  # noqa: B027 -- optional hook
        self, symbol: str, ts: int, side: Side, price: float, quantity: float, *, tag: str
    ) -> None:
        """One of our orders filled (partly)."""

    def on_order_done(  # noqa: B027 -- optional hook
        self, symbol: str, ts: int, *, tag: str, status: str
    ) -> None:
        """One of our orders stopped working: filled, cancelled or rejected (by whom in
        ``status``)."""

    def on_restore(  # noqa: B027 -- optional hook
        self, symbol: str, quantity: float, average_price: float
    ) -> None:
        """A position (signed base quantity) the engine restored from the store after a
        restart, before the first event. A strategy that manages exits should adopt it:
        nothing else will close it."""

    def on_stop(self) -> None:  # noqa: B027 -- optional hook
        """Called once after the last event."""

    def drain_signals(self) -> list[Signal]:
        """Signals since the last call."""
        signals, self.signals = self.signals, []
        return signals
