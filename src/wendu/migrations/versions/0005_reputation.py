"""reputation: public mentions and the alerts raised on them

Revision ID: 0005_reputation
Revises: 0004_helpdesk_ops
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0005_reputation"
down_revision: str | Sequence[str] | None = "0004_helpdesk_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reputation_mentions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("author_hash", sa.String(length=64), nullable=True),
        sa.Column("published_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("reach", sa.Integer(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of", sa.String(length=40), nullable=True),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reputation_mentions")),
        sa.UniqueConstraint("source", "external_id", name="uq_reputation_mentions_source_id"),
    )
    op.create_index("ix_reputation_mentions_published", "reputation_mentions", ["published_at"])
    op.create_table(
        "reputation_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("peak_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("observed", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("mention_ids", sa.JSON(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reputation_alerts")),
        sa.UniqueConstraint("topic", "started_at", name="uq_reputation_alerts_topic_start"),
    )


def downgrade() -> None:
    op.drop_table("reputation_alerts")
    op.drop_index("ix_reputation_mentions_published", table_name="reputation_mentions")
    op.drop_table("reputation_mentions")
