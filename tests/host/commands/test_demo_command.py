"""``quantum demo`` (what ``make run`` starts): dashboard up, engine trading, clean Ctrl-C."""

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


def test_demo_when_started_then_dashboard_serves_and_engine_trades_until_ctrl_c(
    tmp_path: Path,
) -> None:
    # Arrange: demo data already generated (the demo skips generation when it is complete).
    data = tmp_path / "demo-data"
    generate(data, seed=1, events=30_000)
    (data / ".complete").touch()
    database = tmp_path / "demo.db"
    port = _free_port()
    command = [sys.executable, "-m", "host.cli", "--no-banner", "demo", "--guard", "model"]
    command += ["--port", str(port), "--data", str(data), "--speed", "0"]
    command += ["--database", f"sqlite:///{database}"]
    demo = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy()
    )
    try:
        # Act: wait for the dashboard and for the engine's first orders.
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                    return bool(json.load(r)["status"] == "ok")
            except OSError:
                return False

        def orders() -> int:
            if not database.exists():
                return 0
            try:
                with sqlite3.connect(database) as connection:
                    return int(connection.execute("select count(*) from orders").fetchone()[0])
            except sqlite3.Error:
                return 0

        assert _wait_for(healthy, 90), "dashboard never answered /api/health"
        assert _wait_for(lambda: orders() > 0, 90), "engine never stored an order"
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
