"""The README performance block, generated from the results file."""

from pathlib import Path

import pytest

from host.bench.readme import BEGIN, END, main, replace_block, table
from host.bench.results import Results, measured, missing, save


def _results() -> Results:
    return Results.build(
        [
            measured("link.pty_round_trip_p50_us", 200.0, "us", "pty"),
            measured(
                "link.serial_115200_order_round_trip_us",
                2257.0,
                "us",
                "serial",
                baseline="link.pty_round_trip_p50_us",
            ),
            missing("dashboard.commit_to_ws_p50_us", "us", "ws", "not available"),
        ],
        date="2026-11-25T07:40:00+00:00",
        machine={"cpu": "Test CPU", "cores": 2, "memory_gib": 24, "python": "3.11"},
        versions={},
    )


def test_table_when_figures_then_values_ratios_and_missing_rows() -> None:
    text = table(_results())
    assert (
        "| Order round trip on a 115200-baud board (wire time) | 2.26 ms "
        "| 11.3× link.pty_round_trip_p50_us |" in text
    )
    assert "| Database commit -> WebSocket receipt, p50 | not measured |" in text
    assert "| Engine tick -> decision, p50 | not in this run |" in text
    assert "Test CPU, 2 cores" in text


def test_replace_block_when_markers_absent_then_appended_at_end() -> None:
    updated = replace_block("# Title\n\nText.\n", "TABLE")
    assert updated.startswith("# Title\n\nText.\n")
    assert updated.endswith(f"{BEGIN}\nTABLE\n{END}\n")


def test_replace_block_when_markers_present_then_only_block_changes() -> None:
    readme = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    assert replace_block(readme, "new") == f"before\n{BEGIN}\nnew\n{END}\nafter\n"


def test_replace_block_when_markers_reversed_then_value_error() -> None:
    with pytest.raises(ValueError, match=r"before"):
        replace_block(f"{END}\n{BEGIN}\n", "x")


def test_main_when_run_then_rewrites_and_check_passes(tmp_path: Path) -> None:
    results_path = save(_results(), tmp_path / "results.json")
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n")
    args = ["--results", str(results_path), "--readme", str(readme)]
    assert main([*args, "--check"]) == 1
    assert main(args) == 0
    assert "2.26 ms" in readme.read_text()
    assert main([*args, "--check"]) == 0


def test_committed_readme_when_checked_then_table_matches_committed_results() -> None:
    # The README's numbers are the results file's, never edited by hand.
    assert main(["--check"]) == 0
