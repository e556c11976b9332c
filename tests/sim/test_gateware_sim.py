"""The Verilator/cocotb suites of sim/ from pytest (the 20,000-message run is `make sim`)."""

import pytest

from sim.runner import run_suite
from sim.suite import SUITES, summarise

pytestmark = [pytest.mark.sim, pytest.mark.slow]

#: Random messages in the pytest run: enough to hit every control, quick on two shared cores.
PYTEST_RANDOM_MESSAGES = 3_000


@pytest.mark.parametrize("suite", SUITES, ids=[f"{s.design}-{s.module}" for s in SUITES])
def test_suite_passes_without_mismatches(suite, tmp_path):
    env = {"QUANTUM_SIM_MESSAGES": str(PYTEST_RANDOM_MESSAGES), "QUANTUM_SIM_SEED": "7"}
    result = run_suite(suite.design, suite.module, extra_env=env, results_dir=tmp_path)
    log = result.log_file.read_text()[-3000:] if result.log_file else ""
    assert result.failed == 0 and result.passed > 0, log
    summary = summarise([result], seconds=result.seconds)
    assert summary["mismatches"] == 0, log
    if suite.module == "test_random":
        assert summary["random_messages"] >= PYTEST_RANDOM_MESSAGES
        # The timing rule: one latency for the accept and every reject reason seen.
        latencies = summary["verdict_latency_cycles"]
        assert "accept" in latencies and len(latencies) > 5
        assert summary["verdict_latency_constant"], latencies
