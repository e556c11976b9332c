"""The WebSocket latency benchmark runs end to end and reports a consistent distribution."""

import pytest

from dashboard.server.bench import measure_ws_latency


@pytest.mark.slow
@pytest.mark.parametrize("same_process", [False, True])
def test_measure_ws_latency_when_small_run_then_one_sample_per_client_and_event(
    same_process: bool,
) -> None:
    result = measure_ws_latency(clients=3, events=5, same_process=same_process, poll_seconds=0.05)

    samples = result["samples_us"]
    assert len(samples) == 15
    assert all(sample > 0 for sample in samples)
    assert result["p50_us"] <= result["p99_us"] <= result["max_us"] == max(samples)
    assert result["events_per_s"] > 0
    assert 0 < result["write_p50_us"] <= result["write_p99_us"]
    assert result["mode"] == ("notify" if same_process else "poll")


def test_measure_ws_latency_when_no_clients_then_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Clients and events must be at least 1, not 0, 5$"):
        measure_ws_latency(clients=0, events=5)
