"""The seeded bank keeps the ledger's rules and looks like a real customer base."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from wendu.db import Database
from wendu.demo.people import luhn_valid
from wendu.demo.seed import SeedReport, seed_bank
from wendu.identity.models import CustomerLogin
from wendu.identity.passwords import verify_password
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


@pytest.fixture(scope="module")
def seeded(fresh_db: Callable[[], Database]) -> tuple[Database, SeedReport]:
    """Seed a 30-customer bank into its own database for this module."""
    database = fresh_db()
    return database, seed_bank(database, customers=30, seed=7)


@pytest.fixture()
def s(seeded: tuple[Database, SeedReport]) -> Iterator[Session]:
    database, _ = seeded
    with database.session(write=False) as session:
        yield session


def test_report_counts_match_the_rows(seeded: tuple[Database, SeedReport], s: Session) -> None:
    _, report = seeded
    assert s.scalar(select(func.count()).select_from(Customer)) == report.customers == 30
    assert s.scalar(select(func.count()).select_from(LedgerTransaction)) == report.transactions
    assert s.scalar(select(func.count()).select_from(Posting)) == report.postings
    customer_accounts = select(func.count()).where(Account.customer_id.is_not(None))
    assert s.scalar(customer_accounts) == report.accounts
    assert report.transactions > 30 * 60  # a year of everyday life, not a handful of rows


def test_every_transaction_balances_to_zero(s: Session) -> None:
    rows = s.execute(
        select(
            Posting.transaction_id,
            func.sum(Posting.amount_minor),
            func.count(),
            func.count(func.distinct(Posting.currency)),
        ).group_by(Posting.transaction_id)
    ).all()
    assert rows
    assert all(total == 0 for _, total, _, _ in rows)
    assert all(legs >= 2 and currencies == 1 for _, _, legs, currencies in rows)
    posted = {txn_id for txn_id, *_ in rows}
    headers = set(s.scalars(select(LedgerTransaction.id)))
    assert posted == headers


def test_balances_are_the_sum_of_postings(s: Session) -> None:
    sums = dict(
        s.execute(
            select(Posting.account_id, func.sum(Posting.amount_minor)).group_by(Posting.account_id)
        ).all()
    )
    accounts = s.execute(select(Account.id, Account.balance_minor)).all()
    assert accounts
    for account_id, balance in accounts:
        assert balance == sums.get(account_id, 0), account_id


def test_posting_currency_matches_the_account(s: Session) -> None:
    mismatched = s.scalar(
        select(func.count())
        .select_from(Posting)
        .join(Account, Account.id == Posting.account_id)
        .where(Posting.currency != Account.currency)
    )
    assert mismatched == 0


def test_no_customer_account_ever_goes_below_its_limit(s: Session) -> None:
    # Replay every customer account's postings in booking order.
    running = s.execute(
        text(
            """
            SELECT p.account_id, a.overdraft_limit_minor,
                   SUM(p.amount_minor) OVER (
                       PARTITION BY p.account_id ORDER BY p.booked_at, p.id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
            FROM postings p JOIN accounts a ON a.id = p.account_id
            WHERE a.customer_id IS NOT NULL
            """
        )
    ).all()
    assert running
    lowest: dict[str, int] = {}
    for account_id, limit, balance in running:
        assert balance >= -limit, (account_id, balance, limit)
        lowest[account_id] = min(lowest.get(account_id, 0), balance)
    # Credit cards are used: some run a negative balance within their limit.
    cards = set(s.scalars(select(Account.id).where(Account.kind == "credit_card")))
    assert any(lowest[a] < 0 for a in cards if a in lowest)


def test_counterparties_are_internal_or_customer_accounts(s: Session) -> None:
    internal = s.execute(
        select(Account.id, Account.customer_id).where(Account.kind == "internal")
    ).all()
    assert internal and all(customer is None for _, customer in internal)
    salary_legs = s.execute(
        select(Account.kind, Account.id, func.sum(Posting.amount_minor))
        .join(Posting, Posting.account_id == Account.id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.kind == "salary")
        .group_by(Account.kind, Account.id)
    ).all()
    payers = [(acc_id, total) for kind, acc_id, total in salary_legs if kind == "internal"]
    assert payers and all(acc_id.startswith("acc_int_salary_") for acc_id, _ in payers)
    assert all(total < 0 for _, total in payers)


def test_cards_have_luhn_valid_pans_on_matching_accounts(s: Session) -> None:
    rows = s.execute(
        select(Card.pan, Card.kind, Card.brand, Account.kind).join(
            Account, Account.id == Card.account_id
        )
    ).all()
    assert rows
    for pan, kind, brand, account_kind in rows:
        assert luhn_valid(pan) and len(pan) == 16
        assert brand in ("UnionPay", "Visa", "Mastercard")
        assert (kind, account_kind) in (("debit", "current"), ("credit", "credit_card"))
    assert len({pan for pan, *_ in rows}) == len(rows)
    assert not luhn_valid(rows[0][0][:-1] + str((int(rows[0][0][-1]) + 1) % 10))


def test_risk_grades_and_product_risk_levels(s: Session) -> None:
    grades = set(s.scalars(select(Customer.risk_grade)))
    assert grades <= {"C1", "C2", "C3", "C4", "C5"} and len(grades) >= 3
    assert s.scalar(select(func.count()).where(Customer.risk_assessed_on.is_(None))) == 0
    wealth = set(s.scalars(select(Product.risk_level).where(Product.kind == "wealth")))
    assert wealth == {"R1", "R2", "R3", "R4", "R5"}
    kinds = set(s.scalars(select(Product.kind)))
    assert {"current", "savings", "deposit", "wealth", "loan", "card"} <= kinds
    assert all(p.name and p.name_zh and p.description_zh for p in s.scalars(select(Product)))


def test_customers_are_mostly_chinese_with_pinyin(s: Session) -> None:
    customers = list(s.scalars(select(Customer)))
    chinese = [c for c in customers if any("\u4e00" <= ch <= "\u9fff" for ch in c.full_name)]
    assert len(chinese) >= 0.7 * len(customers)
    assert all(c.name_latin and c.name_latin.isascii() for c in chinese)
    assert len({c.segment for c in customers}) >= 4
    currencies = set(s.scalars(select(Account.currency).where(Account.customer_id.is_not(None))))
    assert "CNY" in currencies


def test_logins_share_the_sandbox_password(seeded: tuple[Database, SeedReport], s: Session) -> None:
    _, report = seeded
    logins = list(s.scalars(select(CustomerLogin).order_by(CustomerLogin.username)))
    assert [x.username for x in logins][:2] == ["demo00001", "demo00002"]
    assert logins[0].customer_id == report.demo_customer_id
    assert len({x.password_hash for x in logins}) == 1  # hashed once, not per customer
    assert verify_password(logins[0].password_hash, report.demo_password)


def test_some_customers_fade_and_drain_their_money(s: Session) -> None:
    # Count each customer's own spending and money out in the first and the last 3 months.
    last = s.scalar(select(func.max(LedgerTransaction.booked_at)))
    first = s.scalar(select(func.min(LedgerTransaction.booked_at)))
    assert last is not None and first is not None
    early_end = first.replace(tzinfo=UTC).timestamp() + 91 * 86400
    late_start = last.replace(tzinfo=UTC).timestamp() - 91 * 86400
    early: defaultdict[str, int] = defaultdict(int)
    late: defaultdict[str, int] = defaultdict(int)
    rows = s.execute(
        select(Account.customer_id, Posting.booked_at)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.customer_id.is_not(None), Posting.amount_minor < 0)
    ).all()
    for customer_id, booked in rows:
        ts = booked.replace(tzinfo=UTC).timestamp()
        if ts < early_end:
            early[customer_id] += 1
        elif ts >= late_start:
            late[customer_id] += 1
    fading = [c for c in early if early[c] >= 10 and late[c] < 0.35 * early[c]]
    steady = [c for c in early if late[c] >= 0.6 * early[c]]
    assert len(fading) >= 2
    assert len(steady) > 2 * len(fading)
    # Fading customers end with most of their money gone.
    for customer_id in fading:
        total = s.scalar(
            select(func.sum(Account.balance_minor)).where(
                Account.customer_id == customer_id, Account.kind != "credit_card"
            )
        )
        assert total is not None and total < 100_00 * 10, customer_id


def test_standing_orders_and_payees_match_the_activity(s: Session) -> None:
    orders = list(s.scalars(select(StandingOrder)))
    assert orders and {o.status for o in orders} <= {"Active", "Inactive"}
    for order in orders:
        paid = s.scalar(
            select(func.count())
            .select_from(Posting)
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .where(
                Posting.account_id == order.account_id,
                Posting.amount_minor == -order.amount_minor,
                LedgerTransaction.kind == "standing_order",
            )
        )
        assert paid, order.reference
        assert order.frequency.startswith("IntrvlMnthDay:01:")
        if order.status == "Active":
            assert order.next_payment_at is not None and order.final_payment_at is None
            assert order.next_payment_at > datetime(2026, 11, 28, tzinfo=UTC)
        else:
            assert order.final_payment_at is not None
    # Every transfer between customers goes to a payee the sender saved.
    payees = defaultdict(set)
    for account_id, ident in s.execute(select(Beneficiary.account_id, Beneficiary.identification)):
        payees[account_id].add(ident)
    transfers = s.execute(
        text(
            """
            SELECT src.account_id, dst_acc.identification
            FROM postings src
            JOIN postings dst ON dst.transaction_id = src.transaction_id AND dst.amount_minor > 0
            JOIN accounts src_acc ON src_acc.id = src.account_id
            JOIN accounts dst_acc ON dst_acc.id = dst.account_id
            JOIN ledger_transactions t ON t.id = src.transaction_id
            WHERE src.amount_minor < 0 AND t.kind = 'transfer'
              AND src_acc.kind = 'current' AND dst_acc.kind = 'current'
              AND src_acc.customer_id <> dst_acc.customer_id
            """
        )
    ).all()
    assert transfers
    assert all(ident in payees[src] for src, ident in transfers)


def test_the_bank_fixture_seeds_the_shared_database(bank: SeedReport, session: Session) -> None:
    assert bank.customers == 30 and bank.seed == 7
    customer = session.get(Customer, bank.demo_customer_id)
    assert customer is not None
    accounts = list(session.scalars(select(Account).where(Account.customer_id == customer.id)))
    assert {a.kind for a in accounts} >= {"current", "savings", "credit_card"}
    assert all(a.balance_minor >= -a.overdraft_limit_minor for a in accounts)
