"""Benchmark: Store commit -> WebSocket receipt latency with many clients connected.

Not a test: ``quantum bench`` calls :func:`measure_ws_latency` and reports its figures.
"""

import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from dashboard.server.core.config import Settings
from dashboard.server.core.security import create_access_token
from dashboard.server.crud import create_user
from dashboard.server.main import create_app
from dashboard.server.models import UserCreate
from dashboard.server.runner import running_server
from host.store import Store, utcnow

__all__ = ["measure_ws_latency", "ameasure_ws_latency"]

_SYMBOL = "BENCH"
_RECEIVE_TIMEOUT_S = 30.0


def measure_ws_latency(
    clients: int = 50,
    events: int = 1000,
    *,
    database_url: str | None = None,
    interval_s: float = 0.002,
    same_process: bool = False,
    poll_seconds: float = 0.1,
) -> dict[str, Any]:
    """Commit ``events`` rows through a :class:`~host.store.Store` and time their arrival.

    Runs its own event loop (call it from synchronous code). See :func:`ameasure_ws_latency`.
    """
    return asyncio.run(
        ameasure_ws_latency(
            clients=clients,
            events=events,
            database_url=database_url,
            interval_s=interval_s,
            same_process=same_process,
            poll_seconds=poll_seconds,
        )
    )


async def ameasure_ws_latency(
    clients: int = 50,
    events: int = 1000,
    *,
    database_url: str | None = None,
    interval_s: float = 0.002,
    same_process: bool = False,
    poll_seconds: float = 0.1,
) -> dict[str, Any]:
    """Latency from a write's commit to its receipt by each of ``clients`` WebSocket clients.

    Parameters
    ----------
    clients : int
        WebSocket clients connected to ``/ws`` for the whole run.
    events : int
        Market rows written, one transaction (row + outbox event) each.
    database_url : str, optional
        Database to use; default a fresh SQLite file in a temporary folder.
    interval_s : float
        Pause between writes (the engine writes as events happen, not in a burst).
    same_process : bool
        ``False`` (default): the writer has its own :class:`Store`, as the engine does in
        its own process, so the server finds new rows by polling every ``poll_seconds``.
        ``True``: the writer is the server's own store, whose commits wake the feed at once.
    poll_seconds : float
        The server's polling interval.

    Returns
    -------
    dict
        ``p50_us``, ``p99_us``, ``max_us``, ``mean_us`` over every (client, event) pair,
        ``events_per_s`` (writes fanned out to every client per second; bounded by the
        write cost on a slow disk), ``write_p50_us``/``write_p99_us`` (one Store write,
        commit included), ``samples_us`` and the parameters.
    """
    if clients < 1 or events < 1:
        raise ValueError(f"Clients and events must be at least 1, not {clients!r}, {events!r}")
    with tempfile.TemporaryDirectory(prefix="quantum-bench-") as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        settings = Settings(
            DATA_DIR=Path(folder),
            DATABASE_URL=url,
            SECRET_KEY="bench-" + "k" * 40,
            WS_POLL_SECONDS=poll_seconds,
            WS_QUEUE_SIZE=max(1000, events + 10),
            WEB_DIST=Path(folder) / "no-web-app",
        )
        app = create_app(settings)
        async with running_server(app) as base:
            server_store: Store = app.state.store
            username = f"bench-{uuid.uuid4().hex[:12]}"  # a given database may be reused
            async with server_store.sessionmaker.begin() as session:
                await create_user(
                    session=session,
                    user_create=UserCreate(username=username, password=uuid.uuid4().hex),
                )
            token, _ = create_access_token(
                subject=username, secret=settings.secret_key(), minutes=30
            )
            writer = server_store if same_process else await Store.open(url)
            try:
                return await _run(
                    base=base.replace("http://", "ws://"),
                    token=token,
                    writer=writer,
                    clients=clients,
                    events=events,
                    interval_s=interval_s,
                    mode="notify" if same_process else "poll",
                    poll_seconds=poll_seconds,
                    database=server_store.engine.dialect.name,
                )
            finally:
                if writer is not server_store:
                    await writer.close()


