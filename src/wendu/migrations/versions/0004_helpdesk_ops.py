"""helpdesk ops: ticket ↔ conversation links, SLA due index, agent last-seen

Revision ID: 0004_helpdesk_ops
Revises: 0003_helpdesk
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0004_helpdesk_ops"
down_revision: str | Sequence[str] | None = "0003_helpdesk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_ticket_conversations",
        sa.Column("ticket_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["helpdesk_tickets.id"],
            name=op.f("fk_helpdesk_ticket_conversations_ticket_id_helpdesk_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["helpdesk_conversations.id"],
            name=op.f("fk_helpdesk_ticket_conversations_conversation_id_helpdesk_conversations"),
        ),
        sa.PrimaryKeyConstraint(
            "ticket_id", "conversation_id", name=op.f("pk_helpdesk_ticket_conversations")
        ),
    )
    with op.batch_alter_table("helpdesk_ticket_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_ticket_conversations_conversation", ["conversation_id"], unique=False
        )
    with op.batch_alter_table("helpdesk_tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_next_at", wendu.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_helpdesk_tickets_sla_next_at", ["sla_next_at"], unique=False)
    with op.batch_alter_table("helpdesk_agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", wendu.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("helpdesk_agents", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("helpdesk_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_tickets_sla_next_at")
        batch_op.drop_column("sla_next_at")
    with op.batch_alter_table("helpdesk_ticket_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_ticket_conversations_conversation")
    op.drop_table("helpdesk_ticket_conversations")
