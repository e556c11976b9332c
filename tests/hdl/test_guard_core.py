"""Amaranth-simulator tests of GuardCore at the message level, against GuardModel."""

import pytest
from guard_sim import GuardBench, canonical, run_bench

from sim import scenarios as sc

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
