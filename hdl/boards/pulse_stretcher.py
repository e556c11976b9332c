"""Stretch one-cycle events into pulses long enough to see on an LED."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PulseStretcher"]


class PulseStretcher(wiring.Component):
    """Hold ``o_pulse`` high for ``hold_ticks`` ticks after the last cycle ``i_event`` was high.

    A UART byte lasts microseconds; an eye needs tens of milliseconds. Events arriving while
    the output is already high restart the hold, so a busy link shows a steady light. Counting
    a shared slow tick (e.g. 1 ms) instead of clock cycles keeps the counter a few bits wide,
    which matters on a 5k-LUT FPGA. With ``i_tick`` left high the hold is in cycles.

    Parameters
    ----------
    hold_ticks : int
        Ticks the output stays high after an event (>= 1); the pulse lasts between
        ``hold_ticks - 1`` and ``hold_ticks`` tick periods after the event.

    Attributes
    ----------
    i_event : Signal(1), in
        Event strobe or level, in the ``sync`` domain.
    i_tick : Signal(1), in
        Time base strobe; high by default (count cycles).
    o_pulse : Signal(1), out
        Stretched output.
    """

    i_event: In(1)
    i_tick: In(1, init=1)
    o_pulse: Out(1)

    def __init__(self, *, hold_ticks: int) -> None:
        if isinstance(hold_ticks, bool) or not isinstance(hold_ticks, int):
            raise TypeError(f"hold_ticks must be an int, not {hold_ticks!r}")
        if hold_ticks < 1:
            raise ValueError(f"hold_ticks must be at least 1, not {hold_ticks!r}")
        self.hold_ticks = hold_ticks
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        """A down-counter reloaded by every event; the output is "counter not zero"."""
        m = Module()
        remaining = Signal(range(self.hold_ticks + 1))
        with m.If(self.i_event):
            m.d.sync += remaining.eq(self.hold_ticks)
        with m.Elif(self.i_tick & (remaining != 0)):
            m.d.sync += remaining.eq(remaining - 1)
        m.d.comb += self.o_pulse.eq(remaining != 0)
        return m
