"""Reading nextpnr's report and writing/reading bitstreams/<board>/report.json."""

import json
from pathlib import Path

import pytest

from host.boards.report import (
    REPORT_JSON,
    REPORT_TXT,
    parse_nextpnr_log_utilisation,
    parse_nextpnr_report,
    read_report,
    write_report,
)

NEXTPNR = {
    "fmax": {
        "clk": {"achieved": 31.5, "constraint": 24.0},
        "other": {"achieved": 80.25, "constraint": 12.0},
    },
    "utilization": {
        "ICESTORM_LC": {"available": 5280, "used": 2100},
        "ICESTORM_DSP": {"available": 8, "used": 3},
        "ICESTORM_RAM": {"available": 30, "used": 0},
    },
}


def test_the_slowest_clock_bounds_fmax() -> None:
    utilisation = parse_nextpnr_report(NEXTPNR)
    assert utilisation.fmax_mhz == 31.5
    assert utilisation.constraint_mhz == 24.0


def test_cells_used_and_available_are_read() -> None:
    utilisation = parse_nextpnr_report(NEXTPNR)
    assert utilisation.used("ICESTORM_LC") == 2100
    assert utilisation.available("ICESTORM_LC") == 5280
    assert utilisation.used("ICESTORM_RAM") == 0
    assert utilisation.available("ICESTORM_RAM") == 30
    assert utilisation.used("MULT18X18D") == 0
    assert utilisation.used(None) == 0


def test_a_report_without_clocks_claims_no_fmax() -> None:
    with pytest.raises(ValueError, match=r"^nextpnr report must time at least one clock"):
        parse_nextpnr_report({"fmax": {}, "utilization": {}})


def test_a_malformed_utilisation_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^nextpnr report must have fmax and utilization"):
        parse_nextpnr_report({"fmax": {"clk": {"achieved": 20.0}}})


def test_report_round_trips_through_json(tmp_path: Path, make_report) -> None:
    report = make_report()
    write_report(report, tmp_path)
    assert read_report(tmp_path) == report


def test_report_json_has_the_figures_the_readme_quotes(tmp_path: Path, make_report) -> None:
    write_report(make_report(), tmp_path)
    data = json.loads((tmp_path / REPORT_JSON).read_text())
    for key in (
        "board",
        "device",
        "clock_mhz",
        "fmax_mhz",
        "luts_used",
        "luts_total",
        "dsp_used",
        "bram_used",
        "verdict_latency_cycles",
        "verdict_latency_ns",
        "source_sha256",
    ):
        assert key in data
    assert data["luts_percent"] == round(100 * 2100 / 5280, 2)
    assert data["timing_margin_percent"] == round(100 * (31.5 / 24 - 1), 2)


def test_report_text_is_readable(tmp_path: Path, make_report) -> None:
    write_report(make_report(timing_met=False, fmax_mhz=20.0), tmp_path)
    text = (tmp_path / REPORT_TXT).read_text()
    assert "iCE40UP5K" in text
    assert "timing NOT MET" in text
    assert "2100 / 5280 (39.8 %)" in text
    assert "4 cycles" in text
    assert "top.guard" in text


def test_a_report_missing_a_field_is_refused(tmp_path: Path, make_report) -> None:
    data = make_report().to_json()
    del data["source_sha256"]
    (tmp_path / REPORT_JSON).write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"missing \['source_sha256'\]"):
        read_report(tmp_path)


def test_a_report_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / REPORT_JSON).write_text("{not json")
    with pytest.raises(ValueError, match=r"report\.json must be JSON"):
        read_report(tmp_path)


NEXTPNR_LOG = """Info: Device utilisation:
Info: \t         ICESTORM_LC:   16151/   5280   305%
Info: \t        ICESTORM_RAM:       0/     30     0%
Info: \t        ICESTORM_DSP:       6/      8    75%
Info: Placed 10 cells based on constraints.
Info: Device utilisation:
Info: \t         ICESTORM_LC:    5280/   5280   100%
ERROR: Unable to place cell 'x', no BELs remaining to implement cell type 'ICESTORM_LC'
"""


def test_the_log_utilisation_is_what_the_design_needs_before_placement() -> None:
    cells = parse_nextpnr_log_utilisation(NEXTPNR_LOG)
    assert cells == {
        "ICESTORM_LC": (16151, 5280),
        "ICESTORM_RAM": (0, 30),
        "ICESTORM_DSP": (6, 8),
    }


def test_an_unfit_report_round_trips_and_says_so(tmp_path: Path, unfit_report) -> None:
    write_report(unfit_report, tmp_path)
    assert read_report(tmp_path) == unfit_report
    assert json.loads((tmp_path / REPORT_JSON).read_text())["status"] == "does_not_fit"
    text = (tmp_path / REPORT_TXT).read_text()
    assert "DOES NOT FIT" in text
    assert "16151 / 5280 (306 % of the device)" in text
    assert "top.guard.guard.core" in text and "9935" in text


def test_a_report_with_an_unknown_status_is_refused(tmp_path: Path, make_report) -> None:
    (tmp_path / REPORT_JSON).write_text(json.dumps({**make_report().to_json(), "status": "?"}))
    with pytest.raises(ValueError, match=r"status must be 'built' or 'does_not_fit', not '\?'$"):
        read_report(tmp_path)
