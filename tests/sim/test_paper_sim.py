"""`quantum paper --guard sim`, exactly as a user runs it: with `--duration 20` it starts its own
Verilator gateware, trades through it, stops by itself, and leaves a database whose orders
carry the simulated gateware's own verdicts; SIGTERM stops it as cleanly as Ctrl-C; and killed
outright, it leaves no simulator running."""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from host.data.generator import generate
from host.store.store import OPEN_ORDER_STATUSES
from tests.process_tree import command_line, descendants, running

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


def _wait_until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.1)


def _kill_survivors(pids: set[int]) -> None:
    """A failed test must not leave a simulator spinning under the rest of the suite."""
    for pid in pids:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _start_paper(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    data = tmp_path / "data"
    generate(data, seed=9, events=60_000)
    database = tmp_path / "paper.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "host.cli", "--no-banner", "paper", "--guard", "sim"]
        + ["--feed", f"replay:{data}:30", "--database", f"sqlite:///{database}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return process, database


def _simulator_processes(paper: int) -> set[int]:
    """sim-serve and the Verilator model it runs, below ``paper``."""
    return {
        pid
        for pid in descendants(paper)
        if "sim-serve" in command_line(pid) or "guard_top" in command_line(pid)
    }


def _stored_orders(database: Path) -> int:
    try:
        with sqlite3.connect(database) as connection:
            return int(connection.execute("select count(*) from orders").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def test_paper_sim_when_terminated_then_it_stops_as_cleanly_as_on_ctrl_c(tmp_path: Path) -> None:
    # Arrange: trading through the simulated gateware.
    paper, database = _start_paper(tmp_path)
    try:
        _wait_until("stored order", lambda: _stored_orders(database) > 0, _EXIT_WITHIN_S)
        simulator = _simulator_processes(paper.pid)
        assert len(simulator) == 2, simulator

        # Act: what `kill` or a service manager sends.
        paper.send_signal(signal.SIGTERM)
        output, _ = paper.communicate(timeout=60)
    finally:
        if paper.poll() is None:
            paper.kill()
            paper.wait()

    # Assert: the Ctrl-C path: orders cancelled, kill latch set, its simulator stopped.
    text = " ".join(output.decode(errors="replace").split())
    assert paper.returncode == 0, text[-3000:]
    assert "interrupted: orders cancelled, kill latch left set" in text
    with sqlite3.connect(database) as connection:
        open_orders = connection.execute(
            f"select count(*) from orders where status in {OPEN_ORDER_STATUSES!r}"
        ).fetchone()[0]
        (status,) = connection.execute(
            "select status from guard_status where line = 'gateware'"
        ).fetchone()
    assert open_orders == 0
    assert json.loads(status)["state"] == "HALTED"
    try:
        _wait_until("stop of sim-serve", lambda: not any(map(running, simulator)), 10)
    finally:
        _kill_survivors(simulator)


def test_paper_sim_when_killed_outright_then_its_simulator_stops_by_itself(
    tmp_path: Path,
) -> None:
    # Arrange: the engine is up, with sim-serve and its Verilator model below it.
    paper, _ = _start_paper(tmp_path)
    try:
        _wait_until("simulator", lambda: len(_simulator_processes(paper.pid)) == 2, 120)
        simulator = _simulator_processes(paper.pid)

        # Act: a death that runs no cleanup at all.
        paper.kill()
        paper.wait(timeout=10)
    finally:
        if paper.poll() is None:
            paper.kill()
            paper.wait()

    # Assert: the orphaned simulator notices and stops instead of spinning a core forever.
    try:
        _wait_until("stop of the orphaned simulator", lambda: not any(map(running, simulator)), 15)
    finally:
        _kill_survivors(simulator)
