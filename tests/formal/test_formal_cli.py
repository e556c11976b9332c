"""`python -m sim.formal` (make formal): exit codes, summary file and table."""

import json
from pathlib import Path

import pytest

from sim.formal.__main__ import main


def test_main_when_a_property_holds_then_exit_0_and_summary_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code = main(["--only", "P4", "--depth", "10", "--output", str(tmp_path)])

    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["properties"] == 1
    assert summary["failed"] == 0
    assert summary["results"]["P4"]["outcome"] in ("bounded", "proven")
    out = capsys.readouterr().out
    assert "P4" in out
    assert "1 properties: " in out


def test_main_when_an_unknown_property_is_asked_then_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code = main(["--only", "P9", "--output", str(tmp_path)])

    assert code == 2
    assert "Property ids must be among P1..P6, not ['P9']" in capsys.readouterr().out
    assert not (tmp_path / "summary.json").exists()
