"""assistant: chat sessions with persisted dialogue state

Revision ID: 0004_assistant
Revises: 0003_helpdesk
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0004_assistant"
down_revision: str | Sequence[str] | None = "0003_helpdesk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assistant_chat_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("consent_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["helpdesk_conversations.id"],
            name=op.f("fk_assistant_chat_sessions_conversation_id_helpdesk_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_assistant_chat_sessions_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_assistant_chat_sessions_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_chat_sessions")),
    )
    op.create_index(
        "ix_assistant_chat_sessions_conversation",
        "assistant_chat_sessions",
        ["conversation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assistant_chat_sessions_conversation", table_name="assistant_chat_sessions")
    op.drop_table("assistant_chat_sessions")
