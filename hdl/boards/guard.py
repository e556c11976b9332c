"""The guard gateware as the board tops see it, and its verdict latency in cycles."""

from hdl.framing import FrameDecoder
from hdl.guard_spec import VERDICT_LATENCY
from hdl.top import CoreFactory, GuardUARTTop

__all__ = ["make_guard", "verdict_latency_cycles"]


def make_guard(
    *,
    clock_hz: int,
    time_unit_cycles: int,
    baud: int,
    core: CoreFactory | None = None,
    n_instruments: int | None = None,
    n_order_slots: int | None = None,
) -> GuardUARTTop:
    """The guard with its UART (:class:`hdl.top.GuardUARTTop`), the design that is simulated.

    Parameters
    ----------
    clock_hz : int
        Frequency of the ``sync`` domain.
    time_unit_cycles : int
        Cycles per time unit of the guard core (1 us on a board).
    baud : int
        UART rate of the link.
    core : CoreFactory, optional
        Replaces :class:`hdl.guard_core.GuardCore`: the compact core of a small FPGA
        (:class:`hdl.compact.core.CompactGuardCore`), or a stand-in that measures the plumbing.
    n_instruments, n_order_slots : int, optional
        Size of the guard core (see :class:`hdl.guard_core.GuardCore`); the protocol's full
        size when None. A board with a small FPGA builds a smaller guard this way.
    """
    return GuardUARTTop(
        clock_hz=clock_hz,
        baud=baud,
        time_unit_cycles=time_unit_cycles,
        core=core,
        n_instruments=n_instruments,
        n_order_slots=n_order_slots,
    )


def verdict_latency_cycles() -> int:
    """Cycles from an ORDER frame's delimiter byte to its ORDER_VERDICT beat.

    :data:`hdl.guard_spec.VERDICT_LATENCY` (i_msg beat to o_rsp beat, both cores') plus the
    frame decoder's :attr:`~hdl.framing.FrameDecoder.LATENCY` (0: the beat is on the
    delimiter's cycle): the figure the simulations measure.
    The board build adds no cycle to it: the board top only wraps the guard.
    """
    return int(VERDICT_LATENCY) + int(FrameDecoder.LATENCY)
