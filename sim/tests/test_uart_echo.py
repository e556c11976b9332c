"""Pin-level UART: bytes bit-banged onto ``rx`` come back on ``tx``; bad stop bits are counted."""

from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge

from sim.designs import UART_ECHO_DIVISOR
from sim.tests.harness import write_metrics

__all__ = ["echo_every_byte_value", "framing_error_is_counted_and_not_echoed"]

DIVISOR = UART_ECHO_DIVISOR


async def _reset(dut: Any) -> None:
    Clock(dut.clk, 1, unit="us").start()
    dut.rx.value = 1
    dut.rst.value = 1
    await ClockCycles(dut.clk, 3)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 3)


async def _send(dut: Any, byte: int, *, stop: int = 1) -> None:
    for level in [0] + [(byte >> i) & 1 for i in range(8)] + [stop]:
        dut.rx.value = level
        await ClockCycles(dut.clk, DIVISOR)
    dut.rx.value = 1


async def _receive(dut: Any, count: int, received: list[int]) -> None:
    """A line receiver on ``tx``: waits for a start bit, samples the middle of each bit."""
    for _ in range(count):
        await FallingEdge(dut.tx)
        await ClockCycles(dut.clk, DIVISOR + DIVISOR // 2)
        byte = 0
        for bit in range(8):
            byte |= int(dut.tx.value) << bit
            await ClockCycles(dut.clk, DIVISOR)
        assert int(dut.tx.value) == 1, "stop bit must be high"
        received.append(byte)


@cocotb.test()
async def echo_every_byte_value(dut: Any) -> None:
    """All 256 byte values go through the receiver and the transmitter unchanged."""
    await _reset(dut)
    data = list(range(256))
    received: list[int] = []
    listener = cocotb.start_soon(_receive(dut, len(data), received))
    for byte in data:
        await _send(dut, byte)
        await ClockCycles(dut.clk, DIVISOR)  # idle between bytes: the echo keeps pace
    await ClockCycles(dut.clk, DIVISOR * 12)
    await listener
    assert received == data
    assert int(dut.o_framing_errors.value) == 0
    write_metrics({"uart_bytes": len(data)}, key="uart_echo_every_byte_value")


@cocotb.test()
async def framing_error_is_counted_and_not_echoed(dut: Any) -> None:
    """A byte with a low stop bit is dropped and counted; the next good byte still passes."""
    await _reset(dut)
    received: list[int] = []
    listener = cocotb.start_soon(_receive(dut, 1, received))
    await _send(dut, 0x5A, stop=0)
    await ClockCycles(dut.clk, DIVISOR * 3)
    await _send(dut, 0xC3)
    await ClockCycles(dut.clk, DIVISOR * 12)
    await listener
    assert received == [0xC3]
    assert int(dut.o_framing_errors.value) == 1
