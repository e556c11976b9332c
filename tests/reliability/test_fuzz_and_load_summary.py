"""``python -m host.reliability --only NAME`` runs just the named scenarios into summary.json."""

import json
from pathlib import Path

from host.reliability.__main__ import main


def test_main_when_only_csv_fuzz_then_summary_holds_just_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"

    assert main(["--only", "csv_fuzz", "--csv-cases", "100", "--out", str(out)]) == 0

    summary = json.loads(out.read_text())
    assert list(summary["scenarios"]) == ["csv_fuzz"]
    csv = summary["scenarios"]["csv_fuzz"]
    assert csv["passed"] is True and csv["cases"] == 100 and csv["findings"] == 0
    assert csv["seconds"] > 0 and csv["peak_rss_mb"] > 0
