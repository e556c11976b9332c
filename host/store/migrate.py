"""Schema migrations with Alembic, configured in code (no alembic.ini at the repository root)."""

import asyncio
import contextlib
import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["alembic_config", "upgrade", "downgrade", "current_revision", "head_revision"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = "quantum_hft_migrate"
_LOCK_WAIT_S = 60


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at ``host/store/migrations``, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in the migrations folder."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("Migrations folder must hold at least one revision, but it is empty")
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (idempotent).

    The engine and the dashboard may start together: a lock (a file lock beside a SQLite
    file, ``GET_LOCK`` on MySQL/MariaDB) makes the second one wait, then find nothing to do.
    """

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with contextlib.AsyncExitStack() as stack:
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database:
            lock = stack.enter_context(open(f"{database}.migrate.lock", "a+b"))  # noqa: SIM115
            await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        async with engine.begin() as connection:
            if engine.dialect.name in ("mysql", "mariadb"):
                got = await connection.scalar(text(f"SELECT GET_LOCK('{_LOCK}', {_LOCK_WAIT_S})"))
                if got != 1:
                    raise TimeoutError(
                        f"Migration lock must be free within {_LOCK_WAIT_S} s, but another "
                        "process holds it; is a migration stuck?"
                    )
            try:
                await connection.run_sync(run)
            finally:
                if engine.dialect.name in ("mysql", "mariadb"):
                    await connection.execute(text(f"SELECT RELEASE_LOCK('{_LOCK}')"))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Migrate the database behind ``engine`` back to ``revision`` (tests, recovery)."""

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
