"""``python -m host.reliability --only NAME`` runs just the named scenarios into summary.json."""

import json
from pathlib import Path

import pytest

from host.reliability.__main__ import main


def test_main_when_only_csv_fuzz_then_summary_holds_just_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"

    assert main(["--only", "csv_fuzz", "--csv-cases", "100", "--out", str(out)]) == 0

    summary = json.loads(out.read_text())
    assert list(summary["scenarios"]) == ["csv_fuzz"]
    csv = summary["scenarios"]["csv_fuzz"]
    assert csv["passed"] is True and csv["cases"] == 100 and csv["findings"] == 0
    assert csv["seconds"] > 0 and csv["peak_rss_mb"] > 0


def test_main_when_only_names_an_unknown_scenario_then_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "engine_restarts", "--out", str(tmp_path / "summary.json")])

    assert exit_info.value.code == 2
    assert "unknown scenario engine_restarts" in capsys.readouterr().err
    assert not (tmp_path / "summary.json").exists()


@pytest.mark.slow
def test_main_when_only_engine_restart_then_summary_holds_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"

    assert main(["--only", "engine_restart", "--engine-restarts", "1", "--out", str(out)]) == 0

    restart = json.loads(out.read_text())["scenarios"]["engine_restart"]
    assert restart["passed"] is True and restart["restarts"] == 1
    assert restart["trades_lost_or_duplicated"] == 0
    run = restart["runs"][0]
    assert run["safe"] is True and run["restored_fills"] == run["trades_at_kill"] >= 3
