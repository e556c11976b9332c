"""The kill switch end to end: Risk page -> server -> command -> engine -> the Verilator
gateware's kill latch -> its STATUS -> database -> WebSocket -> Risk page."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from browser_harness import LiveServer, log_in, screenshot
from playwright.sync_api import Page, expect

from host.data.generator import generate

_ENGINE_READY_S = 120.0
_GATEWARE_STATUS_S = 30.0


def _gateware_status(database: Path) -> dict[str, object]:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "select status from guard_status where line = 'gateware'"
        ).fetchone()
    if row is None:
        return {}
    status = row[0]
    return json.loads(status) if isinstance(status, str) else dict(status)


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def test_kill_from_the_risk_page_latches_the_simulated_gateware(
    page: Page, own_server: LiveServer, tmp_path: Path
) -> None:
    # Arrange: the engine paper-trades through the Verilator model of the gateware, writing
    # to the dashboard's database, until the gateware itself reports ARMED through STATUS.
    data = tmp_path / "market"
    generate(data, seed=5, events=20_000)
    database = Path(own_server.database_url.removeprefix("sqlite:///"))
    engine = subprocess.Popen(
        [sys.executable, "-m", "host.cli", "--no-banner", "paper", "--guard", "sim"]
        + ["--feed", f"replay:{data}:1", "--duration", "300"]
        + ["--database", own_server.database_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        _wait(
            lambda: _gateware_status(database).get("source") == "gateware STATUS",
            _ENGINE_READY_S,
            "the engine never recorded the gateware's own STATUS",
        )
        assert _gateware_status(database)["state"] in ("ACTIVE", "REDUCING")

        # Act: an operator presses Kill on the Risk page.
        log_in(page, own_server, "olga")
        page.get_by_role("link", name="Risk").click()
        expect(page.get_by_role("heading", name="Risk", exact=True)).to_be_visible()
        page.get_by_role("button", name="Kill").click()

        # Assert: the gateware's STATUS says HALTED by COMMAND, and the page shows it live.
        _wait(
            lambda: _gateware_status(database).get("kill_cause") == "COMMAND",
            _GATEWARE_STATUS_S,
            "the gateware's STATUS never reported the kill latched by command",
        )
        assert _gateware_status(database)["state"] == "HALTED"
        expect(page.get_by_test_id("command-status")).to_have_text("done", timeout=15_000)
        expect(page.get_by_test_id("risk-state-gateware")).to_have_text("HALTED", timeout=15_000)
        expect(page.get_by_test_id("risk-line-gateware")).to_contain_text("sim")
        screenshot(page, "risk-engine-killed")
    finally:
        engine.send_signal(signal.SIGINT)
        try:
            engine.wait(timeout=30)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()
