"""The board's physical kill switch: a push button synchronised and debounced."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["KillSwitch"]


class KillSwitch(wiring.Component):
    """Synchronise an asynchronous button to the ``sync`` domain and debounce it.

    The output follows the button only after the synchronised level has been stable for
    ``stable_ticks`` consecutive ticks, so contact bounce and short glitches neither kill nor
    release. A press lasting longer than the debounce time always reaches ``o_kill``: the guard
    core latches the kill, so the switch only has to be reliable, never fast. Counting a shared
    slow tick (e.g. 1 ms) keeps the counter small; with ``i_tick`` left high it counts cycles.

    Parameters
    ----------
    stable_ticks : int
        Ticks the synchronised level must hold before ``o_kill`` follows it (>= 1).

    Attributes
    ----------
    i_button : Signal(1), in
        The button, active high (the platform inverts active-low buttons), asynchronous.
    i_tick : Signal(1), in
        Time base strobe; high by default (count cycles).
    o_kill : Signal(1), out
        Debounced level, high while the button is held.
    """

    i_button: In(1)
    i_tick: In(1, init=1)
    o_kill: Out(1)

    def __init__(self, *, stable_ticks: int) -> None:
        if isinstance(stable_ticks, bool) or not isinstance(stable_ticks, int):
            raise TypeError(f"stable_ticks must be an int, not {stable_ticks!r}")
        if stable_ticks < 1:
            raise ValueError(f"stable_ticks must be at least 1, not {stable_ticks!r}")
        self.stable_ticks = stable_ticks
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        """Two flip-flops against metastability, then a stability counter."""
        m = Module()
        synced = Signal()
        m.submodules.sync = FFSynchronizer(self.i_button, synced)
        count = Signal(range(self.stable_ticks + 1))
        with m.If(synced == self.o_kill):
            m.d.sync += count.eq(0)
        with m.Elif(self.i_tick):
            with m.If(count == self.stable_ticks - 1):
                m.d.sync += [self.o_kill.eq(synced), count.eq(0)]
            with m.Else():
                m.d.sync += count.eq(count + 1)
        return m
