"""The engine is SIGKILLed mid-run and restarted on the same database: nothing is lost or
duplicated, and positions reconcile with the trades."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from host.cli import main
from host.data.generator import generate


def _counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as connection:
        orders = connection.execute("select count(*) from orders").fetchone()[0]
        trades = connection.execute("select count(*) from trades").fetchone()[0]
    return orders, trades


def _paper_args(data: Path, database: Path) -> list[str]:
    return [
        "--no-banner",
        "paper",
        "--guard",
        "model",
        "--feed",
        f"replay:{data}:0",
        "--database",
        f"sqlite:///{database}",
    ]


def _kill_and_restart(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> tuple[Path, tuple[int, int], tuple[int, int]]:
    """SIGKILL a paper run once it has trades, then run again on the same database; returns
    the database, its (orders, trades) at the kill, and what the second run reported."""
    first, second = tmp_path / "first", tmp_path / "second"
    generate(first, seed=3, events=30_000)
    generate(second, seed=4, events=30_000)
    database = tmp_path / "paper.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "host.cli", *_paper_args(first, database)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if database.exists() and _counts(database)[1] >= 3:
                    break
            except sqlite3.OperationalError:
                pass  # the tables are being created
            time.sleep(0.2)
        else:
            pytest.fail("the first paper run stored no trades within 60 s")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    orders_before, trades_before = _counts(database)
    capfd.readouterr()

    assert main([*_paper_args(second, database), "--duration", "4"]) == 0
    summary = re.search(r"(\d+) events, (\d+) orders, (\d+) fills", capfd.readouterr().err)
    assert summary is not None
    orders_run, fills_run = int(summary[2]), int(summary[3])
    assert orders_run > 0 and fills_run > 0
    return database, (orders_before, trades_before), (orders_run, fills_run)


@pytest.mark.slow
def test_sigkill_then_restart_on_the_same_database_loses_and_duplicates_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    database, (orders_before, trades_before), (orders_run, fills_run) = _kill_and_restart(
        tmp_path, capfd
    )
    assert _counts(database) == (orders_before + orders_run, trades_before + fills_run)


@pytest.mark.slow
def test_sigkill_then_restart_on_the_same_database_positions_reconcile_with_trades(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    database, (_, trades_before), _ = _kill_and_restart(tmp_path, capfd)
    with sqlite3.connect(database) as connection:
        net = dict(
            connection.execute(
                "select symbol, sum(case when side = 'buy' then quantity else -quantity end) "
                "from trades group by symbol"
            ).fetchall()
        )
        positions = dict(connection.execute("select symbol, quantity from positions").fetchall())
        still_open = connection.execute(
            "select count(*) from orders where status in ('working', 'accepted')"
        ).fetchone()[0]
        restored = connection.execute(
            "select reason, detail from risk_events where line = 'engine' and kind = 'restored'"
        ).fetchall()
    assert set(positions) == set(net), "every traded symbol has a position row, and no other"
    for symbol, quantity in positions.items():
        assert float(quantity) == pytest.approx(float(net[symbol]), abs=1e-9), symbol
    # The second engine rebuilt its account from exactly the trades the first one stored, and
    # no order is left "working" for a paper exchange that died with the first process.
    assert len(restored) == 1, restored
    assert json.loads(restored[0][1])["fills"] == trades_before
    assert still_open == 0
