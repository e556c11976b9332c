"""A quick real bench run: sections, results file, plot, missing figures with reasons, CLI."""

import json
from pathlib import Path

import pytest

from host.bench.results import load
from host.bench.runner import SECTIONS, run_bench
from host.bench.sections import BenchContext, call_accepting, find_function, pick
from host.bench.sections.gateware import run as run_gateware
from host.cli import main
from host.commands.bench import PARTIAL_RESULTS_PATH, output_path


@pytest.fixture
def no_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the Verilator model out of these tests: the pty round trip is the sim's to test."""
    from host.bench.sections import link

    monkeypatch.setattr(link, "_pty_result", lambda context: "simulator not started in tests")


@pytest.mark.usefixtures("no_simulator")
def test_run_bench_when_link_only_then_results_and_plot_written(tmp_path: Path) -> None:
    outcome = run_bench(out=tmp_path / "results.json", only=["link"], quick=True)
    results = load(outcome.results_path)
    assert results.command == "quantum bench --quick --only link"
    assert results.machine["cores"] >= 1
    assert "amaranth" in results.versions
    order = results["link.order_frame_bytes"]
    assert order.value == 16 and order.source == "computed"
    assert results["link.codec_encode_order_p50_us"].value > 0
    # Published figures always travel with the run, labelled as published.
    assert results["reference.stac_t0_tick_to_trade_ns"].published
    assert not any(key.startswith("host.") for key in results.figures)
    assert results["link.pty_round_trip_p50_us"].missing == "simulator not started in tests"
    assert results["link.model_round_trip_p50_us"].value > 0
    assert results["link.serial_115200_order_round_trip_us"].baseline == (
        "link.pty_round_trip_p50_us"
    )
    assert outcome.plot_path is not None
    assert outcome.plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_bench_when_section_unknown_then_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Sections must be among \["):
        run_bench(out=tmp_path / "r.json", only=["gpu"], quick=True)


def test_gateware_when_no_sim_summary_then_missing_with_command(tmp_path: Path) -> None:
    figures = {f.key: f for f in run_gateware(BenchContext(quick=True, root=tmp_path))}
    cycles = figures["gateware.verdict_latency_cycles"]
    assert cycles.value is None
    assert cycles.missing == "build/sim/summary.json does not exist: run `make sim`"
    assert "quantum build --board icebreaker" in str(
        figures["gateware.icebreaker_fmax_mhz"].missing
    )


def test_gateware_when_summary_and_report_then_ns_is_cycles_over_fmax(tmp_path: Path) -> None:
    (tmp_path / "build" / "sim").mkdir(parents=True)
    (tmp_path / "build" / "sim" / "summary.json").write_text(
        json.dumps(
            {
                "verdict_latency_cycles": {"ACCEPT": 12, "MAX_NOTIONAL": 12},
                "cycles_per_second": 800_000,
                "random_messages": 20_000,
                "mismatches": 0,
            }
        )
    )
    (tmp_path / "bitstreams" / "icebreaker").mkdir(parents=True)
    (tmp_path / "bitstreams" / "icebreaker" / "report.json").write_text(
        json.dumps({"fmax_mhz": 48.0, "clock_mhz": 12.0, "luts_used": 3000})
    )
    figures = {f.key: f for f in run_gateware(BenchContext(quick=True, root=tmp_path))}
    assert figures["gateware.icebreaker_verdict_ns"].value == 1000.0
    assert figures["gateware.icebreaker_verdict_ns_at_fmax"].value == 250.0
    assert figures["gateware.icebreaker_luts"].value == 3000
    assert (
        figures["gateware.icebreaker_verdict_ns"].baseline == "reference.stac_t0_tick_to_trade_ns"
    )
    assert figures["gateware.ulx3s_verdict_ns"].value is None
    assert figures["gateware.verdict_latency_spread_cycles"].value == 0
    assert figures["gateware.sim_mismatches"].value == 0
    assert figures["gateware.verilator_cycles_per_s"].value == 800_000


def test_gateware_when_latency_varies_by_reason_then_worst_and_spread(tmp_path: Path) -> None:
    (tmp_path / "build" / "sim").mkdir(parents=True)
    (tmp_path / "build" / "sim" / "summary.json").write_text(
        json.dumps({"verdict_latency_cycles": {"ACCEPT": 12, "RATE_LIMIT": [12, 14]}})
    )
    figures = {f.key: f for f in run_gateware(BenchContext(quick=True, root=tmp_path))}
    assert figures["gateware.verdict_latency_cycles"].value == 14
    assert figures["gateware.verdict_latency_spread_cycles"].value == 2
    assert figures["gateware.verilator_cycles_per_s"].missing.startswith(
        "not in build/sim/summary.json of 20"
    )


def test_gateware_when_simulated_in_run_then_figures_measured(monkeypatch) -> None:
    from host.bench.sections import gateware

    metrics = {
        "passed": True,
        "messages": 3000,
        "mismatches": 0,
        "cycles_per_second": 650_000.0,
        "verdict_latency_cycles": {"ACCEPT": [7], "RATE_LIMIT": [7, 7]},
    }
    monkeypatch.setattr(gateware, "_run_simulation", lambda context: metrics)
    figures = {f.key: f for f in gateware.run(BenchContext(quick=False))}
    cycles = figures["gateware.verdict_latency_cycles"]
    assert cycles.value == 7 and cycles.source == "measured"
    assert "this run" in cycles.description
    assert figures["gateware.verdict_latency_spread_cycles"].value == 0
    assert figures["gateware.sim_random_messages"].value == 3000


def test_find_function_when_module_absent_then_reason() -> None:
    reason = find_function("host.no_such_module", "measure")
    assert isinstance(reason, str) and reason.startswith("host.no_such_module is not available")
    assert callable(find_function("host.bench.stats", "summarize"))


def test_call_accepting_when_function_takes_some_then_only_those_passed() -> None:
    def measure(count: int) -> dict:
        return {"count": count}

    assert call_accepting(measure, count=3, clients=50) == {"count": 3}


def test_pick_when_candidates_then_first_finite_number() -> None:
    assert pick({"a": None, "b": float("nan"), "c": 2}, "a", "b", "c") == 2.0
    assert pick({"a": True}, "a") is None
    assert pick([1], "a") is None


def test_output_path_when_partial_then_scratch_file_not_committed_one(tmp_path: Path) -> None:
    assert output_path(None, only=["link"], quick=False) == PARTIAL_RESULTS_PATH
    assert output_path(None, only=[], quick=True) == PARTIAL_RESULTS_PATH
    assert output_path(None, only=[], quick=False).name == "results.json"
    assert output_path(tmp_path / "x.json", only=[], quick=True) == tmp_path / "x.json"


@pytest.mark.usefixtures("no_simulator")
def test_cli_bench_when_quick_link_then_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert (
        main(["--no-banner", "bench", "--quick", "--only", "link", "--no-plot", "--out", str(out)])
        == 0
    )
    assert load(out)["link.serial_115200_orders_per_s"].value == 720.0
    assert not (tmp_path / "latency.png").exists()


def test_sections_when_listed_then_every_part_present() -> None:
    assert list(SECTIONS) == ["gateware", "link", "host", "dashboard"]


def test_guard_round_trip_when_model_then_every_order_answered() -> None:
    from host.bench.sections.guard_round_trip import measure_guard_round_trip

    result = measure_guard_round_trip("model", count=30)
    assert len(result["samples_us"]) == 30
    assert sum(result["reasons"].values()) == 30
    assert result["reasons"].get("ACCEPT", 0) >= 1
    assert 0 < result["p50_us"] <= result["p99_us"]


def test_guard_round_trip_when_no_orders_then_value_error() -> None:
    from host.bench.sections.guard_round_trip import measure_guard_round_trip

    with pytest.raises(ValueError, match=r"^Order count must be at least 1, not 0$"):
        measure_guard_round_trip("model", count=0)
