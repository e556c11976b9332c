"""Stage A of the pre-trade checks: every order control except the two that need the notional.

:func:`order_checks` builds, from registered values only, one fail bit per Reason in code order
(HALTED, MAX_NOTIONAL and MAX_EXPOSURE excepted: GuardCore computes them on stage B, from the
kill latch as it is then and from the single multiplier), whether the order reduces the
position, and the lowest free order slot. :func:`order_valuation` gives the price the order is
valued at; GuardCore computes it on stage 0, so that the multiplier has a stage of its own.
The rules are those of :class:`host.link.model.GuardModel`.
"""

from dataclasses import dataclass
from typing import Any

from amaranth.hdl import Cat, Module, Mux, Signal, Value, signed

from hdl.guard_spec import VALUATION_BITS
from hdl.protocol import (
    N_INSTRUMENTS,
    POSITION_BITS,
    PRICE_BITS,
    LimitId,
    OrderKind,
    Reason,
    Side,
    TradingState,
)

__all__ = ["OrderChecks", "order_checks", "order_valuation", "STAGE_A_REASONS"]

#: The reasons whose fail bits stage A produces, in the order of :attr:`OrderChecks.fails`.
#: GuardCore reads HALTED on stage B itself (a kill on the beat cycle must not be missed).
STAGE_A_REASONS = tuple(
    r
    for r in Reason
    if 0 < r < 0x40 and r not in (Reason.HALTED, Reason.MAX_NOTIONAL, Reason.MAX_EXPOSURE)
)


@dataclass
class OrderChecks:
    """The stage-A results of one order (combinational).

    Attributes
    ----------
    fails : Value
        One bit per reason of :data:`STAGE_A_REASONS`, set when that control fails.
    reducing : Signal(1)
        The order shrinks the position in the worst case with open orders.
    rate_expired : Signal(1)
        The current rate window is over (an accept starts a new one).
    free_slot : Signal(range(N_ORDER_SLOTS))
        The lowest free order slot.
    price : Signal(PRICE_BITS)
        The order's price, 0 for a MARKET order.
    """

    fails: Value
    reducing: Signal
    rate_expired: Signal
    free_slot: Signal
    price: Signal


def _abs_diff(a: Value, b: Value) -> Value:
    # The tick filter tests its band as two comparisons against precomputed bounds, which
    # shortened its critical path. The collar is on no critical path, and the same form here
    # (C7 against ref_mid +- collar) cost ~110 more LUT4s on the full ECP5 build (flattened
    # synthesis, 2026-12), so it keeps this one.
    return Mux(a > b, a - b, b - a)


