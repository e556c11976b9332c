"""TimeBase: the compact core's time units, the stamp it writes for a program, and its timers.

The core takes a snapshot of the time unit before it starts a program and writes it to the
register file's ``unit``, a word a cycle (:attr:`TimeBase.o_word`): the counter may move
while the three words are written, the snapshot does not. From the snapshot on, ``elapsed``
counts the units that pass, saturating at AGE_MAX. After a check program, the core loads each
timer's headroom (:mod:`hdl.compact.timers`) a word at a time, and on the beat a timer has
fired when its program said so already or when ``elapsed`` is above its headroom
(:attr:`TimeBase.o_fired`), as :func:`hdl.compact.timers.timer_fired` says.

Time unit ``u`` spans cycles ``u * T .. u * T + T - 1`` (``T`` is ``time_unit_cycles``), as
in :mod:`hdl.guard_spec`: a snapshot on cycle ``s`` holds ``s // T``, and ``elapsed`` on a
later cycle ``c`` is ``min(c // T - s // T, AGE_MAX)``.

Size (``synth_ice40 -dsp``, alone, 2026-12): 266 LUTs, 148 carries, 200 flip-flops, most of
them the unit counter, its snapshot and the three headrooms with their comparators. Two ways
down if the core needs the cells: write the unit's words from the counter itself and start
again when the low word wraps in between (no snapshot), and count each headroom down
instead of comparing it (a counter bit packs into one logic cell).

This module is a part of the compact core for small FPGAs (see :mod:`hdl.compact`).
"""

from typing import Any

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.compact.microcode import WORD_BITS
from hdl.compact.register_file import N_TIMERS, STAMP_BITS, words_for
from hdl.guard_spec import AGE_BITS, AGE_MAX

__all__ = ["TimeBase"]

_STAMP_WORDS = words_for(STAMP_BITS)
_HEADROOM_WORDS = words_for(AGE_BITS)


class TimeBase(wiring.Component):
    """Time units, the snapshot of one for the register file, and the timers on the beat.

    Parameters
    ----------
    time_unit_cycles : int
        Clock cycles per time unit (1 .. 65,535).

    Attributes
    ----------
    o_unit_strobe : Signal(1), out
        The time unit changes after this cycle.
    i_snapshot : Signal(1), in
        Take this cycle's time unit; ``elapsed`` counts from it.
    i_word : Signal, in
        Word of the snapshot on ``o_word`` (low word first).
    o_word : Signal(WORD_BITS), out
        That word, for the register file.
    i_load : Signal(1), in
        Load ``i_load_data`` into word ``i_load_word`` of timer ``i_load_timer``'s headroom.
    i_now : Signal(N_TIMERS), in
        The check program's ``timer<k>.now`` flags.
    o_fired : Signal(N_TIMERS), out
        Timer ``k`` has fired on this cycle.
    o_elapsed : Signal(AGE_BITS), out
        The units since the snapshot, saturating at AGE_MAX.
    """

    def __init__(self, *, time_unit_cycles: int) -> None:
        if not isinstance(time_unit_cycles, int) or not 1 <= time_unit_cycles < 1 << 16:
            raise ValueError(f"Time unit cycles must be in 1..65535, not {time_unit_cycles!r}")
        self.time_unit_cycles = time_unit_cycles
        super().__init__(
            {
                "o_unit_strobe": Out(1),
                "i_snapshot": In(1),
                "i_word": In(range(_STAMP_WORDS)),
                "o_word": Out(WORD_BITS),
                "i_load": In(1),
                "i_load_timer": In(range(N_TIMERS)),
                "i_load_word": In(range(_HEADROOM_WORDS)),
                "i_load_data": In(WORD_BITS),
                "i_now": In(N_TIMERS),
                "o_fired": Out(N_TIMERS),
                "o_elapsed": Out(AGE_BITS),
            }
        )

    def elaborate(self, platform: Any) -> Module:
        m = Module()
        strobe = self.o_unit_strobe
        if self.time_unit_cycles == 1:
            m.d.comb += strobe.eq(1)
        else:
            prescaler = Signal(range(self.time_unit_cycles))
            m.d.comb += strobe.eq(prescaler == self.time_unit_cycles - 1)
            m.d.sync += prescaler.eq(Mux(strobe, 0, prescaler + 1))

        unit = Signal(STAMP_BITS)
        m.d.sync += unit.eq(unit + strobe)
        snapshot = Signal(STAMP_BITS)
        elapsed = Signal(AGE_BITS)
        # the units that pass from the snapshot on: one more after a strobe on its cycle
        step = Mux(elapsed == AGE_MAX, 0, strobe)
        with m.If(self.i_snapshot):
            m.d.sync += [snapshot.eq(unit), elapsed.eq(strobe)]
        with m.Else():
            m.d.sync += elapsed.eq(elapsed + step)
        m.d.comb += [
            self.o_word.eq(snapshot.word_select(self.i_word, WORD_BITS)),
            self.o_elapsed.eq(elapsed),
        ]

        for number in range(N_TIMERS):
            headroom = Signal(_HEADROOM_WORDS * WORD_BITS, name=f"headroom{number}")
            with m.If(self.i_load & (self.i_load_timer == number)):
                m.d.sync += headroom.word_select(self.i_load_word, WORD_BITS).eq(self.i_load_data)
            fired = self.i_now[number] | (elapsed > headroom[:AGE_BITS])
            m.d.comb += self.o_fired[number].eq(fired)
        return m
