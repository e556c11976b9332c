"""CANCEL, FILL and CANCEL_ALL as programs of the compact check engine.

``cancel`` and ``fill`` find the open order with the message's client id (at most one slot
matches: client ids of open orders are unique) and gather its fields; the flag
``release.unknown`` is the ack's UNKNOWN_ORDER. ``fill`` also flags what a kill needs, since
the kill latch takes it on the update stage, before any update program runs
(:func:`fill_kill` names the cause): the position after the fill above the instrument's
limit, and the fill rate, a timer (:mod:`hdl.compact.timers`, :data:`FILL_TIMERS`) since the
fill window may expire on the beat. ``cancel_update`` and ``fill_update`` continue them after
the beat: the order's open quantity and notional are released (the slot is freed when
nothing remains), and a fill moves the position, values it at the fill's price for the gross
exposure and counts the fill window, reading on ``file.beat`` whether it expired.
``cancel_all_check`` leaves the count of open orders in ``file.result`` for the ack, and
``cancel_all`` frees every slot.
"""

from hdl.compact.microcode import Op, Reg
from hdl.compact.register_file import GuardFile, InstrumentRegs, signed_view
from hdl.compact.timers import add_timer, beat_flag, timer_scratch
from hdl.guard_spec import EXPOSURE_QTY_MAX, FILL_COUNT_MAX
from hdl.protocol import KillCause, LimitId, MessageType, Side

__all__ = [
    "FILL_TIMERS",
    "add_release_programs",
    "exposure_scratch",
    "fill_kill",
    "magnitude",
    "revalue",
]

#: The reason flag the fill window's timer finishes: the fill counted in the current window
#: (before it fires) or the first of a new one (after) is above FILL_MAX.
FILL_TIMERS: dict[int, str] = {0: "release.fill_rate"}


def add_release_programs(file: GuardFile) -> None:
    """Write ``cancel``, ``cancel_update``, ``fill``, ``fill_update``, ``cancel_all_check``
    and ``cancel_all``."""
    asm = file.assembler
    asm.scope("release")
    scratch = {
        "quantity": asm.scratch("t.release_quantity", 1),
        "instrument": asm.scratch("t.release_instrument", 1),
        "side": asm.scratch("t.release_side", 1),
        "valuation": asm.scratch("t.release_valuation", 2),
        "notional": asm.scratch("t.release_notional", 3),
        "since": timer_scratch(file, "release"),
        "count": asm.scratch("t.release_count", 2),
        "position": asm.scratch("t.release_position", 2, signed=True),
    }
    scratch.update(exposure_scratch(file, "release"))
    for reason in FILL_TIMERS.values():
        asm.flag(reason)  # the core sets it on the beat, from the timer
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
    asm.entry("cancel_all_check")
    asm.move(file.result, file.open_count)  # the ack's argument: the orders it cancels
    asm.end()
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
    # the instrument and side the updates are predicated on
    for index in range(len(file.instruments)):
        at = f"release.at{index}"
        asm.set_if(at, t["instrument"], "==", asm.const(index, 1), when="release.found")
        asm.set_if(f"release.buy{index}", t["side"], "==", asm.const(Side.BUY, 1), when=at)
        asm.set_if(f"release.sell{index}", t["side"], "==", asm.const(Side.SELL, 1), when=at)
    if fill:
        _fill_kills(file, t)


