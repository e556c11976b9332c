"""Checks on ages that a program starts and the core finishes on the message's beat.

A check program runs on the payload while the frame's CRC arrives, some time units before the
beat, and a host may pause in between: an age it compares with a window or a timeout moves
after the program has read it. So the program does not decide such a check. It computes, at
the time unit ``unit`` the core wrote before starting it, how far the age is from the limit:

* the age is ``d = unit - stamp`` (the stamps are the model's bases, :data:`STAMP_BITS` wide);
* for a check ``age > limit`` (``>=``: one unit sooner) the check holds already when
  ``d > limit`` (``d >= limit``): flag ``timer<k>.now``;
* otherwise it holds once ``headroom = limit - d`` (``limit - d - 1``) more units have passed:
  the program writes that to ``file.timers[k]`` (at most 24 bits: the limits are).

The core counts the units from writing ``unit`` to the beat (``elapsed``, saturating at
AGE_MAX, which is above every headroom) and on the beat the timer has fired when
``timer<k>.now`` or ``elapsed > headroom`` (:func:`timer_fired`). The check program sets, per
timer, the flag a reason takes when it has fired (``timer<k>.after``) and when it has not
(``timer<k>.before``); the core ORs the one that applies into the reason's flag
(:func:`finish_timers`), and writes the timers' results to ``file.beat`` for the update
programs (an accept that starts a new rate window, a fill that starts a new fill window).

The core's cost is one saturating counter and, per timer, one comparison with a registered
headroom, instead of an age register per window and a comparison of each with its limit.
This module is a part of the compact core for small FPGAs (see :mod:`hdl.compact`).
"""

from hdl.compact.microcode import Cond, Op, Reg
from hdl.compact.register_file import N_TIMERS, STAMP_BITS, GuardFile, words_for
from hdl.guard_spec import AGE_MAX

__all__ = ["add_timer", "beat_flag", "beat_word", "finish_timers", "timer_fired", "timer_scratch"]


def timer_scratch(file: GuardFile, name: str) -> Reg:
    """The scratch words :func:`add_timer` needs, in the current scope."""
    return file.assembler.scratch(f"t.{name}_since", words_for(STAMP_BITS))


def add_timer(
    file: GuardFile, number: int, stamp: Reg, relation: str, limit: Reg, *, scratch: Reg
) -> None:
    """Start timer ``number`` on the check ``unit - stamp relation limit`` (``>`` or ``>=``).

    Raises
    ------
    ValueError
        If the timer number or the relation is not one of these.
    """
    if not 0 <= number < N_TIMERS:
        raise ValueError(f"Timer number must be in 0..{N_TIMERS - 1}, not {number!r}")
    if relation not in (">", ">="):
        raise ValueError(f"A timer's relation must be > or >=, not {relation!r}")
    asm = file.assembler
    headroom = file.timers[number]
    asm.wide(Op.SUB, file.unit, stamp, dest=scratch)
    asm.set_if(f"timer{number}.now", scratch, relation, limit)
    asm.wide(Op.SUB, limit, scratch, dest=headroom)
    if relation == ">=":
        asm.wide(Op.SUB, headroom, asm.const(1, 1), dest=headroom)


def timer_fired(
    flags: int, numbers: dict[str, int], number: int, headroom: int, elapsed: int
) -> bool:
    """The core's rule on the beat: timer ``number`` of a program whose flags are ``flags``
    has fired ``elapsed`` units (saturating at AGE_MAX) after its ``unit``."""
    now = f"timer{number}.now"
    return bool(now in numbers and flags >> numbers[now] & 1) or min(elapsed, AGE_MAX) > headroom


def finish_timers(
    flags: int,
    numbers: dict[str, int],
    reasons: dict[int, str],
    headrooms: list[int],
    elapsed: int,
) -> int:
    """``flags`` with each timer's reason flag (``reasons``: timer number -> flag name) set
    as the beat finds it: from ``timer<k>.after`` if the timer fired, else ``timer<k>.before``."""
    for number, reason in reasons.items():
        fired = timer_fired(flags, numbers, number, headrooms[number], elapsed)
        source = f"timer{number}.{'after' if fired else 'before'}"
        if source in numbers and flags >> numbers[source] & 1:
            flags |= 1 << numbers[reason]
    return flags


def beat_word(fired: list[bool]) -> int:
    """The word the core writes to ``file.beat``: bit ``k`` set if timer ``k`` fired."""
    return sum(1 << number for number, value in enumerate(fired) if value)


def beat_flag(
    file: GuardFile, number: int, flag: str, *, fired: bool, when: str | None = None
) -> None:
    """Set ``flag`` (in an update program) if timer ``number`` fired on the beat (``fired``)
    or if it did not (not ``fired``)."""
    asm = file.assembler
    cond = Cond.NONZERO if fired else Cond.ZERO
    asm.wide(Op.AND, file.beat, asm.const(1 << number, 1), cond=cond, flag=flag, when=when)
