"""CANCEL, FILL and CANCEL_ALL as programs of the compact check engine.

``cancel`` and ``fill`` find the open order with the message's client id (at most one slot
matches: client ids of open orders are unique) and gather its fields; the flag
``release.unknown`` is the ack's UNKNOWN_ORDER. ``cancel_update`` and ``fill_update`` continue
them after the beat: the order's open quantity and notional are released (the slot is freed
when nothing remains), and a fill moves the position, values it at the fill's price for the
gross exposure, counts the fill window and flags what a kill needs (:func:`fill_kill` names
the cause the core's kill latch takes). ``cancel_all`` frees every slot.

Whether the fill window has expired is a timer (:mod:`hdl.compact.timers`): ``fill`` starts
timer 0 and ``fill_update`` reads on ``file.beat`` what the core found on the beat, as the
model decides it on the message's cycle.
"""

from hdl.compact.microcode import Op, Reg
from hdl.compact.register_file import GuardFile, InstrumentRegs, signed_view
from hdl.compact.timers import add_timer, beat_flag, timer_scratch
from hdl.guard_spec import EXPOSURE_QTY_MAX, FILL_COUNT_MAX
from hdl.protocol import KillCause, LimitId, MessageType, Side
from hdl.protocol import TradingState as State

__all__ = ["add_release_programs", "exposure_scratch", "fill_kill", "revalue"]


def add_release_programs(file: GuardFile) -> None:
    """Write ``cancel``, ``cancel_update``, ``fill``, ``fill_update`` and ``cancel_all``."""
    asm = file.assembler
    asm.scope("release")
    scratch = {
        "quantity": asm.scratch("t.release_quantity", 1),
        "instrument": asm.scratch("t.release_instrument", 1),
        "side": asm.scratch("t.release_side", 1),
        "valuation": asm.scratch("t.release_valuation", 2),
        "notional": asm.scratch("t.release_notional", 3),
        "since": timer_scratch(file, "release"),
    }
    scratch.update(exposure_scratch(file, "release"))
    for name, fill in (("cancel", False), ("fill", True)):
        asm.entry(name)
        _find(file, scratch, fill=fill)
        asm.end()
        asm.entry(f"{name}_update")
        _release(file, scratch)
        if fill:
            _fill(file, scratch)
        asm.end()
    asm.scope("cancel_all")
    asm.entry("cancel_all")
    for slot in file.slots:
        asm.move(slot.valid, asm.zero)
    for reg in (file.open_count, file.open_notional):
        asm.move(reg, asm.zero)
    for inst in file.instruments:
        asm.move(inst.open_buy, asm.zero)
        asm.move(inst.open_sell, asm.zero)
    asm.end()


def _find(file: GuardFile, t: dict[str, Reg], *, fill: bool) -> None:
    """The matching slot, its fields, and the quantity released (a fill's is capped at what
    remains)."""
    asm = file.assembler
    msg = file.messages[MessageType.FILL if fill else MessageType.CANCEL]
    for number, slot in enumerate(file.slots):
        valid, match = f"release.valid{number}", f"release.match{number}"
        asm.set_if(valid, slot.valid, "!=", asm.zero)
        asm.set_if(match, slot.client_id, "==", msg["client_id"], when=valid)
        asm.set_if("release.found", asm.zero, "==", asm.zero, when=match)
        for field in ("instrument", "side", "valuation"):
            asm.move(t[field], getattr(slot, field), when=match)
        asm.move(t["quantity"], slot.remaining, when=match)
        if fill:
            over = f"release.over{number}"
            asm.set_if(over, slot.remaining, ">", msg["quantity"], when=match)
            asm.move(t["quantity"], msg["quantity"], when=over)
    asm.set_if("release.unknown", asm.zero, "==", asm.zero, when="!release.found")
    if fill:
        window = file.limits[LimitId.FILL_WINDOW]
        add_timer(file, 0, file.fill_base, ">=", window, scratch=t["since"])
    # the instrument and side the updates are predicated on
    for index in range(len(file.instruments)):
        at = f"release.at{index}"
        asm.set_if(at, t["instrument"], "==", asm.const(index, 1), when="release.found")
        asm.set_if(f"release.buy{index}", t["side"], "==", asm.const(Side.BUY, 1), when=at)
        asm.set_if(f"release.sell{index}", t["side"], "==", asm.const(Side.SELL, 1), when=at)


