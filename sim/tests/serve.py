"""The pty bridge: the Verilator model of GuardTop behind a pseudo-terminal (``sim-serve``).

Time: the model's clock is :data:`SIM_CLOCK_HZ` (20 kHz; one cycle and one time unit are
50 us, as its HELLO reply says) and is paced to wall time. While bytes flow, the bridge steps
the model one cycle at a time (about 17 k cycles per wall second here, so simulated time falls
slightly behind); while the line is idle, it lets simulated time catch up with wall time in
short steps (~100 k cycles/s) and sleeps when it is ahead. Simulated time therefore never runs
ahead of wall time and stays within a few milliseconds of it, so the heartbeat watchdog and the
windows mean the same as on a board for a host that converts seconds to time units with the
HELLO reply. Responses the gateware emits on its own (a watchdog ALERT) reach the pty at the
end of the idle step in which they happened (at most :data:`MAX_IDLE_STEP` cycles late).

Environment: ``QUANTUM_SIM_PTY_FILE`` names the file the slave pty's path is written to.
"""

import os
import select
import time
import tty
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer
from cocotb.utils import get_sim_time

from sim.designs import SIM_CLOCK_HZ

#: Longest idle step in cycles (also the worst-case delay of an autonomous ALERT).
MAX_IDLE_STEP = 20
#: Cycles stepped one by one after the last byte in or out before going idle again.
SETTLE_CYCLES = 64


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

    Clock(dut.clk, 1_000_000_000 // SIM_CLOCK_HZ, unit="ns").start()
    dut.rst.value = 1
    dut.i_rx__valid.value = 0
    dut.o_tx__ready.value = 0
    dut.i_kill_button.value = 0
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

    rx = bytearray()
    tx = bytearray()
    while True:
        try:
            rx += os.read(master, 4096)
        except BlockingIOError:
            pass
        if tx:
            try:
                del tx[: os.write(master, tx)]
            except BlockingIOError:
                pass  # the reader is slow; keep the bytes and try again
        if rx or dut.o_tx__valid.value:
            # Busy: one cycle at a time, a byte in and a byte out per cycle at most. One
            # trigger per cycle: every value read after a rising edge belongs to one cycle
            # whose o_tx beat is (or was) taken by that edge, since ready stays high here.
            quiet = 0
            dut.o_tx__ready.value = 1
            await RisingEdge(dut.clk)
            while quiet < SETTLE_CYCLES:
                if rx:
                    dut.i_rx__valid.value = 1
                    dut.i_rx__payload.value = rx.pop(0)
                    quiet = 0
                else:
                    dut.i_rx__valid.value = 0
                await RisingEdge(dut.clk)
                quiet += 1
                if dut.o_tx__valid.value:
                    tx.append(int(dut.o_tx__payload.value))
                    quiet = 0
                if not rx:
                    try:
                        rx += os.read(master, 4096)
                    except BlockingIOError:
                        pass
                if tx and (not rx or len(tx) > 64):
                    try:
                        del tx[: os.write(master, tx)]
                    except BlockingIOError:
                        pass
            dut.i_rx__valid.value = 0
            dut.o_tx__ready.value = 0
            await FallingEdge(dut.clk)
            continue
        if os.getppid() != parent:
            cocotb.log.info("sim-serve: parent exited, stopping")
            break
        target = start_cycle + int((time.monotonic() - start_wall) * SIM_CLOCK_HZ)
        behind = target - _now_cycles()
        if behind > 0:
            # Catch up with wall time; o_tx is stalled meanwhile, so nothing is lost.
            await Timer(min(behind, MAX_IDLE_STEP) * 1_000_000_000 // SIM_CLOCK_HZ, unit="ns")
            await FallingEdge(dut.clk)
        else:
            # Ahead of wall time: sleep until a byte arrives or time has caught up.
            select.select([master], [], [], min(-behind / SIM_CLOCK_HZ, 0.002) + 0.0001)
    os.close(master)
    os.close(slave)
