"""End to end: generated data -> ``quantum backtest --guard model`` -> report and plot."""

import json
from pathlib import Path

import pytest

from host.cli import main
from host.data.generator import generate

REQUIRED = ("events", "events_per_s", "trades", "pnl", "max_drawdown", "hit_rate", "fees")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("market")
    generate(out, seed=3, events=30_000)
    return out


def run(market: Path, out: Path, *extra: str) -> dict:
    report = out / "report.json"
    code = main(
        ["--no-banner", "backtest", str(market), "--report", str(report), "--no-progress", *extra]
    )
    assert code == 0
    return json.loads(report.read_text())


def test_backtest_when_model_guard_then_report_has_trades_and_rejects_of_both_lines(
    market: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "backtest.png"
    report = run(market, tmp_path, "--guard", "model", "--plot", str(plot))
    for key in REQUIRED:
        assert key in report
    assert report["guard_backend"] == "model"
    assert report["hardware"] is False
    assert report["events"] == 30_120
    assert report["trades"] > 0
    assert report["fees"] > 0
    assert sum(report["rejects"]["gateware"].values()) > 0
    assert sum(report["rejects"]["drb"].values()) > 0
    assert sum(report["rejects"]["sanitizer"].values()) > 0
    assert report["rejects"]["tick_filter"]["BAND_JUMP"] > 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_backtest_when_run_twice_then_orders_and_verdicts_identical(
    market: Path, tmp_path: Path
) -> None:
    first = run(market, tmp_path)
    second = run(market, tmp_path)
    for key in ("orders", "order_statuses", "trades", "pnl", "rejects"):
        assert first[key] == second[key]


def test_backtest_when_byte_level_model_then_same_verdicts_as_direct_model(
    market: Path, tmp_path: Path
) -> None:
    direct = run(market, tmp_path, "--guard", "model")
    through_bytes = run(market, tmp_path, "--guard", "model-bytes")
    assert through_bytes["guard_backend"] == "model"
    for key in ("orders", "order_statuses", "trades", "pnl", "rejects"):
        assert through_bytes[key] == direct[key]


def test_backtest_when_realism_ideal_then_no_fees(market: Path, tmp_path: Path) -> None:
    report = run(market, tmp_path, "--realism", "0")
    assert report["fees"] == 0
    assert report["realism"]["latency_ms"] == 0


def test_backtest_when_bad_row_then_exit_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "X-trades-1.csv").write_text("1,10.0,1,10,1000,false\n2,ten,1,10,1001,false\n")
    code = main(["--no-banner", "backtest", str(tmp_path), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "X-trades-1.csv:2: price must be float, not 'ten'" in err
    assert "--skip-bad-rows" in err
