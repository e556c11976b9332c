"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:11:49.541593
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import host.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=1024), nullable=True),
        sa.Column("completed_ts", host.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commands_status"), ["status"], unique=False)

    op.create_table(
        "equity",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("equity", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("pnl", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("drawdown", host.store.types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equity_ts"), ["ts"], unique=False)

    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_ref"), ["ref"], unique=False)

    op.create_table(
        "guard_status",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("line", sa.String(length=32), nullable=False),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("line"),
    )
    op.create_table(
        "market",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("price", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("quantity", host.store.types.ExactDecimal(), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market", schema=None) as batch_op:
        batch_op.create_index("ix_market_symbol_ts", ["symbol", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_ts"), ["ts"], unique=False)

    op.create_table(
        "orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("price", host.store.types.ExactDecimal(), nullable=True),
        sa.Column("quantity", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("gateware_backend", sa.String(length=32), nullable=False),
        sa.Column("gateware_reason", sa.String(length=64), nullable=True),
        sa.Column("gateware_latency_us", sa.Float(), nullable=True),
        sa.Column("drb_reason", sa.String(length=64), nullable=True),
        sa.Column("filled_quantity", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("average_price", host.store.types.ExactDecimal(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_status"), ["status"], unique=False)
        batch_op.create_index("ix_orders_symbol_ts", ["symbol", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_ts"), ["ts"], unique=False)

    op.create_table(
        "positions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("quantity", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("average_price", host.store.types.ExactDecimal(), nullable=True),
        sa.Column("realized_pnl", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("unrealized_pnl", host.store.types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("symbol"),
    )
    op.create_table(
        "risk_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("line", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_events_ts"), ["ts"], unique=False)

    op.create_table(
        "signals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.Column("strength", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index("ix_signals_symbol_ts", ["symbol", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_signals_ts"), ["ts"], unique=False)

    op.create_table(
        "trades",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("trade_key", sa.String(length=160), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("ts", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("price", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("quantity", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("fee", host.store.types.ExactDecimal(), nullable=False),
        sa.Column("liquidity", sa.String(length=16), nullable=False),
        sa.Column("realized_pnl", host.store.types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trade_key"),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trades_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_trades_symbol_ts", ["symbol", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_ts"), ["ts"], unique=False)

    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", host.store.types.UtcDateTime(), nullable=False),
        sa.Column("disclaimer_acknowledged_at", host.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )


def downgrade() -> None:
    op.drop_table("users")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trades_ts"))
        batch_op.drop_index("ix_trades_symbol_ts")
        batch_op.drop_index(batch_op.f("ix_trades_client_id"))

    op.drop_table("trades")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signals_ts"))
        batch_op.drop_index("ix_signals_symbol_ts")

    op.drop_table("signals")
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_events_ts"))

    op.drop_table("risk_events")
    op.drop_table("positions")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_ts"))
        batch_op.drop_index("ix_orders_symbol_ts")
        batch_op.drop_index(batch_op.f("ix_orders_status"))

    op.drop_table("orders")
    with op.batch_alter_table("market", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_ts"))
        batch_op.drop_index("ix_market_symbol_ts")

    op.drop_table("market")
    op.drop_table("guard_status")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_ref"))

    op.drop_table("events")
    with op.batch_alter_table("equity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equity_ts"))

    op.drop_table("equity")
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commands_status"))

    op.drop_table("commands")
