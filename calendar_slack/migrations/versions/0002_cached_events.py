"""Cached raw events per sync scope, so incremental sync works across runs."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cached_events",
        sa.Column("scope", sa.String(512), primary_key=True),
        sa.Column("event_id", sa.String(1024), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cached_events")
