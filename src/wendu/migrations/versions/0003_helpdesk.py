"""helpdesk: teams, agents, conversations, messages, tickets, incidents, surveys

Revision ID: 0003_helpdesk
Revises: 0002_staff
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0003_helpdesk"
down_revision: str | Sequence[str] | None = "0002_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_incidents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("window_start", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("opened_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_incidents")),
    )
    op.create_table(
        "helpdesk_teams",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("name_zh", sa.String(length=140), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("product_areas", sa.JSON(), nullable=False),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_teams")),
    )
    op.create_table(
        "helpdesk_agents",
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("presence", sa.String(length=10), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("product_areas", sa.JSON(), nullable=False),
        sa.Column("presence_changed_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_assigned_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"], name=op.f("fk_helpdesk_agents_staff_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_helpdesk_agents")),
    )
    op.create_table(
        "helpdesk_canned_responses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_users.id"],
            name=op.f("fk_helpdesk_canned_responses_created_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["helpdesk_teams.id"],
            name=op.f("fk_helpdesk_canned_responses_team_id_helpdesk_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_canned_responses")),
    )
    op.create_table(
        "helpdesk_conversations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("partner_id", sa.String(length=40), nullable=True),
        sa.Column("consent_id", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.String(length=40), nullable=True),
        sa.Column("handoff_reason", sa.String(length=40), nullable=True),
        sa.Column("handoff_context", sa.JSON(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_agent_reply_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_customer_message_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff_users.id"],
            name=op.f("fk_helpdesk_conversations_assignee_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_helpdesk_conversations_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_helpdesk_conversations_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["helpdesk_teams.id"],
            name=op.f("fk_helpdesk_conversations_team_id_helpdesk_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_conversations")),
    )
    with op.batch_alter_table("helpdesk_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_conversations_assignee", ["assignee_id", "status"], unique=False
        )
        batch_op.create_index("ix_helpdesk_conversations_customer", ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_helpdesk_conversations_status", ["status", "team_id"], unique=False
        )

    op.create_table(
        "helpdesk_team_members",
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_helpdesk_team_members_staff_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["helpdesk_teams.id"],
            name=op.f("fk_helpdesk_team_members_team_id_helpdesk_teams"),
        ),
        sa.PrimaryKeyConstraint("team_id", "staff_id", name=op.f("pk_helpdesk_team_members")),
    )
    op.create_table(
        "helpdesk_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("author_type", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=40), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("intent", sa.String(length=60), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("emotion", sa.String(length=20), nullable=True),
        sa.Column("mentions", sa.JSON(), nullable=True),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["helpdesk_conversations.id"],
            name=op.f("fk_helpdesk_messages_conversation_id_helpdesk_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_messages")),
    )
    with op.batch_alter_table("helpdesk_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_messages_conversation", ["conversation_id", "id"], unique=False
        )

    op.create_table(
        "helpdesk_tickets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("conversation_id", sa.String(length=40), nullable=True),
        sa.Column("partner_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.String(length=40), nullable=True),
        sa.Column("suggestion", sa.JSON(), nullable=True),
        sa.Column("sla", sa.JSON(), nullable=True),
        sa.Column("regulatory_due_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff_users.id"],
            name=op.f("fk_helpdesk_tickets_assignee_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["helpdesk_conversations.id"],
            name=op.f("fk_helpdesk_tickets_conversation_id_helpdesk_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_helpdesk_tickets_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["helpdesk_incidents.id"],
            name=op.f("fk_helpdesk_tickets_incident_id_helpdesk_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_helpdesk_tickets_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["helpdesk_teams.id"],
            name=op.f("fk_helpdesk_tickets_team_id_helpdesk_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_tickets")),
        sa.UniqueConstraint("reference", name=op.f("uq_helpdesk_tickets_reference")),
    )
    with op.batch_alter_table("helpdesk_tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_tickets_category", ["category", "created_at"], unique=False
        )
        batch_op.create_index("ix_helpdesk_tickets_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_helpdesk_tickets_status", ["status", "team_id"], unique=False)

    op.create_table(
        "helpdesk_surveys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("conversation_id", sa.String(length=40), nullable=True),
        sa.Column("ticket_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("partner_id", sa.String(length=40), nullable=True),
        sa.Column("intent", sa.String(length=60), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("sent_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", wendu.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["helpdesk_conversations.id"],
            name=op.f("fk_helpdesk_surveys_conversation_id_helpdesk_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_helpdesk_surveys_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["helpdesk_tickets.id"],
            name=op.f("fk_helpdesk_surveys_ticket_id_helpdesk_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_surveys")),
    )
    with op.batch_alter_table("helpdesk_surveys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_surveys_kind_answered", ["kind", "answered_at"], unique=False
        )

    op.create_table(
        "helpdesk_ticket_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ticket_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["helpdesk_tickets.id"],
            name=op.f("fk_helpdesk_ticket_events_ticket_id_helpdesk_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_ticket_events")),
    )
    with op.batch_alter_table("helpdesk_ticket_events", schema=None) as batch_op:
        batch_op.create_index("ix_helpdesk_ticket_events_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "helpdesk_ticket_transactions",
        sa.Column("ticket_id", sa.String(length=40), nullable=False),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["helpdesk_tickets.id"],
            name=op.f("fk_helpdesk_ticket_transactions_ticket_id_helpdesk_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_helpdesk_ticket_transactions_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint(
            "ticket_id", "transaction_id", name=op.f("pk_helpdesk_ticket_transactions")
        ),
    )


def downgrade() -> None:
    op.drop_table("helpdesk_ticket_transactions")
    with op.batch_alter_table("helpdesk_ticket_events", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_ticket_events_ticket")

    op.drop_table("helpdesk_ticket_events")
    with op.batch_alter_table("helpdesk_surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_surveys_kind_answered")

    op.drop_table("helpdesk_surveys")
    with op.batch_alter_table("helpdesk_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_tickets_status")
        batch_op.drop_index("ix_helpdesk_tickets_customer")
        batch_op.drop_index("ix_helpdesk_tickets_category")

    op.drop_table("helpdesk_tickets")
    with op.batch_alter_table("helpdesk_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_messages_conversation")

    op.drop_table("helpdesk_messages")
    op.drop_table("helpdesk_team_members")
    with op.batch_alter_table("helpdesk_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_conversations_status")
        batch_op.drop_index("ix_helpdesk_conversations_customer")
        batch_op.drop_index("ix_helpdesk_conversations_assignee")

    op.drop_table("helpdesk_conversations")
    op.drop_table("helpdesk_canned_responses")
    op.drop_table("helpdesk_agents")
    op.drop_table("helpdesk_teams")
    op.drop_table("helpdesk_incidents")
