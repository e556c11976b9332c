"""Stage A of the tick filter: the TickReason of a tick and its band-confirmation bookkeeping.

Checks in TickReason order: UNKNOWN_INSTRUMENT (index out of range or not enabled),
PRICE_RANGE (bid or ask 0, bid < min_price or ask > max_price), CROSSED_BOOK (bid >= ask),
TIME_BACKWARDS (timestamp older than the last accepted tick's; equal allowed), BAND_JUMP (with
a reference, ``mid = (bid + ask) >> 1`` more than ``band`` from the reference mid, unless it is
the CONFIRM_TICKS-th agreeing tick of the current candidate). The rules are those of
:class:`host.link.model.GuardModel`.
"""

from dataclasses import dataclass
from typing import Any

from amaranth.hdl import Module, Mux, Signal, Value, signed

from hdl.guard_spec import CONFIRM_COUNT_MAX
from hdl.protocol import N_INSTRUMENTS, PRICE_BITS, TickReason

__all__ = ["TickChecks", "tick_checks"]


@dataclass
class TickChecks:
    """The stage-A results of one tick (combinational).

    Attributes
    ----------
    reason : Signal(8)
        The TickReason (0 = accepted).
    mid : Signal(PRICE_BITS)
        The tick's mid price.
    count : Signal(8)
        The candidate's agreeing-tick count including this tick.
    near : Signal(1)
        The tick agrees with the current candidate (its mid stays).
    """

    reason: Signal
    mid: Signal
    count: Signal
    near: Signal


def _within(m: Module, value: Value, centre: Value, band: Value, name: str) -> Value:
    """``|value - centre| <= band``, as two comparisons against bounds computed from the
    registers in parallel with ``value``: a subtraction, a mux and a comparison in series was
    the ECP5's critical path."""
    low = Signal(signed(PRICE_BITS + 2), name=f"{name}_low")
    high = Signal(PRICE_BITS + 1, name=f"{name}_high")
    m.d.comb += [low.eq(centre - band), high.eq(centre + band)]
    return (value >= low) & (value <= high)


def tick_checks(
    m: Module,
    *,
    view: Any,
    row: Any,
    confirm: Value,
    confirm_set: Value,
    n_instruments: int = N_INSTRUMENTS,
) -> TickChecks:
    """Build the stage-A checks of the TICK payload ``view`` into ``m``."""
    bid, ask = view.bid, view.ask
    has_ref = row.has_ref
    band = row.band
    mid = Signal(PRICE_BITS, name="tick_mid")
    m.d.comb += mid.eq((bid + ask) >> 1)
    near = Signal(name="tick_near")
    m.d.comb += near.eq(row.cand_valid & _within(m, mid, row.cand_mid, band, "candidate"))
    # the count this tick gives the candidate, and whether it confirms: both outcomes come
    # from the registers, and the tick only picks one
    count = Signal(8, name="tick_count")
    next_count = Signal(8, name="tick_next_count")
    candidate_count = row.cand_count
    with m.If(candidate_count == CONFIRM_COUNT_MAX):
        m.d.comb += next_count.eq(CONFIRM_COUNT_MAX)
    with m.Else():
        m.d.comb += next_count.eq(candidate_count + 1)
    m.d.comb += count.eq(Mux(near, next_count, 1))
    out_of_band = has_ref & ~_within(m, mid, row.ref_mid, band, "reference")
    confirmed = confirm_set & Mux(near, next_count >= confirm, confirm <= 1)

    reason = Signal(8, name="tick_reason")
    with m.If((view.instrument >= n_instruments) | ~row.enabled):
        m.d.comb += reason.eq(TickReason.UNKNOWN_INSTRUMENT)
    with m.Elif((bid == 0) | (ask == 0) | (bid < row.min_price) | (ask > row.max_price)):
        m.d.comb += reason.eq(TickReason.PRICE_RANGE)
    with m.Elif(bid >= ask):
        m.d.comb += reason.eq(TickReason.CROSSED_BOOK)
    with m.Elif(has_ref & (view.timestamp < row.timestamp)):
        m.d.comb += reason.eq(TickReason.TIME_BACKWARDS)
    with m.Elif(out_of_band & ~confirmed):
        m.d.comb += reason.eq(TickReason.BAND_JUMP)
    return TickChecks(reason, mid, count, near)
