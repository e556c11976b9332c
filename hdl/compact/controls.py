"""SET_LIMIT, SET_INSTRUMENT, SET_POSITION and ARM as programs of the compact check engine.

Each checks its arguments (flag ``control.bad``: the ack's BAD_ARGUMENT; ARM's
``control.incomplete``: LIMITS_INCOMPLETE; :func:`control_result`) and, in its ``_update``
program after the beat, writes what it sets. The trading state is the core's register (the
kill latch is logic, for the button and the watchdog), which the ack result decides on the
update stage (:func:`control_state`). A limit id or instrument past the last has a program
that is always BAD_ARGUMENT. KILL needs no program: the core latches it.
"""

from hdl.compact.microcode import Op
from hdl.compact.register_file import GuardFile
from hdl.compact.releases import exposure_scratch, revalue
from hdl.guard_spec import LIMIT_WIDTHS
from hdl.protocol import AckResult, ArmMode, LimitId, MessageType
from hdl.protocol import TradingState as State

__all__ = ["add_control_programs", "control_result", "control_state"]


def add_control_programs(file: GuardFile) -> None:
    """Write ``set_limit<k>``, ``set_instrument<i>``, ``set_position<i>`` (each with its
    ``_update``), their ``_unknown`` programs, and ``arm``."""
    asm = file.assembler
    asm.scope("control")
    one = asm.const(1, 1)
    always = ("control.bad", asm.zero, "==", asm.zero)

    msg = file.messages[MessageType.SET_LIMIT]
    limit_bit = asm.scratch("t.limit_bit", 1)
    for limit in LimitId:
        asm.entry(f"set_limit{int(limit)}")
        asm.set_if("control.bad", msg["value"], "==", asm.zero)
        too_wide = asm.const(1 << LIMIT_WIDTHS[limit], 3)
        asm.set_if("control.bad", msg["value"], ">=", too_wide)
        if limit == LimitId.MAX_OPEN_ORDERS:
            slots = asm.const(len(file.slots), 1)
            asm.set_if("control.bad", msg["value"], ">", slots)
        asm.end()
        asm.entry(f"set_limit{int(limit)}_update")
        asm.move(file.limits[limit], msg["value"], when="!control.bad")
        bit = asm.const(1 << limit, 1)
        asm.wide(Op.AND, file.limits_set, bit, dest=limit_bit)
        asm.set_if("control.newly_set", limit_bit, "==", asm.zero, when="!control.bad")
        asm.wide(Op.ADD, file.limits_set, bit, dest=file.limits_set, when="control.newly_set")
        asm.end()
    asm.entry("set_limit_unknown")
    asm.set_if(*always)
    asm.end()

    msg = file.messages[MessageType.SET_INSTRUMENT]
    for index, inst in enumerate(file.instruments):
        asm.entry(f"set_instrument{index}")
        asm.set_if("control.bad", msg["min_price"], ">", msg["max_price"])
        asm.set_if("control.bad", msg["band_ticks"], "==", asm.zero)
        asm.end()
        asm.entry(f"set_instrument{index}_update")
        asm.set_if("control.enable", msg["enabled"], "!=", asm.zero, when="!control.bad")
        asm.move(inst.enabled, asm.zero, when="!control.bad")
        asm.move(inst.enabled, one, when="control.enable")
        for field, value in (
            (inst.max_position, msg["max_position"]),
            (inst.min_price, msg["min_price"]),
            (inst.max_price, msg["max_price"]),
            (inst.band, msg["band_ticks"]),
            (inst.has_ref, asm.zero),
            (inst.cand_valid, asm.zero),
        ):
            asm.move(field, value, when="!control.bad")
        asm.end()
    asm.entry("set_instrument_unknown")
    asm.set_if(*always)
    asm.end()

    msg = file.messages[MessageType.SET_POSITION]
    scratch = exposure_scratch(file, "control")
    for index, inst in enumerate(file.instruments):
        asm.entry(f"set_position{index}")
        # a position with no price to value it would count no exposure: missing data
        asm.set_if("control.holds", msg["position"], "!=", asm.zero)
        asm.set_if("control.bad", msg["price"], "==", asm.zero, when="control.holds")
        asm.end()
        asm.entry(f"set_position{index}_update")
        asm.move(inst.position, msg["position"], when="!control.bad")
        asm.move(inst.last_fill_price, msg["price"], when="!control.bad")
        revalue(file, scratch, inst, msg["price"], when="!control.bad", prefix="control")
        asm.end()
    asm.entry("set_position_unknown")
    asm.set_if(*always)
    asm.end()

    msg = file.messages[MessageType.ARM]
    asm.entry("arm")
    asm.set_if("control.bad", msg["mode"], ">", asm.const(ArmMode.REDUCING, 1))
    every_limit = asm.const((1 << len(LimitId)) - 1, 1)
    asm.set_if("control.incomplete", file.limits_set, "!=", every_limit)
    for inst in file.instruments:
        asm.set_if("control.some_enabled", inst.enabled, "!=", asm.zero)
    asm.set_if("control.incomplete", asm.zero, "==", asm.zero, when="!control.some_enabled")
    asm.end()


def control_result(flags: int, numbers: dict[str, int]) -> AckResult:
    """The ack result of a control message from its check program's flags."""

    def flag(name: str) -> bool:
        return name in numbers and bool(flags >> numbers[name] & 1)

    if flag("control.bad"):
        return AckResult.BAD_ARGUMENT
    if flag("control.incomplete"):
        return AckResult.LIMITS_INCOMPLETE
    return AckResult.OK


def control_state(message_type: MessageType, mode: int, result: AckResult, state: State) -> State:
    """The trading state after a control message, as the core's kill latch sets it on the
    update stage: an ARM that succeeds arms in its mode, any other change that succeeds
    disarms ACTIVE or REDUCING (the operator re-arms after a change), the rest leave it."""
    if result != AckResult.OK:
        return state
    if message_type == MessageType.ARM:
        return State.ACTIVE if mode == ArmMode.ACTIVE else State.REDUCING
    if state in (State.ACTIVE, State.REDUCING):
        return State.DISARMED
    return state
