"""The results file: figure checks, same-run ratios, JSON round trip, value formatting."""

import json
from pathlib import Path

import pytest

from host.bench.results import (
    SCHEMA_VERSION,
    Figure,
    Results,
    ResultsError,
    format_value,
    load,
    measured,
    missing,
    save,
)


def _results(*figures: Figure) -> Results:
    return Results.build(
        figures, date="2026-11-25T07:00:00+00:00", machine={"cores": 2}, versions={"numpy": "2"}
    )


def test_build_when_baseline_in_run_then_ratio_is_value_over_baseline() -> None:
    results = _results(
        measured("host.base_us", 4.0, "us", "baseline"),
        measured("host.engine_us", 100.0, "us", "engine", baseline="host.base_us"),
    )
    assert results["host.engine_us"].ratio == 25.0
    assert results["host.base_us"].ratio is None


def test_build_when_baseline_missing_value_then_ratio_none() -> None:
    results = _results(
        missing("host.base_us", "us", "baseline", "not available"),
        measured("host.engine_us", 100.0, "us", "engine", baseline="host.base_us"),
    )
    assert results["host.engine_us"].ratio is None


def test_build_when_baseline_not_in_run_then_results_error() -> None:
    with pytest.raises(ResultsError, match=r"^Baseline of host\.a_us must be a figure"):
        _results(measured("host.a_us", 1.0, "us", "a", baseline="host.nowhere_us"))


def test_build_when_key_twice_then_results_error() -> None:
    figure = measured("host.a_us", 1.0, "us", "a")
    with pytest.raises(ResultsError, match=r"^Figure keys must be unique, not 'host\.a_us' twice$"):
        _results(figure, figure)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "nodot"}, r"^Figure key must look like 'section\.name', not 'nodot'$"),
        ({"unit": "parsecs"}, r"^Unit of host\.a must be one of"),
        ({"value": None}, r"must have either a value or a missing reason"),
        ({"missing": "why"}, r"must have either a value or a missing reason"),
        ({"value": float("nan")}, r"^Value of host\.a must be finite"),
        ({"value": "fast"}, r"^Value of host\.a must be a number, not 'fast'$"),
        ({"source": "guessed"}, r"^Source of host\.a must be 'measured', 'computed'"),
    ],
)
def test_figure_when_field_bad_then_results_error(kwargs: dict, message: str) -> None:
    fields = {"key": "host.a", "value": 1.0, "unit": "us", "description": "d"} | kwargs
    with pytest.raises(ResultsError, match=message):
        Figure(**fields)


def test_figure_when_published_source_then_marked_published() -> None:
    figure = Figure("reference.x_ns", 13.9, "ns", "d", source="published: someone")
    assert figure.published
    assert not measured("host.a", 1.0, "us", "d").published


def test_save_then_load_when_round_trip_then_equal(tmp_path: Path) -> None:
    results = _results(
        measured("host.base_us", 4.0, "us", "baseline"),
        measured("host.engine_us", 10.0, "us", "engine", baseline="host.base_us"),
        missing("dashboard.ws_us", "us", "ws", "dashboard.server.bench is not available"),
    )
    path = save(results, tmp_path / "nested" / "results.json")
    document = json.loads(path.read_text())
    assert document["schema"] == SCHEMA_VERSION
    assert [f["key"] for f in document["figures"]] == sorted(results.figures)
    assert document["figures"][2]["ratio"] == 2.5
    assert load(path) == results


def test_load_when_schema_wrong_then_results_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"schema": 99}))
    with pytest.raises(ResultsError, match=r"results\.json: schema must be 1, not 99$"):
        load(path)


def test_load_when_figure_bad_then_results_error_names_index(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    document = {
        "schema": SCHEMA_VERSION,
        "date": "d",
        "machine": {},
        "versions": {},
        "figures": [{"key": "host.a", "value": 1, "unit": "furlongs", "description": "d"}],
    }
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError, match=r"figures\[0\]: Unit of host\.a must be one of"):
        load(path)


def test_load_when_ratio_tampered_then_results_error(tmp_path: Path) -> None:
    results = _results(
        measured("host.base_us", 4.0, "us", "baseline"),
        measured("host.engine_us", 10.0, "us", "engine", baseline="host.base_us"),
    )
    document = results.to_json()
    document["figures"][1]["ratio"] = 99.0
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError, match=r"ratio of host\.engine_us must equal value / baseline"):
        load(path)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (191.234, "us", "191 µs"),
        (0.0123, "ms", "12.3 µs"),
        (5.0, "cycles", "5 cycles"),
        (2256.94, "us", "2.26 ms"),
        (0.591, "us", "591 ns"),
        (72_484.5, "us", "72.5 ms"),
        (13.9, "ns", "13.9 ns"),
        (4_500.0, "ms", "4.50 s"),
        (1_234_567.0, "events/s", "1.23 M events/s"),
        (720.0, "orders/s", "720 orders/s"),
        (18_750.0, "orders/s", "18.8 k orders/s"),
        (42.0, "x", "42×"),
        (12.5, "%", "12.5 %"),
    ],
)
def test_format_value_when_unit_then_readable(value: float, unit: str, text: str) -> None:
    assert format_value(measured("a.b", value, unit, "d")) == text


def test_format_value_when_missing_then_says_why() -> None:
    figure = missing("a.b", "us", "d", "run `make sim`")
    assert format_value(figure) == "not measured (run `make sim`)"
