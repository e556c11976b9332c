"""Fault injection: the engine is SIGKILLed mid-run and restarted on the same database.

A ``quantum paper`` process (model guard, replay feed at full speed, SQLite store) is killed
with SIGKILL once it has stored a few trades; a second run on a fresh replay then uses the
same database. What the engine promises:

- nothing lost or duplicated: the database holds exactly the first run's rows at the kill
  plus the orders and fills the second run reported (client order ids stay unique);
- positions reconcile: every traded symbol's position row equals the net of its trades;
- the second engine rebuilt its paper account from exactly the trades the first one stored
  (one ``restored`` risk event on line ``engine``) and left no order "working" for a paper
  exchange that died with the first process.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from host.data.generator import generate
from host.reliability.verdict import FaultRunVerdict

__all__ = ["RestartResult", "run_engine_restart"]

_SUMMARY = re.compile(r"(\d+) events, (\d+) orders, (\d+) fills")


@dataclass
class RestartResult(FaultRunVerdict):
    """Figures and the safety verdict of one kill-and-restart."""

    orders_at_kill: int = 0
    trades_at_kill: int = 0
    orders_second_run: int = 0
    fills_second_run: int = 0
    orders_stored: int = 0
    trades_stored: int = 0
    restored_fills: int | None = None
    restart_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    def exercised(self) -> bool:
        """The restarted engine traded."""
        return self.fills_second_run > 0


def _counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as connection:
        orders = connection.execute("select count(*) from orders").fetchone()[0]
        trades = connection.execute("select count(*) from trades").fetchone()[0]
    return orders, trades


def _paper_command(data: Path, database: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "host.cli",
        "--no-banner",
        "paper",
        "--guard",
        "model",
        "--feed",
        f"replay:{data}:0",
        "--database",
        f"sqlite:///{database}",
        *extra,
    ]


def _kill_when_trading(data: Path, database: Path, *, min_trades: int, timeout_s: float) -> None:
    """Start a paper run and SIGKILL it once ``min_trades`` trades are stored."""
    process = subprocess.Popen(
        _paper_command(data, database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if database.exists() and _counts(database)[1] >= min_trades:
                    break
            except sqlite3.OperationalError:
                pass  # the tables are being created
            time.sleep(0.2)
        else:
            raise TimeoutError(f"the first paper run stored < {min_trades} trades in {timeout_s} s")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != -signal.SIGKILL:
        raise RuntimeError(f"the first paper run ended by itself (exit {process.returncode})")


def _check_database(database: Path, result: RestartResult) -> None:
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
            "select detail from risk_events where line = 'engine' and kind = 'restored'"
        ).fetchall()
    result.orders_stored, result.trades_stored = _counts(database)
    expected = (
        result.orders_at_kill + result.orders_second_run,
        result.trades_at_kill + result.fills_second_run,
    )
    if (result.orders_stored, result.trades_stored) != expected:
        result.problems.append(
            f"(orders, trades) stored {(result.orders_stored, result.trades_stored)}, "
            f"expected {expected}: rows lost or duplicated"
        )
    if set(positions) != set(net):
        result.problems.append(f"position rows {sorted(positions)} != traded {sorted(net)}")
    for symbol, quantity in positions.items():
        if symbol in net and abs(float(quantity) - float(net[symbol])) > 1e-9:
            result.problems.append(f"{symbol}: position {quantity} != net of trades {net[symbol]}")
    if still_open:
        result.problems.append(f"{still_open} orders left working after the restart")
    if len(restored) != 1:
        result.problems.append(f"{len(restored)} 'restored' risk events, expected 1")
    else:
        result.restored_fills = json.loads(restored[0][0])["fills"]
        if result.restored_fills != result.trades_at_kill:
            result.problems.append(
                f"restored {result.restored_fills} fills, {result.trades_at_kill} were stored"
            )


def run_engine_restart(
    workdir: Path | None = None,
    *,
    seed: int = 3,
    events: int = 30_000,
    min_trades: int = 3,
    second_run_s: float = 4.0,
) -> RestartResult:
    """SIGKILL a paper run once it has ``min_trades`` trades, run again on the same database
    for ``second_run_s`` seconds, and check the database (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="quantum-restart-") as scratch:
        folder = workdir or Path(scratch)
        first, second = folder / "first", folder / "second"
        generate(first, seed=seed, events=events)
        generate(second, seed=seed + 1, events=events)
        database = folder / "paper.db"
        _kill_when_trading(first, database, min_trades=min_trades, timeout_s=60)
        result = RestartResult()
        result.orders_at_kill, result.trades_at_kill = _counts(database)
        started = time.monotonic()
        second_run = subprocess.run(
            _paper_command(second, database, "--duration", str(second_run_s)),
            capture_output=True,
            text=True,
            timeout=second_run_s + 60,
            check=False,
        )
        result.restart_s = round(time.monotonic() - started, 3)
        summary = _SUMMARY.search(second_run.stderr)
        if second_run.returncode != 0 or summary is None:
            result.problems.append(
                f"the second run failed (exit {second_run.returncode}): {second_run.stderr[-500:]}"
            )
            return result
        result.orders_second_run, result.fills_second_run = int(summary[2]), int(summary[3])
        _check_database(database, result)
        return result
