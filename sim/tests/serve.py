"""The pty bridge: the Verilator model of GuardTop behind a pseudo-terminal (``sim-serve``).

Bytes reach the model in bursts of up to :data:`BURST_BYTES` through the probe's burst port
(one byte per cycle, as from a UART at one byte per cycle) and leave through its capture buffer,
so Python looks at the model every :data:`BUSY_STEP` cycles instead of every cycle.

Time: the model's clock is :data:`SIM_CLOCK_HZ` (20 kHz; one cycle and one time unit are 50 us,
as its HELLO reply says) and is paced to wall time. While bytes flow, the bridge runs the model
as fast as it can (simulated time may fall slightly behind); while the line is idle, it lets
simulated time catch up with wall time in short steps and sleeps when it is ahead. Simulated
time therefore never runs ahead of wall time and stays within a few milliseconds of it, so the
heartbeat watchdog and the windows mean the same as on a board for a host that converts seconds
to time units with the HELLO reply. Responses the gateware emits on its own (a watchdog ALERT)
reach the pty at the end of the idle step in which they happened (at most :data:`MAX_IDLE_STEP`
cycles late).

Environment: ``QUANTUM_SIM_PTY_FILE`` names the file the slave pty's path is written to.
"""

import os
import select
import time
import tty
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, Timer
from cocotb.utils import get_sim_time

from sim.designs import BURST_BYTES, SIM_CLOCK_HZ

__all__ = ["serve"]

#: Longest idle step in cycles (also the worst-case delay of an autonomous ALERT).
MAX_IDLE_STEP = 20
#: Cycles run after the last sign of activity before going idle (paced) again.
SETTLE_CYCLES = 64
#: Cycles run between two looks at the probe while busy.
BUSY_STEP = 4


def _now_cycles() -> int:
    return int(get_sim_time(unit="ns")) * SIM_CLOCK_HZ // 1_000_000_000


@cocotb.test()
async def serve(dut: Any) -> None:
    """Bridge the pty and the model until the process is terminated (or its parent dies)."""
    master, slave = os.openpty()
    tty.setraw(slave)  # bytes pass unchanged: no echo, no line editing, no CR/LF mapping
    os.set_blocking(master, False)
    path = os.ttyname(slave)
    pty_file = os.environ.get("QUANTUM_SIM_PTY_FILE")
    parent = os.getppid()

    period_ns = 1_000_000_000 // SIM_CLOCK_HZ
    Clock(dut.clk, period_ns, unit="ns").start()
    dut.rst.value = 1
    dut.i_rx__valid.value = 0
    dut.o_tx__ready.value = 0
    dut.i_kill_button.value = 0
    dut.i_burst_load.value = 0
    dut.i_out_clear.value = 0
    dut.i_capture.value = 1
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0
    start_wall = time.monotonic()
    start_cycle = _now_cycles()
    if pty_file:
        with open(pty_file + ".tmp", "w") as out:
            out.write(path)
        os.replace(pty_file + ".tmp", pty_file)
    cocotb.log.info("sim-serve: gateware model on %s", path)

    async def cycles(count: int) -> None:
        await Timer(count * period_ns, unit="ns")

    rx = bytearray()
    tx = bytearray()
    quiet = SETTLE_CYCLES
    while True:
        # Here we are at a falling edge: inputs set now are sampled at the next rising edge.
        try:
            rx += os.read(master, 4096)
        except BlockingIOError:
            pass
        out_len = int(dut.o_out_len.value)
        if out_len:
            data = int(dut.o_out_data.value).to_bytes(BURST_BYTES, "little")
            tx += data[:out_len]
            dut.i_out_clear.value = 1
        if tx:
            try:
                del tx[: os.write(master, tx)]
            except BlockingIOError:
                pass  # the reader is slow; keep the bytes and try again
        load = bool(rx) and not dut.o_burst_busy.value
        if load:
            chunk = bytes(rx[:BURST_BYTES])
            del rx[:BURST_BYTES]
            dut.i_burst_data.value = int.from_bytes(chunk, "little")
            dut.i_burst_len.value = len(chunk)
            dut.i_burst_load.value = 1
        if load or out_len or rx or dut.o_burst_busy.value or dut.o_tap_any.value:
            quiet = 0
        if out_len or load:
            await cycles(1)  # the pulses last exactly one cycle
            dut.i_out_clear.value = 0
            dut.i_burst_load.value = 0
            continue
        if quiet < SETTLE_CYCLES:
            # Busy: let a few cycles pass at full speed, then look again.
            await cycles(BUSY_STEP)
            quiet += BUSY_STEP
            continue
        if os.getppid() != parent:
            cocotb.log.info("sim-serve: parent exited, stopping")
            break
        target = start_cycle + int((time.monotonic() - start_wall) * SIM_CLOCK_HZ)
        behind = target - _now_cycles()
        if behind > 0:
            # Catch up with wall time; anything the guard sends meanwhile is captured.
            await cycles(min(behind, MAX_IDLE_STEP))
        else:
            # Ahead of wall time: sleep until a byte arrives or time has caught up.
            select.select([master], [], [], min(-behind / SIM_CLOCK_HZ, 0.002) + 0.0001)
    os.close(master)
    os.close(slave)
