"""identity: server-side browser sessions, so signing out ends a console or customer session

Revision ID: 0003_identity_web_sessions
Revises: 0002_identity_refresh_grace
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0003_identity_web_sessions"
down_revision: str | Sequence[str] | None = "0002_identity_refresh_grace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_subject_id"), ["subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_subject_id"))
    op.drop_table("web_sessions")
