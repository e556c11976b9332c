"""Wider reject texts ("CODE: key=value, ...") and backend names (long serial paths)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:38:42.846970
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guard_status", schema=None) as batch_op:
        batch_op.alter_column(
            "backend",
            existing_type=sa.VARCHAR(length=32),
            type_=sa.String(length=128),
            existing_nullable=False,
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column(
            "gateware_backend",
            existing_type=sa.VARCHAR(length=32),
            type_=sa.String(length=128),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "gateware_reason",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=1024),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "drb_reason",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=1024),
            existing_nullable=True,
        )

    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.alter_column(
            "reason",
            existing_type=sa.VARCHAR(length=255),
            type_=sa.String(length=1024),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.alter_column(
            "reason",
            existing_type=sa.String(length=1024),
            type_=sa.VARCHAR(length=255),
            existing_nullable=False,
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column(
            "drb_reason",
            existing_type=sa.String(length=1024),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "gateware_reason",
            existing_type=sa.String(length=1024),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "gateware_backend",
            existing_type=sa.String(length=128),
            type_=sa.VARCHAR(length=32),
            existing_nullable=False,
        )

    with op.batch_alter_table("guard_status", schema=None) as batch_op:
        batch_op.alter_column(
            "backend",
            existing_type=sa.String(length=128),
            type_=sa.VARCHAR(length=32),
            existing_nullable=False,
        )
