"""Read registers that Yosys can merge into block RAM without logic around them.

Yosys maps an asynchronous memory read port followed by a register into a block RAM read port
(``memory_dff``). The register's initial value must then come from the RAM's output latch,
which on an iCE40 has none: Yosys emulates it with a flag and a mux as wide as the port
(``emulate_reset``), one LUT per bit, and the same again for a synchronous reset. A read
register whose initial value nobody reads can say so (no initial value, no reset), and the
muxes disappear.
"""

from typing import Any

from amaranth.back.rtlil import Undef  # amaranth is pinned (pyproject): a stable internal
from amaranth.hdl import Module, Signal, unsigned
from amaranth.lib.memory import Memory, ReadPort, WritePort
from amaranth.utils import ceil_log2

__all__ = ["read_register", "block_ram"]

#: Keep the memory in block RAM however shallow (Yosys would use flip-flops), and let Yosys
#: skip the read-first emulation of a read colliding with a write (the callers never need it).
_BLOCK_RAM_ATTRS = {"ram_style": "block", "no_rw_check": 1}


def read_register(width: int, *, name: str) -> Signal:
    """A ``width``-bit reset-less signal, initial value undefined for synthesis (0 in simulation).

    Use it only for a block RAM read register whose value is never used before the first
    read lands in it.
    """
    if not isinstance(width, int) or width <= 0:
        raise ValueError(f"Width must be a positive integer, not {width!r}")
    return Signal(width, name=name, reset_less=True, attrs={"init": Undef(width)})


def block_ram(
    m: Module,
    name: str,
    *,
    width: int,
    depth: int,
    data_name: str,
    granularity: int | None = None,
) -> tuple[Any, Any, Signal]:
    """A block RAM of ``depth`` rows of ``width`` bits, added to ``m`` as ``name``: its write
    port (signals ``<name>_write__*``), its read port (``<name>_read__*``; drive ``addr``) and
    the :func:`read_register` ``data_name`` that holds the row read on the cycle before.

    The read port is asynchronous and its register written out after it, so that Yosys
    merges the register into the block RAM (``memory_dff``) and only then honours
    ``no_rw_check``: on a clocked port it would emulate read-first collisions in logic, a
    bypass register and mux as wide as the port. The register is read every cycle, and its
    contents count only the cycle after a read that matters.
    """
    shape = unsigned(width)
    memory = Memory(shape=shape, depth=depth, init=[], attrs=_BLOCK_RAM_ATTRS)
    m.submodules[name] = memory
    # Ports built with a path, so that their signals are named after the memory rather than
    # after this function's variables (the formal cone check names them).
    write = WritePort(
        WritePort.Signature(shape=shape, addr_width=ceil_log2(depth), granularity=granularity),
        memory=memory,
        domain="sync",
        path=(f"{name}_write",),
    )
    read = ReadPort(
        ReadPort.Signature(shape=shape, addr_width=ceil_log2(depth)),
        memory=memory,
        domain="comb",
        path=(f"{name}_read",),
    )
    data = read_register(width, name=data_name)
    m.d.sync += data.eq(read.data)
    return write, read, data
