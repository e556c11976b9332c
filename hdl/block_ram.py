"""Read registers that Yosys can merge into block RAM without logic around them.

Yosys maps an asynchronous memory read port followed by a register into a block RAM read port
(``memory_dff``). The register's initial value must then come from the RAM's output latch,
which on an iCE40 has none: Yosys emulates it with a flag and a mux as wide as the port
(``emulate_reset``), one LUT per bit, and the same again for a synchronous reset. A read
register whose initial value nobody reads can say so (no initial value, no reset), and the
muxes disappear.
"""

from amaranth.back.rtlil import Undef  # amaranth is pinned (pyproject): a stable internal
from amaranth.hdl import Signal

__all__ = ["read_register"]


def read_register(width: int, *, name: str) -> Signal:
    """A ``width``-bit reset-less signal, initial value undefined for synthesis (0 in simulation).

    Use it only for a block RAM read register whose value is never used before the first
    read lands in it.
    """
    if not isinstance(width, int) or width <= 0:
        raise ValueError(f"Width must be a positive integer, not {width!r}")
    return Signal(width, name=name, reset_less=True, attrs={"init": Undef(width)})
