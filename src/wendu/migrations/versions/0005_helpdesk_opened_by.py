"""helpdesk: who on the staff opened a conversation (phone notes, e-mail typed in)

Revision ID: 0005_helpdesk_opened_by
Revises: 0004_helpdesk_ops
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_helpdesk_opened_by"
down_revision: str | Sequence[str] | None = "0004_helpdesk_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("helpdesk_conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("helpdesk_conversations", schema=None) as batch_op:
        batch_op.drop_column("opened_by")
