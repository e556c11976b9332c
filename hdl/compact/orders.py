"""An ORDER as programs of the compact check engine: its pre-trade checks, and an accept's
state updates.

Every control of DESIGN.md section 3 that :class:`hdl.guard_core.GuardCore` evaluates with its
own comparator becomes a few µops that set one flag per reason; the reason is the first flag
set in code order (:func:`order_reason`), as the model's early returns give it. A check that
another one outranks may compute nonsense (the price checks of an unknown instrument): it is
never the reason.

The register file holds the guard's state here, word for word as the model keeps it. Each
instrument gets a program of its own (µop addresses are fixed), and an index past the last
built one gets a program that fails UNKNOWN_INSTRUMENT with the position and open quantities
0, as the model has them.

An accept's program (``accept<i>``) continues the checks' program with its flags and
scratch words: it takes the lowest free slot and updates the open quantity, notional and
count, the rate count and the last accepted order, as the model does.

The three checks on ages are timers (:mod:`hdl.compact.timers`) that the core finishes on the
beat (:data:`ORDER_TIMERS`): a reference that goes stale, a rate window that expires and a
duplicate window that ends while the frame's CRC arrives still count. An accept reads from
``file.beat`` whether its rate window had expired, and stamps the windows it starts with
``file.unit``. This module is a part of the compact core for small FPGAs (see
:mod:`hdl.compact`).
"""

from hdl.compact.microcode import Assembler, Op, Reg
from hdl.compact.register_file import (
    GuardFile,
    InstrumentRegs,
    SlotRegs,
    signed_view,
    zero_instrument,
)
from hdl.compact.timers import add_timer, beat_flag, timer_scratch
from hdl.protocol import LimitId, MessageType, OrderKind, Reason, Side
from hdl.protocol import TradingState as State

__all__ = ["add_order_programs", "order_reason", "ORDER_REASON_FLAGS", "ORDER_TIMERS"]

#: The reason of each flag, in priority order (the Reason codes' order).
ORDER_REASON_FLAGS: dict[str, Reason] = {
    reason.name.lower(): reason for reason in sorted(Reason) if 0 < reason < 0x40
}
#: The reason flag each timer finishes: the reference's age above STALE_AFTER, the rate
#: window's age at RATE_WINDOW (a new window: the rate limit counts from 0), the duplicate
#: window's age above DUP_WINDOW (the last accept is no longer a duplicate).
ORDER_TIMERS: dict[int, str] = {0: "stale_reference", 1: "rate_limit", 2: "duplicate_order"}


def add_order_programs(file: GuardFile) -> None:
    """Write the ORDER programs: ``order<i>`` (checks) and ``accept<i>`` (updates) per
    instrument, and ``order_unknown`` for an instrument that is not built."""
    asm = file.assembler
    asm.scope("order")
    scratch = {
        "price": asm.scratch("t.price", 2, signed=True),
        "worst_buy": asm.scratch("t.worst_buy", 3, signed=True),
        "worst_sell": asm.scratch("t.worst_sell", 3, signed=True),
        "upper": asm.scratch("t.collar_upper", 2, signed=True),
        "lower": asm.scratch("t.collar_lower", 2, signed=True),
        "valuation": asm.scratch("t.valuation", 2, signed=True),
        "notional": asm.scratch("t.notional", 3),
        "partial": asm.scratch("t.partial", 2),
        "negative_max": asm.scratch("t.negative_max", 2, signed=True),
        "gross": asm.scratch("t.gross", 4),
        "since": timer_scratch(file, "order"),
    }
    for reason in ORDER_TIMERS.values():
        asm.flag(reason)  # the core sets it on the beat, from the timer
    for index, inst in enumerate(file.instruments):
        asm.entry(f"order{index}")
        _order_program(asm, file, scratch, inst, index)
        asm.end()
        asm.entry(f"accept{index}")
        _accept_program(asm, file, scratch, inst)
        asm.end()
    zero_inst = zero_instrument(asm)
    asm.entry("order_unknown")
    _order_program(asm, file, scratch, zero_inst, None)
    asm.end()


