"""Alembic environment: migrates the connection handed over by :mod:`host.store.migrate`."""

from alembic import context

from host.store.models import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Migrations must run through host.store.migrate.upgrade (Store.open does it), "
        "not the bare alembic command"
    )
_run(connection)
