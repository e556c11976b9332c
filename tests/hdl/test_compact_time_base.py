# amaranth: UnusedElaboratable=no
"""TimeBase (the compact core's snapshot of the time unit and its timers) against the rule of
:func:`hdl.compact.timers.timer_fired`, in Amaranth's simulator."""

import random
from typing import Any

import pytest
from amaranth.sim import Simulator

from hdl.compact.microcode import WORD_BITS, WORD_MASK
from hdl.compact.register_file import N_TIMERS
from hdl.compact.time_base import TimeBase
from hdl.compact.timers import timer_fired


@pytest.mark.parametrize("time_unit_cycles", [1, 3, 7])
def test_timers_fire_on_every_cycle_as_the_rule_says(time_unit_cycles: int) -> None:
    dut = TimeBase(time_unit_cycles=time_unit_cycles)
    rng = random.Random(time_unit_cycles)
    numbers = {f"timer{k}.now": k for k in range(N_TIMERS)}
    checked = {"fired": 0, "held": 0}

    async def bench(ctx: Any) -> None:
        cycle = 0

        async def tick() -> None:
            nonlocal cycle
            await ctx.tick()
            cycle += 1

        for _ in range(25):
            for _ in range(rng.randint(0, 20)):
                await tick()
            snapshot_cycle = cycle
            ctx.set(dut.i_snapshot, 1)
            await tick()
            ctx.set(dut.i_snapshot, 0)
            # the snapshot's words, as the core writes them to the register file
            unit = snapshot_cycle // time_unit_cycles
            for word in range(3):
                ctx.set(dut.i_word, word)
                assert ctx.get(dut.o_word) == unit >> (WORD_BITS * word) & WORD_MASK
            headrooms = [
                rng.choice((0, 1, 2, rng.randint(0, 40), (1 << 24) - 1)) for _ in range(N_TIMERS)
            ]
            for number, headroom in enumerate(headrooms):
                for word in range(2):
                    ctx.set(dut.i_load, 1)
                    ctx.set(dut.i_load_timer, number)
                    ctx.set(dut.i_load_word, word)
                    ctx.set(dut.i_load_data, headroom >> (WORD_BITS * word) & WORD_MASK)
                    await tick()
            ctx.set(dut.i_load, 0)
            now = rng.getrandbits(N_TIMERS) if rng.random() < 0.3 else 0
            ctx.set(dut.i_now, now)
            for _ in range(rng.randint(1, 60)):
                elapsed = cycle // time_unit_cycles - unit
                for number, headroom in enumerate(headrooms):
                    want = timer_fired(now, numbers, number, headroom, elapsed)
                    got = bool(ctx.get(dut.o_fired) >> number & 1)
                    assert got == want, (cycle, snapshot_cycle, number, headroom, now)
                    checked["fired" if want else "held"] += 1
                await tick()
            ctx.set(dut.i_now, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert checked["fired"] > 100 and checked["held"] > 100


def test_a_time_unit_of_no_cycles_is_refused() -> None:
    with pytest.raises(ValueError, match="Time unit cycles must be in 1..65535, not 0"):
        TimeBase(time_unit_cycles=0)
