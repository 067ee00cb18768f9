"""Small, explicit builders of ledger rows for tests that need their own customers.

Each call makes new, unique rows, so tests never depend on each other's data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from wendu.db import Database, utcnow
from wendu.kit.ids import new_id
from wendu.ledger.models import (
    Account,
    Beneficiary,
    Card,
    Customer,
    LedgerTransaction,
    Posting,
    Product,
    StandingOrder,
)

INTERNAL_CLEARING = "acc_internal_clearing_test"


def make_customer(session: Session, **overrides: object) -> Customer:
    """Create a customer (Chinese name by default)."""
    values: dict[str, object] = {
        "id": new_id("cus"),
        "full_name": "王小明",
        "name_latin": "Wang Xiaoming",
        "email": f"{secrets.token_hex(4)}@example.cn",
        "phone": "+8613800000000",
        "risk_grade": "C3",
        "risk_assessed_on": date(2026, 1, 15),
        "preferred_language": "zh",
    }
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def _clearing(session: Session, currency: str) -> Account:
    account_id = f"{INTERNAL_CLEARING}_{currency.lower()}"
    account = session.get(Account, account_id)
    if account is None:
        account = Account(
            id=account_id,
            kind="internal",
            currency=currency,
            identification=account_id[-34:],
            opened_on=date(2020, 1, 1),
            overdraft_limit_minor=10**15,
        )
        session.add(account)
        session.flush()
    return account


def make_account(
    session: Session,
    customer: Customer,
    *,
    kind: str = "current",
    currency: str = "CNY",
    overdraft_limit_minor: int = 0,
    product: Product | None = None,
) -> Account:
    """Create an empty account for ``customer``."""
    account = Account(
        id=new_id("acc"),
        customer_id=customer.id,
        product_id=product.id if product else None,
        kind=kind,
        currency=currency,
        nickname=f"{kind} {currency}",
        identification="62" + "".join(str(secrets.randbelow(10)) for _ in range(17)),
        opened_on=date(2024, 3, 1),
        overdraft_limit_minor=overdraft_limit_minor,
    )
    session.add(account)
    session.flush()
    return account


def add_transaction(
    session: Session,
    account: Account,
    amount_minor: int,
    *,
    booked_at: datetime | None = None,
    description: str = "Test transaction",
    kind: str = "card_purchase",
    merchant_id: int | None = None,
) -> LedgerTransaction:
    """Book a balanced two-leg transaction between ``account`` and the clearing account."""
    when = booked_at or utcnow()
    clearing = _clearing(session, account.currency)
    txn = LedgerTransaction(
        booked_at=when,
        value_at=when,
        kind=kind,
        description=description,
        merchant_id=merchant_id,
        reference=secrets.token_hex(6),
    )
    session.add(txn)
    session.flush()
    session.add_all(
        [
            Posting(
                transaction_id=txn.id,
                account_id=account.id,
                amount_minor=amount_minor,
                currency=account.currency,
                booked_at=when,
            ),
            Posting(
                transaction_id=txn.id,
                account_id=clearing.id,
                amount_minor=-amount_minor,
                currency=account.currency,
                booked_at=when,
            ),
        ]
    )
    account.balance_minor += amount_minor
    clearing.balance_minor -= amount_minor
    session.flush()
    return txn


def make_card(session: Session, account: Account, *, kind: str = "debit") -> Card:
    """Create an active card on ``account``."""
    assert account.customer_id is not None
    pan = "6222" + "".join(str(secrets.randbelow(10)) for _ in range(12))
    card = Card(
        id=new_id("card"),
        account_id=account.id,
        customer_id=account.customer_id,
        pan=pan,
        kind=kind,
        expiry="12/29",
    )
    session.add(card)
    session.flush()
    return card


def make_beneficiary(session: Session, account: Account, name: str = "李华") -> Beneficiary:
    """Create a saved payee on ``account``."""
    beneficiary = Beneficiary(
        id=new_id("ben"),
        account_id=account.id,
        name=name,
        identification="6217" + "".join(str(secrets.randbelow(10)) for _ in range(15)),
        reference="rent",
    )
    session.add(beneficiary)
    session.flush()
    return beneficiary


def make_standing_order(session: Session, account: Account) -> StandingOrder:
    """Create a monthly standing order on ``account``."""
    order = StandingOrder(
        id=new_id("so"),
        account_id=account.id,
        frequency="IntrvlMnthDay:01:15",
        reference="Monthly rent",
        first_payment_at=datetime(2025, 1, 15, 1, 0, tzinfo=UTC),
        next_payment_at=datetime(2026, 12, 15, 1, 0, tzinfo=UTC),
        amount_minor=350000,
        currency=account.currency,
        creditor_name="张房东",
        creditor_identification="6228" + "".join(str(secrets.randbelow(10)) for _ in range(15)),
    )
    session.add(order)
    session.flush()
    return order


def make_product(
    session: Session, *, kind: str = "wealth", risk_level: str | None = "R2"
) -> Product:
    """Create a catalogue product."""
    product = Product(
        id=new_id("prd"),
        kind=kind,
        name="Steady Income Fund",
        name_zh="稳盈理财",
        description="A low-volatility fixed-income wealth product.",
        description_zh="低波动固定收益类理财产品。",
        risk_level=risk_level,
        interest_rate_bps=285,
    )
    session.add(product)
    session.flush()
    return product


def park_teamless_queue(db: Database) -> None:
    """Move chats earlier tests left queued without a team into a team nobody joins.

    The suite shares one database, and an agent who comes online or frees capacity pulls the
    oldest team-less queued chat first; a test that puts an agent to work would otherwise see
    her pick up another module's leftovers (or be at capacity with them).
    """
    from sqlalchemy import update

    from wendu.helpdesk.models import Conversation, Team

    with db.session() as session:
        parking = Team(
            id=f"parked_{secrets.token_hex(4)}",
            name="Parked",
            name_zh="暂存",
            languages=["zh", "en"],
            product_areas=[],
        )
        session.add(parking)
        session.flush()
        session.execute(
            update(Conversation)
            .where(Conversation.status == "queued", Conversation.team_id.is_(None))
            .values(team_id=parking.id)
            .execution_options(synchronize_session=False)
        )
