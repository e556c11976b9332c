"""Every program of the compact check engine, over one register file."""

from hdl.compact.controls import add_control_programs
from hdl.compact.microcode import Assembler
from hdl.compact.orders import add_order_programs
from hdl.compact.register_file import GuardFile, allocate
from hdl.compact.releases import add_release_programs
from hdl.compact.status import add_status_programs
from hdl.compact.ticks import add_tick_programs
from hdl.compact.unpack import add_unpack_programs

__all__ = ["build_programs"]


def build_programs(*, n_instruments: int, n_order_slots: int) -> GuardFile:
    """Lay out the register file for a build of this size and write its programs."""
    file = allocate(Assembler(), n_instruments, n_order_slots)
    add_unpack_programs(file)
    add_order_programs(file)
    add_tick_programs(file)
    add_release_programs(file)
    add_control_programs(file)
    add_status_programs(file)
    return file
