"""Test support: a throw-away database on SQLite or the real MariaDB server, as fixtures.

Import the fixtures into a ``conftest.py``::

    from host.store.testing import database_url, mariadb_database, store  # noqa: F401

``database_url`` is parametrized over both backends, so every test that uses it (or
``store``) runs on SQLite and on MariaDB. MariaDB is never skipped: if the server is not
reachable the test fails and says how to start it.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pymysql
import pytest

from host.store.models import Base
from host.store.store import Store

__all__ = [
    "MARIADB_START",
    "mariadb_admin_connection",
    "database_url",
    "mariadb_database",
    "store",
    "clear_mariadb",
]

MARIADB_HOST = os.environ.get("QUANTUM_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("QUANTUM_TEST_MARIADB_PORT", "3306"))
MARIADB_USER = os.environ.get("QUANTUM_TEST_MARIADB_USER", "root")
MARIADB_PASSWORD = os.environ.get("QUANTUM_TEST_MARIADB_PASSWORD", "")
MARIADB_START = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"


def mariadb_admin_connection(database: str | None = None) -> pymysql.Connection:
    """A plain connection to the test server, or a test failure saying how to start it."""
    try:
        return pymysql.connect(
            host=MARIADB_HOST,
            port=MARIADB_PORT,
            user=MARIADB_USER,
            password=MARIADB_PASSWORD,
            database=database,
            autocommit=True,
            connect_timeout=5,
        )
    except pymysql.err.OperationalError as error:
        pytest.fail(
            f"MariaDB must be reachable at {MARIADB_HOST}:{MARIADB_PORT} as {MARIADB_USER} "
            f"for the storage tests, not {error}. Start it with: {MARIADB_START}",
            pytrace=False,
        )


def clear_mariadb(name: str) -> None:
    """Empty every table of database ``name`` (the schema stays at head)."""
    connection = mariadb_admin_connection(name)
    try:
        with connection.cursor() as cursor:
            for table in reversed(Base.metadata.sorted_tables):
                cursor.execute(f"DELETE FROM `{table.name}`")
    finally:
        connection.close()


@pytest.fixture(scope="session")
def mariadb_database() -> Iterator[str]:
    """A uniquely named MariaDB database at the newest schema, dropped after the session."""
    name = f"quantum_test_{uuid.uuid4().hex[:12]}"
    connection = mariadb_admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        url = f"mysql+asyncmy://{MARIADB_USER}:{MARIADB_PASSWORD}@{MARIADB_HOST}:{MARIADB_PORT}/{name}"

        async def migrate() -> None:
            await (await Store.open(url)).close()

        asyncio.run(migrate())
        yield url
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the newest schema: a SQLite file, or the session's MariaDB one."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'quantum.db'}"
    url: str = request.getfixturevalue("mariadb_database")
    clear_mariadb(url.rsplit("/", 1)[1])
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """An open :class:`Store` on ``database_url``."""
    opened = await Store.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()
