"""A TICK as programs of the compact check engine: the tick filter, and an accepted tick's
(or a band jump's) updates.

``tick<i>`` evaluates the filter of :mod:`hdl.tick_filter` for instrument ``i`` and sets one
flag per TickReason; the reason is the first flag set in code order (:func:`tick_reason`).
``tick_update<i>`` continues it with its flags after the beat: a band jump moves or counts the
band candidate, an accepted tick becomes the reference. ``tick_unknown`` fails
UNKNOWN_INSTRUMENT for an instrument that is not built and has no updates. An accepted tick
stamps the reference with ``file.unit``, the time unit its age counts from.
"""

from hdl.compact.microcode import Op
from hdl.compact.register_file import GuardFile, InstrumentRegs
from hdl.guard_spec import CONFIRM_COUNT_MAX
from hdl.protocol import LimitId, MessageType, TickReason

__all__ = ["add_tick_programs", "tick_reason", "TICK_REASON_FLAGS"]

#: The reason of each flag, in priority order (the TickReason codes' order).
TICK_REASON_FLAGS: dict[str, TickReason] = {
    f"tick.{reason.name.lower()}": reason for reason in sorted(TickReason) if reason
}


def add_tick_programs(file: GuardFile) -> None:
    """Write ``tick<i>`` and ``tick_update<i>`` per instrument, and ``tick_unknown``."""
    asm = file.assembler
    asm.scope("tick")
    scratch = {
        "sum": asm.scratch("t.tick_sum", 2),
        "mid": asm.scratch("t.tick_mid", 2, signed=True),
        "high": asm.scratch("t.tick_high", 2, signed=True),
        "low": asm.scratch("t.tick_low", 2, signed=True),
        "count": asm.scratch("t.tick_count", 1),
        "confirm_set": asm.scratch("t.confirm_set", 1),
    }
    for index, inst in enumerate(file.instruments):
        asm.entry(f"tick{index}")
        _filter_program(file, scratch, inst)
        asm.end()
        asm.entry(f"tick_update{index}")
        _update_program(file, scratch, inst)
        asm.end()
    asm.entry("tick_unknown")
    asm.set_if("tick.unknown_instrument", asm.zero, "==", asm.zero)
    asm.end()


def _filter_program(file: GuardFile, t: dict, inst: InstrumentRegs) -> None:
    asm = file.assembler
    msg = file.messages[MessageType.TICK]
    bid, ask = msg["bid"], msg["ask"]
    band = inst.band
    asm.set_if("tick.unknown_instrument", inst.enabled, "==", asm.zero)
    for check in ("==", "<"):
        # a zero price, or one below the instrument's range
        asm.set_if("tick.price_range", bid, check, asm.zero if check == "==" else inst.min_price)
    asm.set_if("tick.price_range", ask, "==", asm.zero)
    asm.set_if("tick.price_range", ask, ">", inst.max_price)
    asm.set_if("tick.crossed_book", bid, ">=", ask)
    asm.set_if("tick.has_ref", inst.has_ref, "!=", asm.zero)
    asm.set_if("tick.time_backwards", msg["timestamp"], "<", inst.timestamp, when="tick.has_ref")
    # the band check is reached only when every check above passed
    for reason in ("unknown_instrument", "price_range", "crossed_book", "time_backwards"):
        asm.set_if("tick.early", asm.zero, "==", asm.zero, when=f"tick.{reason}")
    asm.set_if("tick.band_check", inst.has_ref, "!=", asm.zero, when="!tick.early")
    # the mid, and whether it left the band around the reference
    mid = t["mid"]
    asm.wide(Op.ADD, bid, ask, dest=t["sum"])
    asm.halve(mid, t["sum"])
    asm.wide(Op.ADD, inst.ref_mid, band, dest=t["high"])
    asm.wide(Op.SUB, inst.ref_mid, band, dest=t["low"])
    asm.set_if("tick.out_of_band", mid, ">", t["high"], when="tick.band_check")
    asm.set_if("tick.out_of_band", mid, "<", t["low"], when="tick.band_check")
    # out of band: does it agree with the current candidate (within the band of its mid)?
    asm.set_if("tick.far", inst.cand_valid, "==", asm.zero, when="tick.out_of_band")
    asm.wide(Op.ADD, inst.cand_mid, band, dest=t["high"])
    asm.wide(Op.SUB, inst.cand_mid, band, dest=t["low"])
    asm.set_if("tick.far", mid, ">", t["high"], when="tick.out_of_band")
    asm.set_if("tick.far", mid, "<", t["low"], when="tick.out_of_band")
    # the candidate's count with this tick: one more (saturating) if it agrees, else 1
    count = t["count"]
    one = asm.const(1, 1)
    saturated = asm.const(CONFIRM_COUNT_MAX, 1)
    asm.move(count, one, when="tick.far")
    asm.wide(Op.ADD, inst.cand_count, one, dest=count, when="!tick.far")
    asm.set_if("tick.count_over", count, ">", saturated)
    asm.move(count, saturated, when="tick.count_over")
    # a band jump unless this tick confirms the candidate (never with CONFIRM_TICKS unset)
    confirm_bit = asm.const(1 << LimitId.CONFIRM_TICKS, 1)
    asm.wide(Op.AND, file.limits_set, confirm_bit, dest=t["confirm_set"])
    asm.set_if("tick.band_jump", t["confirm_set"], "==", asm.zero, when="tick.out_of_band")
    confirm = file.limits[LimitId.CONFIRM_TICKS]
    asm.set_if("tick.band_jump", count, "<", confirm, when="tick.out_of_band")
    for flag in TICK_REASON_FLAGS:
        asm.set_if("tick.rejected", asm.zero, "==", asm.zero, when=flag)


def _update_program(file: GuardFile, t: dict, inst: InstrumentRegs) -> None:
    asm = file.assembler
    msg = file.messages[MessageType.TICK]
    one = asm.const(1, 1)
    # a tick out of band that does not agree with the candidate starts a new one
    asm.move(inst.cand_mid, t["mid"], when="tick.far")
    asm.move(inst.cand_valid, one, when="tick.band_jump")
    asm.move(inst.cand_count, t["count"], when="tick.band_jump")
    # an accepted tick is the new reference
    for field, value in (
        (inst.has_ref, one),
        (inst.bid, msg["bid"]),
        (inst.ask, msg["ask"]),
        (inst.ref_mid, t["mid"]),
        (inst.timestamp, msg["timestamp"]),
        (inst.cand_valid, asm.zero),
        (inst.ref_base, file.unit),
    ):
        asm.move(field, value, when="!tick.rejected")


def tick_reason(flags: int, numbers: dict[str, int]) -> TickReason:
    """The TickReason of a TICK from its filter program's flags (ACCEPT if none is set)."""
    for name, reason in TICK_REASON_FLAGS.items():
        if name in numbers and flags >> numbers[name] & 1:
            return reason
    return TickReason.ACCEPT
