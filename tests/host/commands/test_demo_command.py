"""``quantum demo`` (what ``make run`` starts): dashboard up, engine trading, a clean stop on
Ctrl-C or SIGTERM with nothing left running, and a clear refusal when its port is taken."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from host.data.generator import generate
from tests.process_tree import children


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.25)
    return False


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as reply:
            return bool(json.load(reply)["status"] == "ok")
    except OSError:
        return False


def _orders(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database) as connection:
            return int(connection.execute("select count(*) from orders").fetchone()[0])
    except sqlite3.Error:
        return 0


def _demo_command(tmp_path: Path, port: int) -> tuple[list[str], Path]:
    """The demo on generated data (already complete, so it is not generated again)."""
    data = tmp_path / "demo-data"
    generate(data, seed=1, events=30_000)
    (data / ".complete").touch()
    database = tmp_path / "demo.db"
    command = [sys.executable, "-m", "host.cli", "--no-banner", "demo", "--guard", "model"]
    command += ["--port", str(port), "--data", str(data), "--speed", "0"]
    command += ["--database", f"sqlite:///{database}"]
    return command, database


def _start_trading(tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    command, database = _demo_command(tmp_path, port)
    demo = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy()
    )
    try:
        assert _wait_for(lambda: _healthy(port), 90), "dashboard never answered /api/health"
        assert _wait_for(lambda: _orders(database) > 0, 90), "engine never stored an order"
    except BaseException:
        demo.kill()
        raise
    return demo, database


def test_demo_when_started_then_dashboard_serves_and_engine_trades_until_ctrl_c(
    tmp_path: Path,
) -> None:
    # Arrange, act: wait for the dashboard and for the engine's first orders, then Ctrl-C.
    port = _free_port()
    demo, _ = _start_trading(tmp_path, port)
    try:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    # Assert: a clean stop, the URL and the first admin were shown.
    text = output.decode(errors="replace")
    assert demo.returncode == 0, text
    assert "Traceback" not in text, text
    assert f"http://127.0.0.1:{port}/" in text
    assert "Created user admin with password" in " ".join(text.split())


def test_demo_when_terminated_then_it_stops_the_engine_and_the_dashboard(tmp_path: Path) -> None:
    # Arrange
    port = _free_port()
    demo, _ = _start_trading(tmp_path, port)
    started = children(demo.pid)
    try:
        assert len(started) == 2, started  # the dashboard and the engine

        # Act: SIGTERM to the demo alone, as `kill` sends it (no terminal's Ctrl-C to all).
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
        survivors = [pid for pid in started if Path(f"/proc/{pid}").exists()]
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)

    # Assert: the same clean stop as Ctrl-C, and nothing of the demo still running.
    text = output.decode(errors="replace")
    assert demo.returncode == 0, text
    assert "stopping: the engine cancels its orders" in " ".join(text.split())
    assert survivors == []
    assert not _healthy(port)


def test_demo_when_port_is_taken_then_it_says_so_and_starts_nothing(tmp_path: Path) -> None:
    # Arrange: something already listens on the port (a demo left running, say).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        command, database = _demo_command(tmp_path, port)

        # Act
        completed = subprocess.run(command, capture_output=True, timeout=60)

    # Assert: a message that says what and how to fix it, and no engine was started.
    text = " ".join(completed.stderr.decode(errors="replace").split())
    assert completed.returncode == 2, text
    assert f"Port {port} on 127.0.0.1 is in use" in text
    assert f"quantum demo --port {port + 1}" in text
    assert not database.exists()
