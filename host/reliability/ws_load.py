"""Load on the live feed: WebSocket clients while the engine replays at maximum speed.

The real topology, each part its own process as a user runs it: ``quantum serve`` (the
dashboard) and ``quantum paper --guard model --feed replay:DIR:0`` (the engine, no pacing)
on one database, and N clients in this process following ``/ws`` from the first event. A
client the server drops for being too slow (close 1013) resumes with ``after=<last id>``, as
the web app does. At the end every client must hold every id of the events table, in order,
once. The resident memory of both processes is sampled throughout (and their kernel
high-water mark, VmHWM) so that growth shows.

One implementation, two durations: tests/reliability/test_ws_load.py runs it for seconds,
``python -m host.reliability`` for a minute.
"""

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dashboard.server.core.security import create_access_token
from dashboard.server.crud import create_user
from dashboard.server.models import UserCreate
from dashboard.server.ws import CLOSE_TOO_SLOW
from host.data.generator import generate
from host.store import Store
from host.store.models import Event

__all__ = ["WsLoadResult", "run_ws_load"]

_SECRET = "ws-load-secret-key-long-enough-for-hs256"
_VIEWER = "load-viewer"
#: Generated rows per second of run: more than the engine gets through with the server and
#: the clients on the same cores, so the replay never runs dry before the time is up.
_EVENTS_PER_SECOND = 15_000
_STARTUP_TIMEOUT_S = 60.0
_CATCH_UP_TIMEOUT_S = 60.0
_SAMPLE_EVERY_S = 0.5
#: Ceilings for "memory stays bounded", far above what a healthy run uses (see the figures)
#: and far below what a leak over a minute of full-speed replay reaches.
MAX_SERVER_RSS_MB = 1024.0
MAX_ENGINE_RSS_MB = 2048.0


@dataclass
class _Memory:
    """RSS samples of one process (MB), and its high-water mark from /proc."""

    samples: list[float] = field(default_factory=list)
    hwm_mb: float = 0.0

    def sample(self, pid: int) -> None:
        with contextlib.suppress(psutil.Error):
            self.samples.append(psutil.Process(pid).memory_info().rss / 2**20)
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                self.hwm_mb = max(self.hwm_mb, int(match[1]) / 1024)

    @property
    def peak_mb(self) -> float:
        return max([self.hwm_mb, *self.samples])

    def at(self, fraction: float) -> float:
        """The sample at ``fraction`` of the run (0 = first, 1 = last)."""
        if not self.samples:
            return 0.0
        return self.samples[min(len(self.samples) - 1, int(fraction * len(self.samples)))]


@dataclass
class WsLoadResult:
    """Figures of one load run."""

    clients: int
    replay_seconds: float
    events: int
    clients_complete: int
    reconnects: int
    engine_events: int
    engine_exit: int | None
    server_peak_rss_mb: float
    engine_peak_rss_mb: float
    server_rss_mb_quarter_half_end: tuple[float, float, float]
    engine_rss_mb_quarter_half_end: tuple[float, float, float]
    problems: list[str]

    @property
    def passed(self) -> bool:
        """Every client got every id in order; both processes stayed under their ceilings."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """Figures for summary.json."""
        figures = asdict(self)
        figures["events_written_per_s"] = (
            round(self.events / self.replay_seconds, 1) if self.replay_seconds else 0
        )
        figures["engine_events_per_s"] = (
            round(self.engine_events / self.replay_seconds, 1) if self.replay_seconds else 0
        )
        for key, value in figures.items():
            if isinstance(value, float):
                figures[key] = round(value, 1)
            elif isinstance(value, tuple):
                figures[key] = [round(v, 1) for v in value]
        return {"passed": self.passed, **figures}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _quantum(*args: str) -> list[str]:
    return [sys.executable, "-m", "host.cli", "--no-banner", *args]


async def _prepare(url: str) -> None:
    store = await Store.open(url)
    try:
        async with store.sessionmaker.begin() as session:
            viewer = UserCreate.model_validate(
                {"username": _VIEWER, "role": "viewer", "password": "load test viewer"}
            )
            await create_user(session=session, user_create=viewer)
    finally:
        await store.close()


async def _event_ids(url: str) -> list[int]:
    store = await Store.open(url)
    try:
        async with store.sessionmaker() as session:
            return list(await session.scalars(select(Event.id).order_by(Event.id)))
    finally:
        await store.close()


async def _wait_for_health(port: int, server: subprocess.Popen[bytes]) -> None:
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"quantum serve exited with {server.returncode} before serving")
        with contextlib.suppress(OSError):
            await asyncio.to_thread(urllib.request.urlopen, url, timeout=1.0)
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"quantum serve must answer {url} within {_STARTUP_TIMEOUT_S:.0f} s")


class _Client:
    """One follower of /ws: every id it received, resuming after a too-slow close."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.ids: list[int] = []
        self.reconnects = 0
        self.error: str | None = None

    async def follow(self, ready: asyncio.Event, done: asyncio.Event, target: list[int]) -> None:
        first = True
        while True:
            after = self.ids[-1] if self.ids else 0
            try:
                async with connect(f"{self.base}&after={after}", max_queue=None) as ws:
                    if first:
                        ready.set()
                        first = False
                    await self._receive(ws, done, target)
                    return
            except ConnectionClosed as closed:
                if closed.rcvd is None or closed.rcvd.code != CLOSE_TOO_SLOW:
                    self.error = f"closed: {closed}"
                    return
                self.reconnects += 1

    async def _receive(self, ws: ClientConnection, done: asyncio.Event, target: list[int]) -> None:
        while not (done.is_set() and target and self.ids and self.ids[-1] >= target[0]):
            try:
                raw = await asyncio.wait_for(ws.recv(), 1.0)
            except TimeoutError:
                continue
            self.ids.append(json.loads(raw)["id"])


