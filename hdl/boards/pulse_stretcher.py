"""Stretch one-cycle events into pulses long enough to see on an LED."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PulseStretcher"]


class PulseStretcher(wiring.Component):
    """Hold ``o_pulse`` high for ``hold_cycles`` cycles after the last cycle ``i_event`` was high.

    A UART byte lasts microseconds; an eye needs tens of milliseconds. Events arriving while
    the output is already high restart the hold, so a busy link shows a steady light.

    Parameters
    ----------
    hold_cycles : int
        Cycles the output stays high after an event (>= 1).

    Attributes
    ----------
    i_event : Signal(1), in
        Event strobe or level, in the ``sync`` domain.
    o_pulse : Signal(1), out
        Stretched output, registered.
    """

    i_event: In(1)
    o_pulse: Out(1)

    def __init__(self, *, hold_cycles: int) -> None:
        if isinstance(hold_cycles, bool) or not isinstance(hold_cycles, int):
            raise TypeError(f"hold_cycles must be an int, not {hold_cycles!r}")
        if hold_cycles < 1:
            raise ValueError(f"hold_cycles must be at least 1, not {hold_cycles!r}")
        self.hold_cycles = hold_cycles
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        """A down-counter reloaded by every event; the output is "counter not zero"."""
        m = Module()
        remaining = Signal(range(self.hold_cycles + 1))
        with m.If(self.i_event):
            m.d.sync += remaining.eq(self.hold_cycles)
        with m.Elif(remaining != 0):
            m.d.sync += remaining.eq(remaining - 1)
        m.d.comb += self.o_pulse.eq(remaining != 0)
        return m