def _release(file: GuardFile, t: dict[str, Reg]) -> None:
    """The matching order's open quantity and notional released; its slot freed if empty."""
    asm = file.assembler
    quantity = t["quantity"]
    for index, inst in enumerate(file.instruments):
        asm.wide(Op.SUB, inst.open_buy, quantity, dest=inst.open_buy, when=f"release.buy{index}")
        asm.wide(Op.SUB, inst.open_sell, quantity, dest=inst.open_sell, when=f"release.sell{index}")
    asm.multiply(t["notional"], t["valuation"], quantity, scratch=t["product"])
    asm.wide(
        Op.SUB, file.open_notional, t["notional"], dest=file.open_notional, when="release.found"
    )
    one = asm.const(1, 1)
    for number, slot in enumerate(file.slots):
        match, empty = f"release.match{number}", f"release.empty{number}"
        asm.wide(Op.SUB, slot.remaining, quantity, dest=slot.remaining, when=match)
        asm.set_if(empty, slot.remaining, "==", asm.zero, when=match)
        asm.move(slot.valid, asm.zero, when=empty)
        asm.wide(Op.SUB, file.open_count, one, dest=file.open_count, when=empty)


def _fill(file: GuardFile, t: dict[str, Reg]) -> None:
    """A fill's position, exposure, fill window and kills (after :func:`_release`)."""
    asm = file.assembler
    msg, lim = file.messages[MessageType.FILL], file.limits
    quantity = t["quantity"]
    # the fill window: a new one starts with this fill, or the current one counts it
    one = asm.const(1, 1)
    beat_flag(file, 0, "release.window_over", fired=True, when="release.found")
    beat_flag(file, 0, "release.window_runs", fired=False, when="release.found")
    asm.move(file.fill_count, one, when="release.window_over")
    asm.move(file.fill_base, file.unit, when="release.window_over")
    asm.wide(Op.ADD, file.fill_count, one, dest=file.fill_count, when="release.window_runs")
    most = asm.const(FILL_COUNT_MAX, 2)
    asm.set_if("release.count_over", file.fill_count, ">", most, when="release.found")
    asm.move(file.fill_count, most, when="release.count_over")
    asm.set_if("release.armed", file.state, "!=", asm.const(State.HALTED, 1))
    asm.set_if("release.fill_rate", file.fill_count, ">", lim[LimitId.FILL_MAX])
    for index, inst in enumerate(file.instruments):
        at, buy, sell = f"release.at{index}", f"release.buy{index}", f"release.sell{index}"
        asm.wide(Op.ADD, inst.position, quantity, dest=inst.position, when=buy)
        asm.wide(Op.SUB, inst.position, quantity, dest=inst.position, when=sell)
        asm.move(inst.last_fill_price, msg["price"], when=at)
        revalue(file, t, inst, msg["price"], when=at, prefix=f"release.{index}", breach=True)


def revalue(
    file: GuardFile,
    t: dict[str, Reg],
    inst: InstrumentRegs,
    price: Reg,
    *,
    when: str,
    prefix: str,
    breach: bool = False,
) -> None:
    """``inst``'s exposure, ``min(|position|, EXPOSURE_QTY_MAX) x price``, replaces its old
    one in the gross exposure (a fill, SET_POSITION); with ``breach``, flag
    ``release.breach`` when |position| is above the instrument's limit."""
    asm = file.assembler
    magnitude, exposure = t["magnitude"], t["exposure"]
    signed_zero = signed_view(asm.zero)
    cap = asm.const(EXPOSURE_QTY_MAX, 2)
    negative, capped = f"{prefix}.negative", f"{prefix}.capped"
    asm.move(magnitude, inst.position, when=when)
    asm.set_if(negative, inst.position, "<", signed_zero, when=when)
    asm.wide(Op.SUB, signed_zero, inst.position, dest=magnitude, when=negative)
    if breach:
        asm.set_if("release.breach", magnitude, ">", signed_view(inst.max_position), when=when)
    asm.set_if(capped, magnitude, ">", signed_view(cap), when=when)
    asm.move(magnitude, cap, when=capped)
    low_magnitude = magnitude.part(0, 2)  # below 2**24 now
    asm.multiply(exposure, low_magnitude, price, scratch=t["product"], when=when)
    asm.wide(Op.ADD, file.exposure_sum, exposure, dest=file.exposure_sum, when=when)
    asm.wide(Op.SUB, file.exposure_sum, inst.exposure, dest=file.exposure_sum, when=when)
    asm.move(inst.exposure, exposure, when=when)


def exposure_scratch(file: GuardFile, name: str) -> dict[str, Reg]:
    """Scratch words for :func:`revalue`, named after the program family ``name``."""
    asm = file.assembler
    return {
        "magnitude": asm.scratch(f"t.{name}_magnitude", 3, signed=True),
        "exposure": asm.scratch(f"t.{name}_exposure", 3),
        "product": asm.scratch(f"t.{name}_product", 2),
    }


def fill_kill(flags: int, numbers: dict[str, int]) -> KillCause:
    """The kill a FILL latches, from its update program's flags: none for an unknown order or
    while HALTED; the fill rate before a position breach."""

    def flag(name: str) -> bool:
        return bool(flags >> numbers[name] & 1)

    if not (flag("release.found") and flag("release.armed")):
        return KillCause.NONE
    if flag("release.fill_rate"):
        return KillCause.FILL_RATE
    if flag("release.breach"):
        return KillCause.POSITION_BREACH
    return KillCause.NONE
