"""The kill switch (synchroniser + debounce) and the LED pulse stretcher, in simulation."""

import gc

import pytest
from amaranth.sim import Simulator

from hdl.boards.kill_switch import KillSwitch
from hdl.boards.pulse_stretcher import PulseStretcher

# A constructor that refuses its arguments leaves an object Amaranth reports as unused.
pytestmark = pytest.mark.filterwarnings("ignore:.*created but never used")

STABLE = 8
SYNC_STAGES = 2


def _run(dut: object, bench: object) -> None:
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def test_a_held_button_kills_after_synchroniser_and_debounce() -> None:
    dut = KillSwitch(stable_ticks=STABLE)
    seen: list[int] = []

    async def bench(ctx):
        ctx.set(dut.i_button, 1)
        for _ in range(SYNC_STAGES + STABLE + 4):
            await ctx.tick()
            seen.append(ctx.get(dut.o_kill))

    _run(dut, bench)
    first_high = seen.index(1)
    assert SYNC_STAGES + STABLE - 2 <= first_high <= SYNC_STAGES + STABLE + 1
    assert all(seen[first_high:])


def test_bounces_shorter_than_the_debounce_time_never_kill() -> None:
    dut = KillSwitch(stable_ticks=STABLE)
    seen: list[int] = []

    async def bench(ctx):
        for _ in range(10):
            ctx.set(dut.i_button, 1)
            for _ in range(STABLE - 2):
                await ctx.tick()
                seen.append(ctx.get(dut.o_kill))
            ctx.set(dut.i_button, 0)
            await ctx.tick()
            seen.append(ctx.get(dut.o_kill))

    _run(dut, bench)
    assert not any(seen)


def test_a_release_is_debounced_too() -> None:
    dut = KillSwitch(stable_ticks=STABLE)
    after_release: list[int] = []

    async def bench(ctx):
        ctx.set(dut.i_button, 1)
        await ctx.tick().repeat(SYNC_STAGES + STABLE + 2)
        assert ctx.get(dut.o_kill) == 1
        ctx.set(dut.i_button, 0)
        for _ in range(SYNC_STAGES + STABLE + 4):
            await ctx.tick()
            after_release.append(ctx.get(dut.o_kill))

    _run(dut, bench)
    assert after_release[: STABLE - 1] == [1] * (STABLE - 1)
    assert after_release[-1] == 0


@pytest.mark.parametrize(
    ("stable_ticks", "error", "message"),
    [
        (0, ValueError, r"^stable_ticks must be at least 1, not 0$"),
        (True, TypeError, r"^stable_ticks must be an int, not True$"),
    ],
)
def test_kill_switch_parameters_are_checked(
    stable_ticks: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        KillSwitch(stable_ticks=stable_ticks)  # type: ignore[arg-type]
    gc.collect()  # report the refused object's "never used" warning here, where it is filtered


def test_a_one_cycle_event_lights_for_exactly_hold_cycles() -> None:
    hold = 5
    dut = PulseStretcher(hold_ticks=hold)
    seen: list[int] = []

    async def bench(ctx):
        ctx.set(dut.i_event, 1)
        await ctx.tick()
        ctx.set(dut.i_event, 0)
        for _ in range(hold + 3):
            seen.append(ctx.get(dut.o_pulse))
            await ctx.tick()

    _run(dut, bench)
    assert seen == [1] * hold + [0] * 3


def test_a_new_event_restarts_the_hold() -> None:
    hold = 4
    dut = PulseStretcher(hold_ticks=hold)
    seen: list[int] = []

    async def bench(ctx):
        for pulse in [1, 0, 0, 1, 0, 0, 0, 0, 0, 0]:
            ctx.set(dut.i_event, pulse)
            await ctx.tick()
            seen.append(ctx.get(dut.o_pulse))

    _run(dut, bench)
    assert seen == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]


def test_pulse_stretcher_hold_is_checked() -> None:
    with pytest.raises(ValueError, match=r"^hold_ticks must be at least 1, not -1$"):
        PulseStretcher(hold_ticks=-1)
    gc.collect()


def test_with_a_slow_tick_the_hold_counts_ticks_not_cycles() -> None:
    hold, period = 3, 4
    dut = PulseStretcher(hold_ticks=hold)
    seen: list[int] = []

    async def bench(ctx):
        ctx.set(dut.i_event, 1)
        await ctx.tick()
        ctx.set(dut.i_event, 0)
        for cycle in range(hold * period + 6):
            ctx.set(dut.i_tick, cycle % period == period - 1)
            seen.append(ctx.get(dut.o_pulse))
            await ctx.tick()

    _run(dut, bench)
    assert seen == [1] * (hold * period) + [0] * 6


def test_the_debounce_counts_ticks_when_given_a_slow_tick() -> None:
    stable, period = 3, 5
    dut = KillSwitch(stable_ticks=stable)
    seen: list[int] = []

    async def bench(ctx):
        ctx.set(dut.i_button, 1)
        for cycle in range(SYNC_STAGES + (stable + 2) * period):
            ctx.set(dut.i_tick, cycle % period == 0)
            await ctx.tick()
            seen.append(ctx.get(dut.o_kill))

    _run(dut, bench)
    first_high = seen.index(1)
    # At least stable - 1 whole tick periods of a stable level, at most stable + 1.
    assert (stable - 1) * period <= first_high <= SYNC_STAGES + (stable + 1) * period
    assert all(seen[first_high:])
