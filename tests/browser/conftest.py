"""A real dashboard server on a free port with a temp SQLite database, and Chromium to drive it.

The server runs as its own process (uvicorn with ``create_app``), exactly as ``quantum serve``
runs it; the tests write to the database through :class:`host.store.Store`, the engine's own
write path, so what the browser shows has travelled DB -> server -> WebSocket -> React.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LESSON_MARKDOWN,
    REPOSITORY,
    SERVER_START_TIMEOUT,
    USERS,
    WEB,
    LiveServer,
    run_async,
)
from playwright.sync_api import Page, expect

from dashboard.server.crud import acknowledge_disclaimer, create_user
from dashboard.server.models import UserCreate
from host.store import Store


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never a downloaded one), with the flags the CI machines need."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A laptop-sized window."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _create_users(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        async with store.sessionmaker.begin() as session:
            for username, (role, password) in USERS.items():
                user = await create_user(
                    session=session,
                    user_create=UserCreate(username=username, role=role, password=password),
                )
                if username != "newbie":
                    await acknowledge_disclaimer(session=session, user=user)
    finally:
        await store.close()


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The built web app (built now if its sources changed; a no-op otherwise)."""
    subprocess.run([str(REPOSITORY / "scripts" / "setup-web.sh")], check=True)
    dist = WEB / "dist"
    assert (dist / "index.html").is_file(), f"the web app must be built in {dist}"
    return dist


def _start_server(data_dir: Path, web_dist: Path, port: int) -> subprocess.Popen[bytes]:
    """Start uvicorn with ``create_app`` on ``data_dir``'s database; return once it answers."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{data_dir / 'quantum.db'}",
        "DATA_DIR": str(data_dir),
        "WEB_DIST": str(web_dist),
        "LESSONS_DIR": str(data_dir / "lessons"),
        "WS_POLL_SECONDS": "0.05",
    }
    log_path = data_dir / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "dashboard.server.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=data_dir,  # the settings read .env from the working directory: keep it empty
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"the dashboard server exited with {process.returncode}:\n"
                + log_path.read_text(errors="replace")
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            _stop_server(process)
            raise RuntimeError(
                f"the dashboard server did not answer within {SERVER_START_TIMEOUT} s"
            )
        time.sleep(0.2)


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _new_server(data_dir: Path, web_dist: Path) -> LiveServer:
    """A server on a fresh database in ``data_dir`` with the test users and one lesson."""
    lessons = data_dir / "lessons"
    lessons.mkdir()
    (lessons / "01-kill-switch.md").write_text(LESSON_MARKDOWN, encoding="utf-8")
    database_url = f"sqlite:///{data_dir / 'quantum.db'}"
    run_async(lambda: _create_users(database_url))
    port = _free_port()
    process = _start_server(data_dir, web_dist, port)
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}", database_url=database_url, process=process
    )
    server.restart_hook = lambda: _start_server(data_dir, web_dist, port)
    server.stop_hook = _stop_server
    return server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, web_dist: Path) -> Iterator[LiveServer]:
    """The dashboard server for this test session, stopped at the end."""
    server = _new_server(tmp_path_factory.mktemp("dashboard"), web_dist)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_server(tmp_path: Path, web_dist: Path) -> Iterator[LiveServer]:
    """A server for one test alone (for tests that stop and restart it)."""
    server = _new_server(tmp_path, web_dist)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    """Short timeouts: a page that has not shown what it should within seconds is broken."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=5_000)
