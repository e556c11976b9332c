# amaranth: UnusedElaboratable=no
"""UARTTransmitter -> UARTReceiver at the pin level, in Amaranth's simulator."""

import pytest
from amaranth.hdl import Module
from amaranth.sim import Simulator

from hdl.uart import UARTReceiver, UARTTransmitter, uart_divisor


def _loopback(data: bytes, *, divisor: int) -> tuple[bytes, int]:
    m = Module()
    m.submodules.tx = tx = UARTTransmitter(divisor=divisor)
    m.submodules.rx = rx = UARTReceiver(divisor=divisor)
    m.d.comb += rx.i_rx.eq(tx.o_tx)
    received = bytearray()

    async def testbench(ctx):
        ctx.set(rx.o_data.ready, 1)
        for byte in data:
            ctx.set(tx.i_data.payload, byte)
            ctx.set(tx.i_data.valid, 1)
            await ctx.tick().until(tx.i_data.ready)
            ctx.set(tx.i_data.valid, 0)
            for _ in range(divisor * 11):
                await ctx.tick()
                if ctx.get(rx.o_data.valid):
                    received.append(ctx.get(rx.o_data.payload))
                    break
        ctx.set(tx.i_data.valid, 0)

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return bytes(received), 0


@pytest.mark.parametrize("divisor", [4, 7, 104])
def test_loopback_delivers_every_byte(divisor):
    data = bytes([0x00, 0xFF, 0x55, 0xAA, 0x01, 0x80, 0x3C])
    received, _ = _loopback(data, divisor=divisor)
    assert received == data


def _drive_bits(bits: list[int], *, divisor: int) -> tuple[bytes, int]:
    rx = UARTReceiver(divisor=divisor)
    received = bytearray()
    errors = 0

    async def testbench(ctx):
        nonlocal errors
        ctx.set(rx.o_data.ready, 1)
        for bit in bits:
            ctx.set(rx.i_rx, bit)
            for _ in range(divisor):
                await ctx.tick()
                if ctx.get(rx.o_data.valid):
                    received.append(ctx.get(rx.o_data.payload))
        errors = ctx.get(rx.o_framing_errors)

    sim = Simulator(rx)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return bytes(received), errors


def _frame(byte: int, stop: int = 1) -> list[int]:
    return [0] + [(byte >> i) & 1 for i in range(8)] + [stop]


def test_low_stop_bit_is_a_counted_framing_error_then_the_next_byte_arrives():
    bits = [1, 1] + _frame(0x5A, stop=0) + [1, 1, 1] + _frame(0xC3) + [1, 1]
    received, errors = _drive_bits(bits, divisor=8)
    assert received == b"\xc3"
    assert errors == 1


def test_good_stop_bit_is_not_an_error():
    received, errors = _drive_bits([1, 1] + _frame(0x5A) + [1, 1], divisor=8)
    assert received == b"\x5a"
    assert errors == 0


def test_a_glitch_shorter_than_half_a_bit_is_not_a_start_bit():
    rx = UARTReceiver(divisor=16)
    seen = []

    async def testbench(ctx):
        ctx.set(rx.o_data.ready, 1)
        ctx.set(rx.i_rx, 0)
        for _ in range(3):
            await ctx.tick()
        ctx.set(rx.i_rx, 1)
        for _ in range(16 * 12):
            await ctx.tick()
            seen.append(ctx.get(rx.o_data.valid))
        seen.append(ctx.get(rx.o_framing_errors))

    sim = Simulator(rx)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    assert not any(seen)


def test_parameters_are_validated():
    with pytest.raises(
        ValueError, match=r"^Divisor must be at least 4 clock cycles per bit, not 3$"
    ):
        UARTReceiver(divisor=3)
    with pytest.raises(TypeError, match=r"^Divisor must be an integer, not 4.0$"):
        UARTTransmitter(divisor=4.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^Baud rate must be a positive integer, not 0$"):
        uart_divisor(clock_hz=12_000_000, baud=0)
    with pytest.raises(ValueError, match=r"^Clock cycles per bit must be at least 4, not 3$"):
        uart_divisor(clock_hz=12_000_000, baud=4_000_000)
    assert uart_divisor(clock_hz=12_000_000, baud=115_200) == 104