def order_checks(
    m: Module,
    *,
    view: Any,
    state: Value,
    lim: dict[LimitId, Value],
    row: Any,
    slots: list[Any],
    match: Value,
    open_count: Value,
    rate_count: Value,
    rate_age: Value,
    dup_age: Value,
    last: dict[str, Signal],
    n_instruments: int = N_INSTRUMENTS,
) -> OrderChecks:
    """Build the stage-A checks of the ORDER payload ``view`` into ``m``."""
    instrument = view.instrument
    known = instrument < n_instruments
    buy = view.side == Side.BUY
    limit = view.kind == OrderKind.LIMIT
    quantity = view.quantity
    price = Signal(PRICE_BITS, name="order_price")
    m.d.comb += price.eq(Mux(limit, view.price, 0))

    position = Mux(known, row.position, 0)
    open_buy = Mux(known, row.open_buy, 0)
    open_sell = Mux(known, row.open_sell, 0)
    worst_buy = Signal(signed(36), name="worst_buy")
    worst_sell = Signal(signed(36), name="worst_sell")
    m.d.comb += [
        worst_buy.eq(position + open_buy + quantity),
        worst_sell.eq(position - open_sell - quantity),
    ]
    reducing = Signal(name="order_reducing")
    m.d.comb += reducing.eq(Mux(buy, worst_buy <= 0, worst_sell >= 0))

    enabled = row.enabled
    min_price = row.min_price
    max_price = row.max_price
    ref_mid = row.ref_mid
    max_position = Signal(POSITION_BITS - 1, name="order_max_position")
    m.d.comb += max_position.eq(row.max_position)
    collar = lim[LimitId.COLLAR_TICKS]

    rate_expired = Signal(name="rate_expired")
    m.d.comb += rate_expired.eq(rate_age >= lim[LimitId.RATE_WINDOW])

    self_trade = Cat(
        slot.valid
        & (slot.instrument == instrument)
        & (slot.side != view.side)
        & (slot.kind == OrderKind.LIMIT)
        & (~limit | Mux(buy, price >= slot.price, price <= slot.price))
        for slot in slots
    ).any()

    free_slot = Signal(range(len(slots)), name="free_slot")
    for slot_index in reversed(range(len(slots))):
        with m.If(~slots[slot_index].valid):
            m.d.comb += free_slot.eq(slot_index)

    checks = {
        Reason.NOT_ARMED: state == TradingState.DISARMED,
        Reason.REDUCING_ONLY: (state == TradingState.REDUCING) & ~reducing,
        Reason.UNKNOWN_INSTRUMENT: ~known | ~enabled,
        Reason.INVALID_PRICE: limit & ((price == 0) | (price < min_price) | (price > max_price)),
        Reason.INVALID_QUANTITY: quantity == 0,
        Reason.MAX_QUANTITY: quantity > lim[LimitId.MAX_ORDER_QTY],
        Reason.STALE_REFERENCE: ~row.has_ref | (row.ref_age > lim[LimitId.STALE_AFTER]),
        Reason.PRICE_COLLAR: limit & (_abs_diff(price, ref_mid) > collar),
        Reason.MAX_POSITION: Mux(buy, worst_buy > max_position, worst_sell < -max_position),
        Reason.MAX_OPEN_ORDERS: open_count >= lim[LimitId.MAX_OPEN_ORDERS],
        Reason.RATE_LIMIT: Mux(rate_expired, 0, rate_count) >= lim[LimitId.RATE_MAX_ORDERS],
        Reason.DUPLICATE_ID: (match != 0) | (last["valid"] & (last["client_id"] == view.client_id)),
        Reason.DUPLICATE_ORDER: last["valid"]
        & (last["instrument"] == instrument)
        & (last["side"] == view.side)
        & (last["kind"] == view.kind)
        & (last["price"] == price)
        & (last["quantity"] == quantity)
        & (dup_age <= lim[LimitId.DUP_WINDOW]),
        Reason.SELF_TRADE: self_trade,
    }
    fails = Signal(len(STAGE_A_REASONS), name="order_fails")
    m.d.comb += fails.eq(Cat(checks[reason] for reason in STAGE_A_REASONS))
    return OrderChecks(fails, reducing, rate_expired, free_slot, price)


def order_valuation(
    m: Module, *, view: Any, bid: Value, ask: Value, ref_mid: Value, collar: Value
) -> Signal:
    """The price the ORDER payload ``view`` is valued at (C6, C10), combinationally.

    A limit order at its price or the touch it would trade against, whichever is worse for
    us; a market order at the reference mid moved by the collar, or the touch if that is
    worse (a sell at least 1 tick). ``bid``, ``ask`` and ``ref_mid`` are those of the order's
    instrument.
    """
    buy = view.side == Side.BUY
    limit = view.kind == OrderKind.LIMIT
    price = view.price
    valuation = Signal(VALUATION_BITS, name="order_valuation")
    upper = Signal(VALUATION_BITS, name="collar_upper")
    lower = Signal(signed(VALUATION_BITS + 1), name="collar_lower")
    m.d.comb += [upper.eq(ref_mid + collar), lower.eq(ref_mid - collar)]
    with m.If(limit & buy):
        m.d.comb += valuation.eq(Mux(price > ask, price, ask))
    with m.Elif(limit):
        m.d.comb += valuation.eq(Mux(price < bid, price, bid))
    with m.Elif(buy):
        m.d.comb += valuation.eq(Mux(upper > ask, upper, ask))
    with m.Else():
        lowest = Mux(lower < bid, lower, bid)
        # lowest < 1 as a sign bit and a zero test (a comparison would be a carry chain)
        m.d.comb += valuation.eq(Mux(lowest[-1] | (lowest == 0), 1, lowest))
    return valuation
