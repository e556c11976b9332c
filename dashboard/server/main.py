"""The FastAPI application: REST under /api, the live feed at /ws, the web app at /."""

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from dashboard.server import spa, ws
from dashboard.server.api.main import api_router
from dashboard.server.core.config import Settings
from dashboard.server.core.logs import install_token_redaction
from dashboard.server.core.ratelimit import LoginLimiter
from dashboard.server.feed import EventFeed
from host.disclaimer import DISCLAIMER
from host.store import Store

__all__ = ["create_app", "custom_generate_unique_id"]

logger = logging.getLogger(__name__)


def custom_generate_unique_id(route: APIRoute) -> str:
    """operationId "{tag}-{name}", which the web app's client generator turns into methods."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    """422 with one readable sentence in ``detail`` (and the raw list in ``errors``)."""
    assert isinstance(error, RequestValidationError)
    problems = []
    # Only where and what: the rejected input may be a password, and ``ctx`` may hold an
    # exception object that JSON cannot carry.
    errors = [
        {"type": item.get("type"), "loc": list(item.get("loc", ())), "msg": item.get("msg")}
        for item in error.errors()
    ]
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": "; ".join(problems), "errors": errors},
    )


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the dashboard server.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to ``Settings()`` (environment and ``.env``).
    store : Store, optional
        An already open store to share (for example the demo's engine's); otherwise the
        app opens one on ``settings.DATABASE_URL`` at start-up and closes it at shutdown.
    """
    settings = settings or Settings()
    settings.secret_key()  # fail at start-up, not at the first login
    install_token_redaction("uvicorn.error", "uvicorn.access", "websockets")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        opened = store if store is not None else await Store.open(settings.DATABASE_URL)
        feed = EventFeed(
            opened, poll_seconds=settings.WS_POLL_SECONDS, queue_size=settings.WS_QUEUE_SIZE
        )
        app.state.store = opened
        app.state.feed = feed
        app.state.feed_stopping = False
        await feed.start()
        try:
            yield
        finally:
            app.state.feed_stopping = True
            await feed.stop()
            if own:
                await opened.close()

    app = FastAPI(
        title="Quantum HFT dashboard",
        description=DISCLAIMER,
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=custom_generate_unique_id,
    )
    app.state.settings = settings
    app.state.login_limiter = LoginLimiter(failures_per_minute=settings.LOGIN_FAILURES_PER_MINUTE)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(api_router)
    app.include_router(ws.router)
    app.include_router(spa.router)  # last: its catch-all must not shadow the routes above
    return app
