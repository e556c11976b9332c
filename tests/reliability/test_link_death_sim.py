"""The link to the real Verilator gateware (``quantum sim-serve``) dies mid-run, killed or
frozen: the engine notices within the heartbeat timeout, cancels every open paper order,
records a LINK_DOWN risk event, sends nothing while halted, refuses to re-arm while the link
is down, and trades again through a new sim-serve only after the operator re-arms."""

import pytest

from host.reliability.link_death import LinkDeathResult, run_link_death

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def _assert_safe_death(result: LinkDeathResult) -> str:
    assert result.problems == []
    (cycle,) = result.cycles
    assert cycle.open_orders_at_fault >= 2
    assert cycle.open_orders_after_halt == 0
    assert cycle.detect_s < result.heartbeat_timeout_s
    assert cycle.rearm_refused_while_down
    assert cycle.orders_while_halted == 0
    assert cycle.accepted_after_rearm > 0
    assert result.link_down_risk_events == 1
    return cycle.halt_reason


async def test_sim_serve_killed_mid_run_halts_at_once_cancels_and_waits_for_rearm() -> None:
    # Its pty closes: the link ends at once (detect_s is checked). The alert reader and the
    # heartbeat task both see the closed link; whichever runs first names the halt, so
    # either reason is the same death. Never "guard not answering": that is a frozen guard.
    reason = _assert_safe_death(await run_link_death(["kill"]))
    assert reason in ("LINK_DOWN: alert stream ended", "LINK_DOWN: heartbeat failed")


async def test_sim_serve_frozen_mid_run_is_caught_by_the_liveness_probe() -> None:
    # SIGSTOP: the pty stays open and nothing answers; HEARTBEAT has no reply, so only the
    # engine's STATUS probe after three silent heartbeat intervals can tell.
    reason = _assert_safe_death(await run_link_death(["freeze"]))
    assert reason == "LINK_DOWN: guard not answering"