def _order_program(
    asm: Assembler,
    file: GuardFile,
    t: dict[str, Reg],
    inst: InstrumentRegs,
    index: int | None,
) -> None:
    msg, lim = file.messages[MessageType.ORDER], file.limits
    one = asm.const(1, 1)
    signed_one = signed_view(one)
    signed_zero = signed_view(asm.zero)
    quantity = msg["quantity"]

    # the order's shape: flags the rest is predicated on
    asm.set_if("limit", msg["kind"], "==", asm.const(OrderKind.LIMIT, 1))
    asm.set_if("buy", msg["side"], "==", asm.const(Side.BUY, 1))
    asm.set_if("limit_buy", msg["side"], "==", asm.const(Side.BUY, 1), when="limit")
    asm.set_if("limit_sell", msg["side"], "==", asm.const(Side.SELL, 1), when="limit")
    asm.set_if("market_buy", msg["side"], "==", asm.const(Side.BUY, 1), when="!limit")
    asm.set_if("market_sell", msg["side"], "==", asm.const(Side.SELL, 1), when="!limit")
    # a MARKET order's price is 0 everywhere
    asm.move(t["price"], asm.zero)
    asm.move(t["price"], msg["price"], when="limit")

    # C1, C2: the kill latch and the arming state (REDUCING: C1 below)
    asm.set_if("halted", file.state, "==", asm.const(State.HALTED, 1))
    asm.set_if("not_armed", file.state, "==", asm.const(State.DISARMED, 1))
    # the worst-case positions with every open order filled, and whether this one reduces
    asm.wide(Op.ADD, inst.position, inst.open_buy, dest=t["worst_buy"])
    asm.wide(Op.ADD, t["worst_buy"], quantity, dest=t["worst_buy"])
    asm.wide(Op.SUB, inst.position, inst.open_sell, dest=t["worst_sell"])
    asm.wide(Op.SUB, t["worst_sell"], quantity, dest=t["worst_sell"])
    asm.set_if("reducing", t["worst_buy"], "<=", signed_zero, when="buy")
    asm.set_if("reducing", t["worst_sell"], ">=", signed_zero, when="!buy")
    asm.set_if("reducing_only", file.state, "==", asm.const(State.REDUCING, 1), when="!reducing")
    # C3: instrument known and enabled
    asm.set_if("unknown_instrument", inst.enabled, "==", asm.zero)
    if index is None:
        return  # only the checks above outrank an unknown instrument
    # C4, C5: price and quantity
    asm.set_if("invalid_price", t["price"], "==", asm.zero, when="limit")
    asm.set_if("invalid_price", t["price"], "<", inst.min_price, when="limit")
    asm.set_if("invalid_price", t["price"], ">", inst.max_price, when="limit")
    asm.set_if("invalid_quantity", quantity, "==", asm.zero)
    asm.set_if("max_quantity", quantity, ">", lim[LimitId.MAX_ORDER_QTY])
    # C8: a fresh reference (C6 and C7 need it)
    asm.set_if("stale_reference", inst.has_ref, "==", asm.zero)
    add_timer(file, 0, inst.ref_base, ">", lim[LimitId.STALE_AFTER], scratch=t["since"])
    asm.set_if("timer0.after", asm.zero, "==", asm.zero)

    # the valuation: a limit order at its price or the touch, whichever is worse for us; a
    # market order at the reference mid moved by the collar, or the touch if worse (>= 1)
    collar = lim[LimitId.COLLAR_TICKS]
    value = t["valuation"]
    asm.wide(Op.ADD, inst.ref_mid, collar, dest=t["upper"])
    asm.wide(Op.SUB, inst.ref_mid, collar, dest=t["lower"])
    ask = signed_view(inst.ask)
    asm.move(value, ask, when="buy")
    asm.move(value, inst.bid, when="!buy")
    asm.set_if("price_above_ask", t["price"], ">", ask, when="limit_buy")
    asm.move(value, t["price"], when="price_above_ask")
    asm.set_if("price_below_bid", t["price"], "<", inst.bid, when="limit_sell")
    asm.move(value, t["price"], when="price_below_bid")
    asm.set_if("upper_above_ask", t["upper"], ">", ask, when="market_buy")
    asm.move(value, t["upper"], when="upper_above_ask")
    asm.set_if("lower_below_bid", t["lower"], "<", inst.bid, when="market_sell")
    asm.move(value, t["lower"], when="lower_below_bid")
    asm.set_if("below_one", value, "<", signed_one, when="market_sell")
    asm.move(value, one, when="below_one")
    # C6: the notional, quantity x valuation (16 x 25 bits) from 16 x 16 products
    notional = t["notional"]
    asm.multiply(notional, quantity, value.part(0), scratch=t["partial"])
    asm.set_if("max_notional", notional, ">", lim[LimitId.MAX_ORDER_NOTIONAL])
    # C7: a limit price within the collar of the reference mid
    asm.set_if("price_collar", t["price"], ">", t["upper"], when="limit")
    asm.set_if("price_collar", t["price"], "<", t["lower"], when="limit")
    # C9: the position limit, in the worst case
    asm.wide(Op.SUB, signed_zero, inst.max_position, dest=t["negative_max"])
    asm.set_if("max_position", t["worst_buy"], ">", inst.max_position, when="buy")
    asm.set_if("max_position", t["worst_sell"], "<", t["negative_max"], when="!buy")
    # C10: gross exposure with this order, unless it reduces
    gross = t["gross"]
    asm.wide(Op.ADD, file.exposure_sum, file.open_notional, dest=gross)
    asm.wide(Op.ADD, gross, notional, dest=gross)
    asm.set_if("max_exposure", gross, ">", lim[LimitId.MAX_GROSS_EXPOSURE], when="!reducing")
    # C11, C12: open orders and the order rate in the current window
    asm.set_if("max_open_orders", file.open_count, ">=", lim[LimitId.MAX_OPEN_ORDERS])
    add_timer(file, 1, file.rate_base, ">=", lim[LimitId.RATE_WINDOW], scratch=t["since"])
    asm.set_if("timer1.before", file.rate_count, ">=", lim[LimitId.RATE_MAX_ORDERS])
    asm.set_if("timer1.after", asm.zero, ">=", lim[LimitId.RATE_MAX_ORDERS])
    # C13: a duplicate client id (the last accept's, or an open order's)
    last = file.last
    asm.set_if("last_differs", last["valid"], "==", asm.zero)
    asm.set_if("id_differs", last["client_id"], "!=", msg["client_id"])
    asm.set_if("duplicate_id", last["valid"], "!=", asm.zero, when="!id_differs")
    for slot in file.slots:
        asm.set_if(
            "duplicate_id", slot.client_id, "==", msg["client_id"], when=_valid_flag(asm, slot)
        )
    # C13: the same order as the last accept, within the duplicate window
    instrument = msg["instrument"]
    for field, value in (
        ("instrument", instrument),
        ("side", msg["side"]),
        ("kind", msg["kind"]),
        ("price", t["price"]),
        ("quantity", quantity),
    ):
        asm.set_if("last_differs", last[field], "!=", value)
    add_timer(file, 2, file.dup_base, ">", lim[LimitId.DUP_WINDOW], scratch=t["since"])
    asm.set_if("timer2.before", asm.zero, "==", asm.zero, when="!last_differs")
    # C15: self-trade with an open limit order on the other side that this one would cross
    for number, slot in enumerate(file.slots):
        apart = f"slot{number}_apart"
        asm.set_if(apart, slot.valid, "==", asm.zero)
        asm.set_if(apart, slot.instrument, "!=", instrument)
        asm.set_if(apart, slot.side, "==", msg["side"])
        asm.set_if(apart, slot.kind, "!=", asm.const(OrderKind.LIMIT, 1))
        asm.set_if(apart, t["price"], "<", slot.price, when="limit_buy")
        asm.set_if(apart, t["price"], ">", slot.price, when="limit_sell")
        asm.set_if("self_trade", asm.zero, "==", asm.zero, when=f"!{apart}")


