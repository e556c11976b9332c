"""Shared pieces of the browser tests: the live server handle, login, screenshots."""

import asyncio
import subprocess
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from playwright.sync_api import Page

from host.store import Store

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LESSON_MARKDOWN",
    "LiveServer",
    "REPOSITORY",
    "SCREENSHOTS",
    "SERVER_START_TIMEOUT",
    "USERS",
    "WEB",
    "log_in",
    "run_async",
    "screenshot",
]

REPOSITORY = Path(__file__).resolve().parents[2]
WEB = REPOSITORY / "dashboard" / "web"
SCREENSHOTS = REPOSITORY / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Seconds the server gets to answer /api/health after it is started.
SERVER_START_TIMEOUT = 30.0
#: Every test's user; all but "newbie" have already acknowledged the disclaimer.
USERS = {
    "olga": ("operator", "operator-password"),
    "val": ("viewer", "viewer-password"),
    "newbie": ("viewer", "newbie-password"),
}
LESSON_MARKDOWN = """# Kill switch: the latch in gateware

The kill latch is a flip-flop that only a re-arm clears.

| Line | Where |
|------|-------|
| 1 | FPGA |
| 2 | Python |
"""

T = TypeVar("T")


def run_async(coroutine: Callable[[], Coroutine[object, object, T]]) -> T:
    """Run ``coroutine()`` to completion on a fresh event loop in another thread.

    Playwright's sync API keeps an event loop running on the test's thread, so
    ``asyncio.run`` cannot be called there.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


@dataclass
class LiveServer:
    """A running dashboard server and the database behind it."""

    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    restart_hook: Callable[[], subprocess.Popen[bytes]] | None = None
    stop_hook: Callable[[subprocess.Popen[bytes]], None] | None = None

    def stop(self) -> None:
        """Stop the server process (the database stays)."""
        if self.stop_hook is not None and self.process.poll() is None:
            self.stop_hook(self.process)

    def start(self) -> None:
        """Start the server again on the same port and database."""
        assert self.restart_hook is not None, "this server cannot be restarted"
        self.process = self.restart_hook()

    def store(self, action: Callable[[Store], Awaitable[T]]) -> T:
        """Run ``action`` with a Store on the server's database (the engine's write path)."""

        async def run() -> T:
            store = await Store.open(self.database_url)
            try:
                return await action(store)
            finally:
                await store.close()

        return run_async(run)

    def token(self, username: str) -> str:
        """A bearer token for ``username``, through the real login route."""
        _role, password = USERS[username]
        response = httpx.post(
            f"{self.base_url}/api/auth/login",
            data={"username": username, "password": password},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to build/screenshots/<name>.png."""
    # Let the page's queries settle so the picture shows data, not spinners.
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, server: LiveServer, username: str) -> None:
    """Sign in through the login form."""
    _role, password = USERS[username]
    page.goto(f"{server.base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
