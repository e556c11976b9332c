"""L0Sanitizer: drops market data that must not reach the gateware or the strategy.

Rules, checked in this order; the first failing one is the reason, and every reason has a
counter (per symbol and in total):

1. ``SEQUENCE_DUPLICATE``: the exchange's update or trade id repeats or goes backwards.
2. ``SEQUENCE_GAP``: the id jumps by more than ``max_sequence_gap`` (off by default: the
   exchange's book-ticker ids are not contiguous per symbol).
3. ``NON_POSITIVE_PRICE`` / ``NON_POSITIVE_QUANTITY``: zero, negative or not finite.
4. ``ABSURD_PRICE``: more than ``max_deviation`` away from the last accepted mid of the symbol.
   A new level is adopted after ``confirm_count`` consecutive quotes agree with each other, so
   a real jump cannot lock the symbol out for good.
5. ``CROSSED_BOOK``: bid >= ask.
6. ``SPREAD``: (ask - bid) / mid above ``max_spread_bp``.
7. ``LATENCY``: receive time minus exchange time above ``max_latency_ms`` (or negative beyond
   ``max_clock_skew_ms``: the clocks disagree and the latency cannot be trusted).

The check is a plain method call per event: the Blueprint does this in the NIC's FPGA at line
rate; here it is a few hundred nanoseconds of Python, which is fine next to crypto
exchanges' millisecond latencies.
"""

import enum
import math
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["L0Sanitizer", "SanitizerConfig", "SanitizerReason"]


class SanitizerReason(enum.StrEnum):
    """Why the sanitizer dropped an event."""

    SEQUENCE_DUPLICATE = "SEQUENCE_DUPLICATE"
    SEQUENCE_GAP = "SEQUENCE_GAP"
    NON_POSITIVE_PRICE = "NON_POSITIVE_PRICE"
    NON_POSITIVE_QUANTITY = "NON_POSITIVE_QUANTITY"
    ABSURD_PRICE = "ABSURD_PRICE"
    CROSSED_BOOK = "CROSSED_BOOK"
    SPREAD = "SPREAD"
    LATENCY = "LATENCY"


@dataclass(frozen=True)
class SanitizerConfig:
    """Limits of the sanitizer.

    Parameters
    ----------
    max_latency_ms : float, default 1000.0
        Largest exchange-to-receive latency accepted.
    max_clock_skew_ms : float, default 50.0
        How far receive time may be *before* exchange time (clock skew) and still pass.
    max_spread_bp : float, default 30.0
        Largest spread accepted, basis points of the mid.
    max_deviation : float, default 0.2
        Largest relative distance from the last accepted mid (0.2 = 20 %).
    confirm_count : int, default 3
        Consecutive agreeing quotes that adopt a new level beyond ``max_deviation``.
    max_sequence_gap : int or None, default None
        Largest id increment accepted; None does not check gaps.
    """

    max_latency_ms: float = 1000.0
    max_clock_skew_ms: float = 50.0
    max_spread_bp: float = 30.0
    max_deviation: float = 0.2
    confirm_count: int = 3
    max_sequence_gap: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_latency_ms", "max_spread_bp", "max_deviation"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"SanitizerConfig.{name} must be positive, not {value!r}")
        if not self.max_clock_skew_ms >= 0:
            raise ValueError(
                f"SanitizerConfig.max_clock_skew_ms must be >= 0, not {self.max_clock_skew_ms!r}"
            )
        if not (isinstance(self.confirm_count, int) and self.confirm_count >= 1):
            raise ValueError(
                f"SanitizerConfig.confirm_count must be an integer >= 1, not {self.confirm_count!r}"
            )
        if self.max_sequence_gap is not None and not (
            isinstance(self.max_sequence_gap, int) and self.max_sequence_gap >= 1
        ):
            raise ValueError(
                f"SanitizerConfig.max_sequence_gap must be None or an integer >= 1, "
                f"not {self.max_sequence_gap!r}"
            )


@dataclass
class _SymbolState:
    last_seq: dict[str, int] = field(default_factory=dict)
    mid: float = 0.0
    candidate: float = 0.0
    streak: int = 0