def _accept_program(
    asm: Assembler, file: GuardFile, t: dict[str, Reg], inst: InstrumentRegs
) -> None:
    """The updates of an accepted order; the flags and scratch words are its checks'."""
    msg, last = file.messages[MessageType.ORDER], file.last
    one = asm.const(1, 1)
    quantity = msg["quantity"]
    # the lowest free slot (there is one: MAX_OPEN_ORDERS is at most the slot count)
    for number, slot in enumerate(file.slots):
        chosen = f"slot{number}_chosen"
        asm.set_if(chosen, slot.valid, "==", asm.zero, when="!slot_taken")
        asm.set_if("slot_taken", asm.zero, "==", asm.zero, when=chosen)
        asm.move(slot.valid, one, when=chosen)
        for name, value in (
            ("client_id", msg["client_id"]),
            ("instrument", msg["instrument"]),
            ("side", msg["side"]),
            ("kind", msg["kind"]),
            ("price", t["price"]),
            ("remaining", quantity),
            ("valuation", t["valuation"]),
        ):
            asm.move(getattr(slot, name), value, when=chosen)
    asm.wide(Op.ADD, file.open_count, one, dest=file.open_count)
    asm.wide(Op.ADD, inst.open_buy, quantity, dest=inst.open_buy, when="buy")
    asm.wide(Op.ADD, inst.open_sell, quantity, dest=inst.open_sell, when="!buy")
    asm.wide(Op.ADD, file.open_notional, t["notional"], dest=file.open_notional)
    # a new rate window starts with this order, or the current one counts it
    beat_flag(file, 1, "rate_expired", fired=True)
    asm.move(file.rate_count, one, when="rate_expired")
    asm.move(file.rate_base, file.unit, when="rate_expired")
    asm.wide(Op.ADD, file.rate_count, one, dest=file.rate_count, when="!rate_expired")
    asm.move(file.dup_base, file.unit)
    asm.move(last["valid"], one)
    for name, value in (
        ("client_id", msg["client_id"]),
        ("instrument", msg["instrument"]),
        ("side", msg["side"]),
        ("kind", msg["kind"]),
        ("price", t["price"]),
        ("quantity", quantity),
    ):
        asm.move(last[name], value)


def _valid_flag(asm: Assembler, slot: SlotRegs) -> str:
    name = f"{slot.valid.name}_set"
    asm.set_if(name, slot.valid, "!=", asm.zero)
    return name


def order_reason(flags: int, numbers: dict[str, int]) -> Reason:
    """The reason of an ORDER from its program's flags: the first failing control in code
    order, ACCEPT when none fails."""
    for name, reason in ORDER_REASON_FLAGS.items():
        if name in numbers and flags >> numbers[name] & 1:
            return reason
    return Reason.ACCEPT
