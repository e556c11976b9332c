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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, web_dist: Path) -> Iterator[LiveServer]:
    """The dashboard server for this test session, stopped at the end."""
    data_dir = tmp_path_factory.mktemp("dashboard")
    lessons = data_dir / "lessons"
    lessons.mkdir()
    (lessons / "01-kill-switch.md").write_text(LESSON_MARKDOWN, encoding="utf-8")
    database_url = f"sqlite:///{data_dir / 'quantum.db'}"
    run_async(lambda: _create_users(database_url))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "WEB_DIST": str(web_dist),
        "LESSONS_DIR": str(lessons),
        "WS_POLL_SECONDS": "0.05",
    }
    log = (data_dir / "server.log").open("wb")
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
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the dashboard server exited with {process.returncode}:\n"
                    + (data_dir / "server.log").read_text(errors="replace")
                )
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the dashboard server did not answer within {SERVER_START_TIMEOUT} s"
                )
            time.sleep(0.2)
        yield LiveServer(base_url=base_url, database_url=database_url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    """Short timeouts: a page that has not shown what it should within seconds is broken."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=5_000)
