"""`quantum paper --guard sim` as a user runs it, and its sim-serve is killed mid-run: the
engine halts, records why, starts and attaches a new sim-serve by itself, sends nothing until
the operator re-arms from the database, then trades through the new gateware."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from host.data.generator import generate
from tests.process_tree import children, command_line

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def _rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(database) as connection:
            return connection.execute(query).fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is being created


def _count(database: Path, table: str, where: str) -> int:
    rows = _rows(database, f"select count(*) from {table} where {where}")
    return int(rows[0][0]) if rows else 0


def _wait(
    what: str, check: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert process.poll() is None, f"paper exited while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.1)


def test_paper_sim_serve_killed_then_relinked_and_trading_only_after_operator_rearm(
    tmp_path: Path,
) -> None:
    generate(tmp_path / "data", seed=9, events=60_000)
    database = tmp_path / "paper.db"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "host.cli",
            "--no-banner",
            "paper",
            "--guard",
            "sim",
            "--feed",
            f"replay:{tmp_path / 'data'}:30",
            "--database",
            f"sqlite:///{database}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait(
            "accepted orders",
            lambda: _count(database, "orders", "gateware_reason is null") >= 3,
            process,
            90,
        )
        (sim,) = [c for c in children(process.pid) if "sim-serve" in command_line(c)]
        first_backend = _rows(database, "select gateware_backend from orders limit 1")[0][0]
        os.killpg(sim, signal.SIGKILL)
        _wait(
            "a new link",
            lambda: _count(database, "risk_events", "kind = 'link_attached'") == 1,
            process,
            90,
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import asyncio, sys\n"
                "from host.store import Store\n"
                "async def main():\n"
                "    store = await Store.open(sys.argv[1])\n"
                "    await store.submit_command(kind='rearm', payload={'line': 'both', 'mode': 0},"
                " actor='operator')\n"
                "    await store.close()\n"
                "asyncio.run(main())\n",
                f"sqlite:///{database}",
            ],
            check=True,
        )
        _wait(
            "orders through the new gateware",
            lambda: (
                _count(
                    database,
                    "orders",
                    f"gateware_reason is null and gateware_backend != '{first_backend}'",
                )
                >= 2
            ),
            process,
            60,
        )
        process.send_signal(signal.SIGINT)  # Ctrl-C: cancel all, kill latched, exit 0
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    assert "LINK_DOWN" in log
    events = _rows(
        database,
        "select id, kind, ref, payload from events where kind in ('order', 'risk_event') "
        "order by id",
    )
    kinds = [(kind, payload) for _, kind, _, payload in events]
    halt = next(i for i, (k, p) in enumerate(kinds) if k == "risk_event" and '"LINK_DOWN' in p)
    rearmed = next(
        i for i, (k, p) in enumerate(kinds) if k == "risk_event" and '"command_done"' in p
    )
    assert halt < rearmed
    created_between = [
        p for k, p in kinds[halt:rearmed] if k == "order" and '"action": "created"' in p
    ]
    assert created_between == [], "an order was created between the link death and the re-arm"
    backends = {
        b
        for (b,) in _rows(
            database, "select gateware_backend from orders where gateware_reason is null"
        )
    }
    assert first_backend in backends and len(backends) == 2, backends  # the new sim-serve's pty
    still_open = _rows(
        database, "select count(*) from orders where status in ('working', 'accepted')"
    )
    assert still_open == [(0,)]
