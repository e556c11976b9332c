"""Migrations: they reach head, are idempotent, and match the models exactly."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from host.store import Store
from host.store.migrate import current_revision, head_revision, upgrade
from host.store.models import Base


async def test_open_when_database_empty_then_migrated_to_head(store: Store) -> None:
    assert await current_revision(store.engine) == head_revision()


async def test_upgrade_when_already_at_head_then_nothing_changes(store: Store) -> None:
    await upgrade(store.engine)

    assert await current_revision(store.engine) == head_revision()


async def test_migrations_when_compared_with_models_then_no_difference(store: Store) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with store.engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


async def test_open_when_two_processes_start_together_then_both_reach_head(
    database_url: str,
) -> None:
    import asyncio

    stores = await asyncio.gather(Store.open(database_url), Store.open(database_url))
    try:
        for opened in stores:
            assert await current_revision(opened.engine) == head_revision()
    finally:
        for opened in stores:
            await opened.close()


async def test_open_when_fresh_sqlite_files_raced_then_schema_created_once(
    tmp_path: object,
) -> None:
    import asyncio

    url = f"sqlite:///{tmp_path}/race.db"

    stores = await asyncio.gather(*(Store.open(url) for _ in range(3)))
    try:
        for opened in stores:
            assert await current_revision(opened.engine) == head_revision()
    finally:
        for opened in stores:
            await opened.close()
