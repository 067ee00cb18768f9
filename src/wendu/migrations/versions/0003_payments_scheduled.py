"""payments: domestic scheduled payments and standing orders

Scheduled payments and standing orders are rows of ``payments`` (by ``kind``): a scheduled
payment waits for ``execute_at``; a standing order names the ledger standing order it set
up, and ``standing_order_instalments`` records each instalment it paid, once.

Revision ID: 0003_payments_scheduled
Revises: 0002_payments
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wendu.db

revision: str = "0003_payments_scheduled"
down_revision: str | Sequence[str] | None = "0002_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("execute_at", wendu.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("standing_order_id", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_standing_order_id_standing_orders"),
            "standing_orders",
            ["standing_order_id"],
            ["id"],
        )
        batch_op.create_index("ix_payments_due", ["status", "execute_at"], unique=False)

    op.create_table(
        "standing_order_instalments",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("status_reason", sa.String(length=140), nullable=True),
        sa.Column("ledger_transaction_id", BIGINT_PK, nullable=True),
        sa.Column("executed_at", wendu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_so_instalments_payment_id"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_so_instalments_ledger_transaction_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_order_instalments")),
        sa.UniqueConstraint(
            "payment_id",
            "sequence",
            name=op.f("uq_so_instalments_payment_id_sequence"),
        ),
    )


def downgrade() -> None:
    op.drop_table("standing_order_instalments")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_due")
        batch_op.drop_constraint(
            batch_op.f("fk_payments_standing_order_id_standing_orders"), type_="foreignkey"
        )
        batch_op.drop_column("standing_order_id")
        batch_op.drop_column("execute_at")