def _client_process(
    url: str, clients: int, events: int, pipe: Connection
) -> None:  # pragma: no cover - runs in the child process
    """Child process: connect the clients, report ready, then send back arrival times."""
    try:
        pipe.send(asyncio.run(_clients(url, clients, events, pipe)))
    except BaseException as error:
        pipe.send(f"{type(error).__name__}: {error}")
    finally:
        pipe.close()


async def _clients(url: str, clients: int, events: int, pipe: Connection) -> list[dict[int, float]]:
    received: list[dict[int, float]] = [{} for _ in range(clients)]
    connections = [await connect(url, max_queue=None) for _ in range(clients)]

    async def listen(index: int, ws: ClientConnection) -> None:
        arrivals = received[index]
        while len(arrivals) < events:
            message = json.loads(await ws.recv())
            if message["kind"] == "market" and message["payload"]["symbol"] == _SYMBOL:
                # perf_counter is CLOCK_MONOTONIC: comparable with the writer's process
                arrivals[int(message["payload"]["price"])] = time.perf_counter()

    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(connections)]
    pipe.send("ready")
    try:
        await asyncio.wait_for(asyncio.gather(*listeners), _RECEIVE_TIMEOUT_S)
    finally:
        for ws in connections:
            await ws.close()
    return received


async def _run(
    *,
    base: str,
    token: str,
    writer: Store,
    clients: int,
    events: int,
    interval_s: float,
    mode: str,
    poll_seconds: float,
    database: str,
) -> dict[str, Any]:
    committed: dict[int, float] = {}
    writes: list[float] = []
    # The clients live in their own process, like browsers: their parsing does not steal
    # the server's event loop.
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_client_process, args=(f"{base}/ws?token={token}", clients, events, child)
    )
    process.start()
    loop = asyncio.get_running_loop()
    try:
        ready = await loop.run_in_executor(None, _receive, parent, _RECEIVE_TIMEOUT_S)
        if ready != "ready":
            raise RuntimeError(f"Bench clients must connect, but they reported {ready!r}")
        await asyncio.sleep(max(0.2, 2 * poll_seconds))  # every subscription is in place
        started = time.perf_counter()
        for sequence in range(events):
            before = time.perf_counter()
            await writer.record_market(
                ts=utcnow(), symbol=_SYMBOL, price=Decimal(sequence), kind="bench"
            )
            committed[sequence] = time.perf_counter()
            writes.append((committed[sequence] - before) * 1e6)
            if interval_s > 0:
                await asyncio.sleep(interval_s)
        result = await loop.run_in_executor(None, _receive, parent, _RECEIVE_TIMEOUT_S)
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
    if not isinstance(result, list):
        raise RuntimeError(f"Bench clients must receive every event, but: {result}")
    finished = max(max(arrivals.values()) for arrivals in result)
    samples = sorted(
        (arrivals[sequence] - committed[sequence]) * 1e6
        for arrivals in result
        for sequence in range(events)
    )
    return {
        "p50_us": _rank(samples, 0.50),
        "p99_us": _rank(samples, 0.99),
        "max_us": samples[-1],
        "mean_us": statistics.fmean(samples),
        "events_per_s": events / (finished - started),
        # what one write (row + outbox event, one transaction) costs the engine
        "write_p50_us": _rank(sorted(writes), 0.50),
        "write_p99_us": _rank(sorted(writes), 0.99),
        "samples_us": samples,
        "clients": clients,
        "events": events,
        "mode": mode,
        "poll_seconds": poll_seconds,
        "database": database,
    }


def _receive(pipe: Connection, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError(f"Bench clients must answer within {timeout} s, but were silent")
    return pipe.recv()


def _rank(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[max(0, min(len(sorted_values) - 1, int(fraction * len(sorted_values))))]