async def run_ws_load(
    work_dir: Path, *, seconds: float, clients: int = 50, seed: int = 1
) -> WsLoadResult:
    """Run the engine flat out for ``seconds`` with ``clients`` WebSocket followers.

    Parameters
    ----------
    work_dir : Path
        Holds the generated market, the SQLite database and the processes' logs.
    seconds : float
        How long the engine replays (``quantum paper --duration``).
    clients : int
        WebSocket clients, each following the feed from the first event.
    seed : int
        Seed of the generated market.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    data = work_dir / "data"
    if not (data / ".complete").exists():
        await asyncio.to_thread(
            generate, data, seed=seed, events=int(seconds * _EVENTS_PER_SECOND) + 20_000
        )
        (data / ".complete").touch()
    database = work_dir / "load.db"
    database.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    await _prepare(url)
    env = {**os.environ, "SECRET_KEY": _SECRET, "DATA_DIR": str(work_dir)}
    port = _free_port()
    token, _ = create_access_token(subject=_VIEWER, secret=_SECRET, minutes=60)
    base = f"ws://127.0.0.1:{port}/ws?token={token}"
    memory = {"server": _Memory(), "engine": _Memory()}
    problems: list[str] = []
    with (
        (work_dir / "server.log").open("wb") as server_log,
        (work_dir / "engine.log").open("wb") as engine_log,
    ):
        server = subprocess.Popen(
            _quantum("serve", "--port", str(port), "--database", url),
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        engine: subprocess.Popen[bytes] | None = None
        followers = [_Client(base) for _ in range(clients)]
        done = asyncio.Event()
        target: list[int] = []
        tasks: list[asyncio.Task[None]] = []
        try:
            await _wait_for_health(port, server)
            for follower in followers:
                ready = asyncio.Event()
                tasks.append(asyncio.create_task(follower.follow(ready, done, target)))
                await asyncio.wait_for(ready.wait(), 10.0)
            engine = subprocess.Popen(
                _quantum(
                    "paper",
                    "--guard",
                    "model",
                    "--feed",
                    f"replay:{data}:0",
                    "--duration",
                    str(seconds),
                    "--database",
                    url,
                ),
                env=env,
                stdout=engine_log,
                stderr=subprocess.STDOUT,
            )
            while engine.poll() is None:
                memory["server"].sample(server.pid)
                memory["engine"].sample(engine.pid)
                await asyncio.sleep(_SAMPLE_EVERY_S)
            ids = await _event_ids(url)
            target.append(ids[-1] if ids else 0)
            done.set()
            _, late = await asyncio.wait(tasks, timeout=_CATCH_UP_TIMEOUT_S)
            memory["server"].sample(server.pid)
            for task in late:
                task.cancel()
            if late:
                problems.append(
                    f"{len(late)} clients had not caught up {_CATCH_UP_TIMEOUT_S} s after"
                )
        finally:
            for task in tasks:
                task.cancel()
            for process in (engine, server):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in (engine, server):
                if process is not None:
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        process.kill()
    complete = sum(1 for follower in followers if follower.ids == ids)
    for index, follower in enumerate(followers):
        if follower.ids != ids:
            problems.append(
                f"client {index} received {len(follower.ids)} ids, the table holds {len(ids)}"
                + (f" ({follower.error})" if follower.error else "")
            )
    if not ids:
        problems.append("the engine wrote no events")
    if engine is not None and engine.returncode != 0:
        problems.append(f"the engine exited with {engine.returncode} (see {work_dir}/engine.log)")
    for name, ceiling in (("server", MAX_SERVER_RSS_MB), ("engine", MAX_ENGINE_RSS_MB)):
        if memory[name].peak_mb > ceiling:
            problems.append(f"{name} peak RSS {memory[name].peak_mb:.0f} MB > {ceiling:.0f} MB")
    log = (work_dir / "engine.log").read_text(errors="replace")
    processed = re.search(r"(\d+) events, \d+ orders", log)
    return WsLoadResult(
        clients=clients,
        replay_seconds=seconds,
        events=len(ids),
        clients_complete=complete,
        reconnects=sum(follower.reconnects for follower in followers),
        engine_events=int(processed[1]) if processed else 0,
        engine_exit=engine.returncode if engine is not None else None,
        server_peak_rss_mb=memory["server"].peak_mb,
        engine_peak_rss_mb=memory["engine"].peak_mb,
        server_rss_mb_quarter_half_end=tuple(memory["server"].at(f) for f in (0.25, 0.5, 1.0)),  # type: ignore[arg-type]
        engine_rss_mb_quarter_half_end=tuple(memory["engine"].at(f) for f in (0.25, 0.5, 1.0)),  # type: ignore[arg-type]
        problems=problems[:20],
    )
