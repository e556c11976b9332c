"""Risk events carry their writer's key, so a replayed write cannot record one twice

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 13:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_risk_events_event_key", ["event_key"])


def downgrade() -> None:
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_risk_events_event_key", type_="unique")
        batch_op.drop_column("event_key")
