"""hdl.block_ram: a block RAM read register leaves its initial value undefined for synthesis,
so Yosys adds no reset-emulation muxes around the RAM's read port."""

import pytest
from amaranth.back import rtlil
from amaranth.hdl import Module, Signal

from hdl.block_ram import read_register


def _rtlil_lines(register: Signal) -> list[str]:
    m = Module()
    data_in, data_out = Signal(len(register)), Signal(len(register))
    m.d.sync += register.eq(data_in)
    m.d.comb += data_out.eq(register)
    return rtlil.convert(m, ports=[data_in, data_out]).splitlines()


def test_read_register_when_synthesised_then_initial_value_is_undefined_and_no_reset():
    register = read_register(4, name="rd")

    assert register.reset_less
    assert "  attribute \\init 4'xxxx" in _rtlil_lines(register)


def test_plain_signal_for_contrast_then_initial_value_is_zero():
    assert not any("'xxxx" in line for line in _rtlil_lines(Signal(4, reset_less=True)))


@pytest.mark.parametrize("width", [0, -1, 2.0, "8"])
def test_read_register_when_width_is_not_a_positive_int_then_value_error(width):
    with pytest.raises(ValueError, match="Width must be a positive integer"):
        read_register(width, name="rd")
