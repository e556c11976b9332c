"""``python -m host.reliability`` writes a summary with every scenario's figures."""

import json
from pathlib import Path

from host.reliability.__main__ import main

# The CSV fuzz, API fuzz and WebSocket load have their own short tests (and --only, below).
SKIP_FUZZ_AND_LOAD = ["--csv-cases", "0", "--api-examples", "0", "--ws-seconds", "0"]


def test_summary_when_scenarios_pass_then_written_with_figures_and_exit_0(tmp_path: Path):
    out = tmp_path / "summary.json"
    # The database-outage and sim link-death runs have their own short tests.
    skip_long = ["--db-outages", "0", "--link-deaths", "0", "--engine-restarts", "0"]
    skip_long += SKIP_FUZZ_AND_LOAD
    assert (
        main(["--fuzz-frames", "2000", "--noisy-orders", "150", *skip_long, "--out", str(out)]) == 0
    )
    summary = json.loads(out.read_text())
    assert summary["passed"] is True
    fuzz, noisy = summary["scenarios"]["codec_fuzz"], summary["scenarios"]["noisy_link"]
    assert fuzz["cases"] == 2000 and fuzz["crashes"] == 0
    assert noisy["orders"] == 150 and noisy["accepts_without_guard_accept"] == []
    assert all(s["peak_rss_mb"] > 0 and s["seconds"] >= 0 for s in summary["scenarios"].values())


def test_summary_when_a_scenario_fails_then_exit_1(tmp_path: Path):
    out = tmp_path / "summary.json"
    # Zero orders cannot show damage on both sides of the link, so the scenario fails.
    skip_long = ["--db-outages", "0", "--link-deaths", "0", "--engine-restarts", "0"]
    skip_long += SKIP_FUZZ_AND_LOAD
    assert main(["--fuzz-frames", "100", "--noisy-orders", "0", *skip_long, "--out", str(out)]) == 1
    assert json.loads(out.read_text())["scenarios"]["noisy_link"]["passed"] is False
