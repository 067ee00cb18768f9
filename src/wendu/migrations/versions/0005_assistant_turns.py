"""assistant: one turn at a time per chat (message sequence number and turn lease)

Revision ID: 0005_assistant_turns
Revises: 0004_assistant
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0005_assistant_turns"
down_revision: str | Sequence[str] | None = "0004_assistant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assistant_chat_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", wendu.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Chats opened before: number their messages from what they already received.
    op.execute(
        "UPDATE assistant_chat_sessions SET seq = (SELECT COUNT(*) FROM helpdesk_messages m"
        " WHERE m.conversation_id = assistant_chat_sessions.conversation_id"
        " AND m.author_type = 'customer')"
    )


def downgrade() -> None:
    with op.batch_alter_table("assistant_chat_sessions", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("seq")
