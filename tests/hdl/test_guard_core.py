"""Amaranth-simulator tests of GuardCore at the message level, against GuardModel."""

import random

import pytest
from guard_sim import GuardBench, canonical, run_bench

from hdl.protocol import MessageType
from sim import scenarios as sc
from sim.traffic import RandomTraffic

GAP = 8


def plan_scenario(bench: GuardBench, scenario: sc.Scenario) -> tuple[int, list[tuple[int, int]]]:
    """Plan ``scenario``; return the cycle count and, per step, its (start, end) cycles."""
    cycle = GAP
    windows = []
    for step in scenario.steps:
        start = cycle
        cycle += step.wait_units * bench.time_unit_cycles
        if step.send is not None:
            bench.send(cycle, step.send)
        cycle += GAP
        windows.append((start, cycle))
    return cycle + GAP, windows


@pytest.mark.parametrize("scenario", sc.scenarios(), ids=lambda s: s.name)
def test_scenario_on_gateware(scenario: sc.Scenario) -> None:
    bench = GuardBench()
    cycles, windows = plan_scenario(bench, scenario)
    got, want = run_bench(bench, cycles)
    assert got == want
    for step, (start, end) in zip(scenario.steps, windows, strict=True):
        seen = [m for c, m in got if start <= c < end]
        assert seen == [canonical(m) for m in step.expect]


def plan_random(bench: GuardBench, seed: int, actions: int) -> int:
    """Plan the link engineer's seeded traffic at the message level; return the cycle count.

    Beats are 5 to 12 cycles apart; bad frames and response drops are strobed at least 4
    cycles before the next beat, button presses at least 3 cycles after the previous beat
    and 2 before the next (the model does not describe a press racing a message's update).
    """
    rng = random.Random(seed)
    traffic = RandomTraffic(seed)
    cycle = 2
    for message in traffic.setup():
        bench.send(cycle, message)
        cycle += 6
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message":
            assert action.message is not None
            bench.send(cycle, action.message)
            cycle += rng.randint(5, 12)
        elif action.kind == "bad":
            bench.bad_frames.add(cycle)
            cycle += 5
        elif action.kind == "button":
            bench.button.add(cycle + 3)
            cycle += 6
        else:
            cycle += action.cycles
        if rng.random() < 0.01:
            bench.drops.add(cycle)
            cycle += 5
    return cycle + 20


@pytest.mark.parametrize("seed", [1, 2])
def test_random_differential(seed: int) -> None:
    bench = GuardBench(time_unit_cycles=1)
    cycles = plan_random(bench, seed, 1500)
    got, want = run_bench(bench, cycles)
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"beat {index} of {len(want)}: {g} != {w}"
    assert len(got) == len(want)
    reasons = {m["reason"] for _, m in got if m.type == MessageType.ORDER_VERDICT}
    assert len(reasons) >= 12  # the traffic exercises most controls
