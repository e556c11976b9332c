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


async def test_downgrade_then_upgrade_when_rows_exist_then_rows_kept(store: Store) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import select

    from host.store.migrate import downgrade
    from host.store.models import Order

    await store.record_order(
        client_id="kept",
        ts=datetime(2026, 11, 25, tzinfo=UTC),
        symbol="BTCUSDT",
        side="buy",
        kind="limit",
        price=Decimal("1.5"),
        quantity=Decimal(2),
        status="accepted",
        gateware_backend="model",
        gateware_reason="PRICE_COLLAR",
        gateware_latency_us=None,
        drb_reason=None,
        detail={},
    )

    await downgrade(store.engine, "0001")
    assert await current_revision(store.engine) == "0001"
    await upgrade(store.engine)

    assert await current_revision(store.engine) == head_revision()
    async with store.sessionmaker() as session:
        row = await session.scalar(select(Order))
    assert row is not None
    assert (row.client_id, row.price, row.gateware_reason) == (
        "kept",
        Decimal("1.5"),
        "PRICE_COLLAR",
    )
