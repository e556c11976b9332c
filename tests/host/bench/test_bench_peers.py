"""The peers' shared strategy and the placeholders of a run without --peers."""

import numpy as np

from host.bench.peers import (
    PEER_SPECS,
    THRESHOLD_QUOTE,
    WINDOW_US,
    liquidation_window_signals,
    not_requested,
)
from host.data.events import EVENT_DTYPE, EventKind


def _events(rows: list[tuple[int, int, float, float]]) -> np.ndarray:
    events = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for index, (ts, kind, p1, q1) in enumerate(rows):
        events[index]["ts"] = ts
        events[index]["kind"] = kind
        events[index]["p1"] = p1
        events[index]["q1"] = q1
        events[index]["p2"] = p1 + 1
    return events


def test_signals_when_liquidations_cross_threshold_in_window_then_one_signal() -> None:
    half = THRESHOLD_QUOTE / 2 / 100
    rows = [
        (0, EventKind.QUOTE, 100.0, 1.0),
        (1_000, EventKind.LIQUIDATION, 100.0, half),
        (2_000, EventKind.LIQUIDATION, 100.0, half),
    ]
    assert liquidation_window_signals(_events(rows)) == 1


def test_signals_when_same_notional_spread_beyond_window_then_none() -> None:
    half = THRESHOLD_QUOTE / 2 / 100
    rows = [
        (0, EventKind.QUOTE, 100.0, 1.0),
        (1_000, EventKind.LIQUIDATION, 100.0, half),
        (1_000 + WINDOW_US + 1, EventKind.LIQUIDATION, 100.0, half),
    ]
    assert liquidation_window_signals(_events(rows)) == 0


def test_signals_when_no_quote_yet_then_none() -> None:
    rows = [(0, EventKind.LIQUIDATION, 100.0, THRESHOLD_QUOTE)]
    assert liquidation_window_signals(_events(rows)) == 0


def test_not_requested_when_no_peers_flag_then_every_key_missing_with_hint() -> None:
    figures = not_requested()
    assert [f.key for f in figures] == [key for key, _, _ in PEER_SPECS]
    assert all(f.value is None and "--peers" in str(f.missing) for f in figures)


def test_run_peers_when_peer_venv_unusable_then_loop_measured_and_peers_missing(
    tmp_path, monkeypatch
) -> None:
    from host.bench import peers
    from host.bench.sections import BenchContext

    monkeypatch.setattr(peers, "ensure_venv", lambda _dir: "pip install failed: no network")
    real_find = peers.find_function

    def find_function(module: str, name: str):
        # Our own engine's throughput is the engine's to test; keep this test fast.
        return (
            "engine not run in tests"
            if module == "host.backtest.bench"
            else real_find(module, name)
        )

    monkeypatch.setattr(peers, "find_function", find_function)
    context = BenchContext(quick=True, root=tmp_path, work_dir=tmp_path / "bench")
    context.work_dir.mkdir()
    figures, document = peers.run_peers(context)
    by_key = {f.key: f for f in figures}
    assert set(by_key) == {key for key, _, _ in PEER_SPECS}
    assert by_key["peers.events"].value == document["events"] > 1000
    assert by_key["peers.python_loop_events_per_s"].value > 0
    assert document["python_loop"]["signals"] >= 0
    assert by_key["peers.ours_events_per_s"].missing == "engine not run in tests"
    for key in ("peers.nautilus_events_per_s", "peers.hftbacktest_events_per_s"):
        assert by_key[key].missing == "pip install failed: no network"