def _fill_kills(file: GuardFile, t: dict[str, Reg]) -> None:
    """What a fill's kill needs, before the beat: the kill latch takes it on the update stage,
    before the update program runs. The fill rate is a timer's (the window may expire on the
    beat): this fill is counted in the current window, or is the first of a new one. The
    position after the fill is kept in scratch for the update program."""
    asm = file.assembler
    lim, quantity = file.limits, t["quantity"]
    one = asm.const(1, 1)
    add_timer(file, 0, file.fill_base, ">=", lim[LimitId.FILL_WINDOW], scratch=t["since"])
    asm.wide(Op.ADD, file.fill_count, one, dest=t["count"])
    asm.set_if("timer0.before", t["count"], ">", lim[LimitId.FILL_MAX], when="release.found")
    asm.set_if("timer0.after", one, ">", lim[LimitId.FILL_MAX], when="release.found")
    for index, inst in enumerate(file.instruments):
        buy, sell = f"release.buy{index}", f"release.sell{index}"
        asm.wide(Op.ADD, inst.position, quantity, dest=t["position"], when=buy)
        asm.wide(Op.SUB, inst.position, quantity, dest=t["position"], when=sell)
        magnitude(
            file, t, t["position"], when=f"release.at{index}", prefix=f"release.{index}.after"
        )
        limit = signed_view(inst.max_position)
        asm.set_if("release.breach", t["magnitude"], ">", limit, when=f"release.at{index}")


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
    """A fill's position, exposure and fill window (after :func:`_release`), as its check
    program found them."""
    asm = file.assembler
    msg = file.messages[MessageType.FILL]
    # the fill window: a new one starts with this fill, or the current one counts it
    one = asm.const(1, 1)
    beat_flag(file, 0, "release.window_over", fired=True, when="release.found")
    beat_flag(file, 0, "release.window_runs", fired=False, when="release.found")
    asm.move(file.fill_count, one, when="release.window_over")
    asm.move(file.fill_base, file.unit, when="release.window_over")
    asm.move(file.fill_count, t["count"], when="release.window_runs")
    most = asm.const(FILL_COUNT_MAX, 2)
    asm.set_if("release.count_over", file.fill_count, ">", most, when="release.found")
    asm.move(file.fill_count, most, when="release.count_over")
    for index, inst in enumerate(file.instruments):
        at = f"release.at{index}"
        asm.move(inst.position, t["position"], when=at)
        asm.move(inst.last_fill_price, msg["price"], when=at)
        revalue(file, t, inst, msg["price"], when=at, prefix=f"release.{index}")


def revalue(
    file: GuardFile,
    t: dict[str, Reg],
    inst: InstrumentRegs,
    price: Reg,
    *,
    when: str,
    prefix: str,
) -> None:
    """``inst``'s exposure, ``min(|position|, EXPOSURE_QTY_MAX) x price``, replaces its old
    one in the gross exposure (a fill, SET_POSITION)."""
    asm = file.assembler
    exposure = t["exposure"]
    cap = asm.const(EXPOSURE_QTY_MAX, 2)
    capped = f"{prefix}.capped"
    magnitude(file, t, inst.position, when=when, prefix=prefix)
    asm.set_if(capped, t["magnitude"], ">", signed_view(cap), when=when)
    asm.move(t["magnitude"], cap, when=capped)
    low_magnitude = t["magnitude"].part(0, 2)  # below 2**24 now
    asm.multiply(exposure, low_magnitude, price, scratch=t["product"], when=when)
    asm.wide(Op.ADD, file.exposure_sum, exposure, dest=file.exposure_sum, when=when)
    asm.wide(Op.SUB, file.exposure_sum, inst.exposure, dest=file.exposure_sum, when=when)
    asm.move(inst.exposure, exposure, when=when)


def magnitude(file: GuardFile, t: dict[str, Reg], position: Reg, *, when: str, prefix: str) -> None:
    """``t["magnitude"] = |position|`` (``position`` is signed)."""
    asm = file.assembler
    signed_zero = signed_view(asm.zero)
    negative = f"{prefix}.negative"
    asm.move(t["magnitude"], position, when=when)
    asm.set_if(negative, position, "<", signed_zero, when=when)
    asm.wide(Op.SUB, signed_zero, position, dest=t["magnitude"], when=negative)


def exposure_scratch(file: GuardFile, name: str) -> dict[str, Reg]:
    """Scratch words for :func:`revalue`, named after the program family ``name``."""
    asm = file.assembler
    return {
        "magnitude": asm.scratch(f"t.{name}_magnitude", 3, signed=True),
        "exposure": asm.scratch(f"t.{name}_exposure", 3),
        "product": asm.scratch(f"t.{name}_product", 2),
    }


def fill_kill(flags: int, numbers: dict[str, int], *, halted: bool) -> KillCause:
    """The kill a FILL latches on its update stage, from its check program's flags with the
    timers finished (:data:`FILL_TIMERS`): none for an unknown order or while HALTED (the
    core's kill latch); the fill rate before a position breach."""

    def flag(name: str) -> bool:
        return bool(flags >> numbers[name] & 1)

    if halted or not flag("release.found"):
        return KillCause.NONE
    if flag("release.fill_rate"):
        return KillCause.FILL_RATE
    if flag("release.breach"):
        return KillCause.POSITION_BREACH
    return KillCause.NONE
