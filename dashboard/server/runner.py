"""Run the app on a real socket inside the current event loop (tests, benchmarks, demo)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

__all__ = ["running_server"]


@contextlib.asynccontextmanager
async def running_server(
    app: FastAPI, *, host: str = "127.0.0.1", port: int = 0, lifespan: bool = True
) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn while the block runs; yields ``http://host:port``.

    ``port=0`` picks a free port. ``lifespan=False`` when the caller already runs the app's
    lifespan. The server stops (and the lifespan it ran ends) on exit.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on" if lifespan else "off",
        # a client that never closes its WebSocket must not hold the shutdown forever
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error
            raise RuntimeError("Server must start, but it stopped during start-up")
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield f"http://{bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        await task