class L0Sanitizer:
    """Validates quotes, trades and liquidations; counts every rejection by reason.

    Times are integer microseconds. Each ``check_*`` returns None to accept or the
    :class:`SanitizerReason`; :attr:`last_detail` then holds the "CODE: key=value" text.
    """

    def __init__(self, config: SanitizerConfig | None = None) -> None:
        self.config = config or SanitizerConfig()
        self._max_latency_us = self.config.max_latency_ms * 1000
        self._max_skew_us = self.config.max_clock_skew_ms * 1000
        self._max_spread = self.config.max_spread_bp / 1e4
        self._symbols: dict[str, _SymbolState] = {}
        #: Rejections by reason over all symbols.
        self.rejects: Counter[SanitizerReason] = Counter()
        #: Rejections by (symbol, reason).
        self.rejects_by_symbol: Counter[tuple[str, SanitizerReason]] = Counter()
        self.accepted = 0
        self.last_detail = ""

    def _state(self, symbol: str) -> _SymbolState:
        state = self._symbols.get(symbol)
        if state is None:
            state = self._symbols[symbol] = _SymbolState()
        return state

    def _reject(self, symbol: str, reason: SanitizerReason, detail: str) -> SanitizerReason:
        self.rejects[reason] += 1
        self.rejects_by_symbol[symbol, reason] += 1
        self.last_detail = f"{reason}: symbol={symbol}, {detail}"
        return reason

    def _sequence(
        self, symbol: str, state: _SymbolState, stream: str, seq: int | None
    ) -> SanitizerReason | None:
        if seq is None:
            return None
        last = state.last_seq.get(stream)
        if last is not None and seq <= last:
            return self._reject(
                symbol, SanitizerReason.SEQUENCE_DUPLICATE, f"seq={seq}, last={last}"
            )
        state.last_seq[stream] = seq
        gap = self.config.max_sequence_gap
        if last is not None and gap is not None and seq - last > gap:
            return self._reject(
                symbol, SanitizerReason.SEQUENCE_GAP, f"seq={seq}, last={last}, limit={gap}"
            )
        return None

    def _latency(self, symbol: str, exch_ts: int, recv_ts: int) -> SanitizerReason | None:
        latency = recv_ts - exch_ts
        if latency > self._max_latency_us or latency < -self._max_skew_us:
            return self._reject(
                symbol,
                SanitizerReason.LATENCY,
                f"latency_ms={latency / 1000:g}, limit={self.config.max_latency_ms:g}",
            )
        return None

    def _deviation(self, symbol: str, state: _SymbolState, mid: float) -> SanitizerReason | None:
        if state.mid <= 0 or abs(mid / state.mid - 1) <= self.config.max_deviation:
            return None
        if state.streak and abs(mid / state.candidate - 1) <= self.config.max_deviation:
            state.streak += 1
        else:
            state.candidate, state.streak = mid, 1
        if state.streak >= self.config.confirm_count:
            state.streak = 0
            return None
        return self._reject(
            symbol,
            SanitizerReason.ABSURD_PRICE,
            f"price={mid:g}, reference={state.mid:g}, limit={self.config.max_deviation:g}",
        )

    def check_quote(
        self,
        symbol: str,
        seq: int | None,
        exch_ts: int,
        recv_ts: int,
        bid: float,
        bid_qty: float,
        ask: float,
        ask_qty: float,
    ) -> SanitizerReason | None:
        """Check one best bid/ask update; None accepts it and makes its mid the reference."""
        state = self._state(symbol)
        reason = self._sequence(symbol, state, "quote", seq)
        if reason is not None:
            return reason
        if not (bid > 0 and ask > 0 and math.isfinite(bid) and math.isfinite(ask)):
            return self._reject(
                symbol, SanitizerReason.NON_POSITIVE_PRICE, f"bid={bid!r}, ask={ask!r}"
            )
        if not (bid_qty > 0 and ask_qty > 0):
            return self._reject(
                symbol,
                SanitizerReason.NON_POSITIVE_QUANTITY,
                f"bid_qty={bid_qty!r}, ask_qty={ask_qty!r}",
            )
        mid = (bid + ask) / 2
        reason = self._deviation(symbol, state, mid)
        if reason is not None:
            return reason
        if bid >= ask:
            return self._reject(symbol, SanitizerReason.CROSSED_BOOK, f"bid={bid:g}, ask={ask:g}")
        spread = (ask - bid) / mid
        if spread > self._max_spread:
            return self._reject(
                symbol,
                SanitizerReason.SPREAD,
                f"spread_bp={spread * 1e4:.2f}, limit={self.config.max_spread_bp:g}",
            )
        reason = self._latency(symbol, exch_ts, recv_ts)
        if reason is not None:
            return reason
        state.mid = mid
        state.streak = 0
        self.accepted += 1
        return None

    def check_trade(
        self,
        symbol: str,
        seq: int | None,
        exch_ts: int,
        recv_ts: int,
        price: float,
        quantity: float,
        stream: str = "trade",
    ) -> SanitizerReason | None:
        """Check one trade (or, with ``stream="liquidation"`` and ``seq=None``, a forced order)."""
        state = self._state(symbol)
        reason = self._sequence(symbol, state, stream, seq)
        if reason is not None:
            return reason
        if not (price > 0 and math.isfinite(price)):
            return self._reject(symbol, SanitizerReason.NON_POSITIVE_PRICE, f"price={price!r}")
        if not (quantity > 0 and math.isfinite(quantity)):
            return self._reject(
                symbol, SanitizerReason.NON_POSITIVE_QUANTITY, f"quantity={quantity!r}"
            )
        if state.mid > 0 and abs(price / state.mid - 1) > self.config.max_deviation:
            return self._reject(
                symbol,
                SanitizerReason.ABSURD_PRICE,
                f"price={price:g}, reference={state.mid:g}, limit={self.config.max_deviation:g}",
            )
        reason = self._latency(symbol, exch_ts, recv_ts)
        if reason is not None:
            return reason
        self.accepted += 1
        return None

    def check_liquidation(
        self, symbol: str, *, exch_ts: int, recv_ts: int, price: float, quantity: float
    ) -> SanitizerReason | None:
        """Check one forced liquidation (no sequence id on that stream)."""
        return self.check_trade(
            symbol,
            seq=None,
            exch_ts=exch_ts,
            recv_ts=recv_ts,
            price=price,
            quantity=quantity,
            stream="liquidation",
        )

    def summary(self) -> dict[str, int]:
        """Rejections by reason name, for reports and the Risk page."""
        return {str(reason): count for reason, count in sorted(self.rejects.items())}
