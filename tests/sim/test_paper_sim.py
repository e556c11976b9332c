"""`quantum paper --guard sim --feed replay:... --duration 20`, exactly as a user runs it: it
starts its own Verilator gateware, trades through it, stops by itself, and leaves a database
whose orders carry the simulated gateware's own verdicts."""

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from host.data.generator import generate

pytestmark = [pytest.mark.sim, pytest.mark.slow]

_DURATION_S = 20
# sim-serve builds (or reuses) the Verilator model before the duration starts counting
_EXIT_WITHIN_S = 240


def test_paper_sim_for_a_duration_trades_through_the_verilator_gateware(tmp_path: Path) -> None:
    # Arrange: a seeded synthetic market with liquidation cascades.
    data = tmp_path / "data"
    generate(data, seed=9, events=60_000)
    database = tmp_path / "paper.db"

    # Act
    completed = subprocess.run(
        [sys.executable, "-m", "host.cli", "--no-banner", "paper", "--guard", "sim"]
        + ["--feed", f"replay:{data}:60", "--duration", str(_DURATION_S)]
        + ["--database", f"sqlite:///{database}"],
        capture_output=True,
        timeout=_EXIT_WITHIN_S,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    # Assert: it stopped by itself, cleanly.
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    with sqlite3.connect(database) as connection:
        orders = connection.execute(
            "select gateware_backend, gateware_reason, gateware_latency_us from orders"
        ).fetchall()
        trades = connection.execute("select count(*) from trades").fetchone()[0]
        status_row = connection.execute(
            "select status from guard_status where line = 'gateware'"
        ).fetchone()
    # Every order went to the simulated gateware over its pty and came back with a verdict
    # measured on that link: none was decided by a model or left without a verdict.
    assert orders, "no order reached the gateware"
    backends = {backend for backend, _, _ in orders}
    assert all(backend.startswith("sim:/dev/pts/") for backend in backends), backends
    assert all(latency is not None and latency > 0 for _, _, latency in orders)
    accepted = [order for order in orders if order[1] is None]
    assert accepted, "the gateware accepted no order"
    assert trades > 0
    # The gateware's own STATUS, read over the link after the clean stop latched its kill,
    # counts exactly the rejects the database holds, reason by reason.
    status = json.loads(status_row[0]) if isinstance(status_row[0], str) else status_row[0]
    assert status["source"] == "gateware STATUS"
    assert status["state"] == "HALTED"
    stored_rejects = Counter(reason for _, reason, _ in orders if reason is not None)
    gateware_rejects = {
        reason: count
        for reason, count in status["reject_counts"].items()
        if not reason.startswith("TICK_")
    }
    assert gateware_rejects == dict(stored_rejects)
