"""``quantum serve``: the dashboard (REST API, live feed and web app) on one port."""

import argparse
import asyncio
import logging

import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the CLI."""
    parser = subparsers.add_parser(
        "serve",
        help="serve the dashboard: REST API, WebSocket feed and the built web app",
        description=(
            "Serve the dashboard on one port. On first start with no users, creates 'admin' "
            "with a random password and prints it once. Settings also come from the "
            "environment (DATABASE_URL, SECRET_KEY, TOKEN_MINUTES, HOST, PORT) or a .env file."
        ),
    )
    parser.add_argument(
        "--host", default=None, help="address to listen on (default: $HOST or 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: $PORT or 8000)"
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="sqlite:///file.db or mysql+asyncmy://user:pw@host:3306/name "
        "(default: $DATABASE_URL or build/quantum.db)",
    )
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    """Open the store, make sure an admin exists, then serve until interrupted."""
    from dashboard.server import Settings, create_app
    from dashboard.server.bootstrap import FIRST_ADMIN, ensure_first_admin
    from host.store import Store

    console = Console(stderr=True)
    overrides: dict[str, object] = {}
    if args.host is not None:
        overrides["HOST"] = args.host
    if args.port is not None:
        overrides["PORT"] = args.port
    if args.database is not None:
        overrides["DATABASE_URL"] = args.database
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
        settings.secret_key()
    except (ValidationError, ValueError) as error:
        console.print(f"[bold red]Settings are not valid:[/] {error}")
        return 2
    store = await Store.open(settings.DATABASE_URL)
    try:
        password = await ensure_first_admin(store)
        if password is not None:
            console.print(
                Panel(
                    f"Created user [bold]{FIRST_ADMIN}[/] with password [bold]{password}[/]\n"
                    "It is shown only this once. Add more users with "
                    "`quantum user add NAME --role viewer|operator|admin`.",
                    title="first start",
                    style="bold green",
                )
            )
        app = create_app(settings, store=store)
        config = uvicorn.Config(
            app,
            host=settings.HOST,
            port=settings.PORT,
            log_level="info",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        console.print(f"Dashboard on http://{settings.HOST}:{settings.PORT}/")
        await uvicorn.Server(config).serve()
    finally:
        # uvicorn re-raises Ctrl-C once it has shut down, and asyncio.run turns that into a
        # cancel of this task, which would land inside the close: let the close finish first.
        closing = asyncio.ensure_future(store.close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise
    return 0
