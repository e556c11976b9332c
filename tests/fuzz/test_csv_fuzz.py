"""Fuzzing the CSV loaders (the short run; ``python -m host.reliability`` runs 100k+ files):
every generated file loads exactly as the row-by-row reference says, or raises BadRowError
naming the file and the first bad line; skipping counts every bad row."""

import logging
from pathlib import Path

import pytest

from host.data import loaders
from host.reliability import csv_fuzz
from host.reliability.csv_fuzz import CsvCase, CsvFuzzReport, check_case, fuzz_csv

SEED = 20261125


@pytest.fixture(autouse=True)
def quiet_skipped_rows(caplog: pytest.LogCaptureFixture) -> None:
    # Thousands of expected "skipped bad row" warnings would only slow the run down.
    caplog.set_level(logging.ERROR, logger="host.data.loaders")


def test_fuzz_csv_when_400_files_then_every_load_matches_the_reference(tmp_path: Path) -> None:
    report = fuzz_csv(400, SEED, tmp_path)

    assert report.findings == []
    assert report.cases == 400
    # Both outcomes and every counter were really exercised.
    assert report.loaded_clean > 0 and report.rejected_strict > 0
    assert report.rows_loaded > 0 and report.bad_rows_counted > 0
    assert report.duplicates_counted > 0


def test_fuzz_csv_when_the_loader_ignores_bad_rows_then_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fault the campaign exists to catch: bad rows dropped without an error or a count.
    monkeypatch.setattr(loaders._Table, "finish", lambda self: None)

    report = fuzz_csv(200, SEED, tmp_path)

    assert report.finding_count > 0
    assert any("strict load accepted bad lines" in text for text in report.findings)
    assert any("skipping load counted 0 bad" in text for text in report.findings)


def test_check_case_when_a_row_overflows_int64_then_clear_error_not_overflow(
    tmp_path: Path,
) -> None:
    report = CsvFuzzReport()
    case = CsvCase("trades", b"1,10.0,1.0,10.0,1000,false\n99999999999999999999,1,1,1,1,true\n")

    check_case(case, tmp_path, report)

    assert report.findings == []
    assert (report.rejected_strict, report.rows_loaded, report.bad_rows_counted) == (1, 1, 1)


def test_fuzz_csv_when_longer_than_a_batch_then_every_case_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_fuzz, "BATCH", 100)

    report = csv_fuzz.fuzz_csv(250, SEED, tmp_path)

    assert report.cases == 250 and report.findings == []
