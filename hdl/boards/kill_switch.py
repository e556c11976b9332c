"""The board's physical kill switch: a push button synchronised and debounced."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["KillSwitch"]


class KillSwitch(wiring.Component):
    """Synchronise an asynchronous button to the ``sync`` domain and debounce it.

    The output follows the button only after the synchronised level has been stable for
    ``stable_cycles`` consecutive cycles, so contact bounce and short glitches neither kill nor
    release. A press lasting longer than the debounce time always reaches ``o_kill``: the guard
    core latches the kill, so the switch only has to be reliable, never fast.

    Parameters
    ----------
    stable_cycles : int
        Cycles the synchronised level must hold before ``o_kill`` follows it (>= 1).

    Attributes
    ----------
    i_button : Signal(1), in
        The button, active high (the platform inverts active-low buttons), asynchronous.
    o_kill : Signal(1), out
        Debounced level, high while the button is held.
    """

    i_button: In(1)
    o_kill: Out(1)

    def __init__(self, *, stable_cycles: int) -> None:
        if isinstance(stable_cycles, bool) or not isinstance(stable_cycles, int):
            raise TypeError(f"stable_cycles must be an int, not {stable_cycles!r}")
        if stable_cycles < 1:
            raise ValueError(f"stable_cycles must be at least 1, not {stable_cycles!r}")
        self.stable_cycles = stable_cycles
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        """Two flip-flops against metastability, then a stability counter."""
        m = Module()
        synced = Signal()
        m.submodules.sync = FFSynchronizer(self.i_button, synced)
        count = Signal(range(self.stable_cycles + 1))
        with m.If(synced == self.o_kill):
            m.d.sync += count.eq(0)
        with m.Elif(count == self.stable_cycles - 1):
            m.d.sync += [self.o_kill.eq(synced), count.eq(0)]
        with m.Else():
            m.d.sync += count.eq(count + 1)
        return m
