"""The directed scenarios of :mod:`sim.scenarios` through the whole GuardTop byte streams."""

from typing import Any

import cocotb

from sim.designs import SIM_TIME_UNIT_CYCLES
from sim.scenarios import scenarios
from sim.tests.harness import GuardDriver, canonical, write_metrics

__all__ = ["directed_scenarios"]

#: Scenario time scale: one frame plus its response takes ~60 cycles here, so waits and windows
#: are stretched until back-to-back messages fit well inside ``10 * SCALE`` time units.
SCALE = 20


@cocotb.test()
async def directed_scenarios(dut: Any) -> None:
    """Every scenario: the responses on o_tx equal the table's and the model's."""
    driver = GuardDriver(dut)
    failures = []
    table = scenarios(scale=SCALE)
    for scenario in table:
        await driver.reset()
        for number, step in enumerate(scenario.steps):
            first = len(driver.tx_messages)
            await driver.idle(step.wait_units * SIM_TIME_UNIT_CYCLES)
            if step.send is not None:
                await driver.send_message(step.send)
            await driver.drain()
            seen = driver.tx_messages[first:]
            expected = [canonical(m) for m in step.expect]
            if seen != expected:
                failures.append(f"{scenario.name} step {number}: got {seen}, want {expected}")
                cocotb.log.error("%s", failures[-1])
                break
        driver.check()
    write_metrics(
        {
            "scenarios": len(table),
            "failures": failures,
            "mismatches": len(driver.mismatches),
            "verdict_latency_cycles": {k: sorted(v) for k, v in driver.latencies.items()},
        },
        key="scenarios",
    )
    assert not failures, f"{len(failures)} scenarios failed: {failures[:3]}"
    assert not driver.mismatches, f"model mismatches: {driver.mismatches[:5]}"
