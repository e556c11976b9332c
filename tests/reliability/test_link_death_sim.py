"""The link to the real Verilator gateware (``quantum sim-serve``) dies mid-run, killed or
frozen: the engine notices within the heartbeat timeout, cancels every open paper order,
records a LINK_DOWN risk event, sends nothing while halted, refuses to re-arm while the link
is down, and trades again through a new sim-serve only after the operator re-arms."""

import pytest

from host.reliability.link_death import run_link_death

pytestmark = [pytest.mark.sim, pytest.mark.slow]


async def test_sim_serve_killed_then_frozen_mid_run_halts_cancels_and_waits_for_rearm() -> None:
    result = await run_link_death(["kill", "freeze"])

    assert result.problems == []
    kill, freeze = result.cycles
    for cycle in (kill, freeze):
        assert cycle.open_orders_at_fault >= 2
        assert cycle.open_orders_after_halt == 0
        assert cycle.detect_s < result.heartbeat_timeout_s
        assert cycle.rearm_refused_while_down
        assert cycle.orders_while_halted == 0
        assert cycle.accepted_after_rearm > 0
    # A closed pty ends the link at once; a frozen guard is caught by a missed heartbeat.
    assert kill.halt_reason.startswith("LINK_DOWN")
    assert freeze.halt_reason == "LINK_DOWN: guard not answering"
    assert result.link_down_risk_events == 2
