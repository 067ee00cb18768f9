"""Seed a deterministic, realistic sandbox bank into the ledger tables.

``seed_bank(db, customers=N, seed=S)`` writes the product catalogue, merchants and the
bank's internal accounts (once per database), then N customers with logins, accounts,
cards, payees, standing orders and ``months`` months of activity ending on ``end``
(default :data:`wendu.demo.clock.DEFAULT_END`, a fixed date so every run of one seed
writes identical rows, ids included).

Speed comes from assigning ids in Python, generating customers in chunks and handing
tuples straight to the driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL) inside
one transaction; balances are accumulated in memory and written once at the end.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlalchemy.orm import Session

from wendu.db import Database
from wendu.demo.activity import simulate
from wendu.demo.booking import Txn, final_sweeps
from wendu.demo.catalogue import PRODUCTS, internal_accounts, merchants
from wendu.demo.clock import DEFAULT_END, Window
from wendu.demo.market import Market
from wendu.demo.names import CN_CITIES, INTERNATIONAL
from wendu.demo.people import SANDBOX_PASSWORD, build_people, customer_rng
from wendu.demo.writer import POSTING_COLUMNS, TXN_COLUMNS, BackgroundWriter, BulkWriter
from wendu.identity.models import CustomerLogin
from wendu.identity.passwords import hash_password
from wendu.ledger.models import (
    Account,
    Beneficiary,
    Card,
    Customer,
    Merchant,
    Product,
    StandingOrder,
)

CHUNK_CUSTOMERS = 500
# From this many customers a seed rebuilds the postings indexes instead of filling them.
REBUILD_INDEXES_FROM = 1000

# Tables the seed writes, in an order that respects foreign keys (for digests and resets).
SEEDED_TABLES: tuple[str, ...] = (
    "products",
    "merchants",
    "customers",
    "customer_logins",
    "accounts",
    "cards",
    "beneficiaries",
    "standing_orders",
    "ledger_transactions",
    "postings",
)


@dataclass(frozen=True)
class SeedReport:
    """What a seed wrote, and how to sign in as one of its customers."""

    seed: int
    customers: int
    accounts: int
    cards: int
    merchants: int
    products: int
    beneficiaries: int
    standing_orders: int
    transactions: int
    postings: int
    start: date
    end: date
    seconds: float
    demo_customer_id: str
    demo_username: str
    demo_password: str = SANDBOX_PASSWORD

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values (no password hash, just the sandbox one)."""
        return {
            "seed": self.seed,
            "customers": self.customers,
            "accounts": self.accounts,
            "cards": self.cards,
            "merchants": self.merchants,
            "products": self.products,
            "beneficiaries": self.beneficiaries,
            "standing_orders": self.standing_orders,
            "transactions": self.transactions,
            "postings": self.postings,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seconds": round(self.seconds, 2),
            "demo_customer_id": self.demo_customer_id,
            "demo_username": self.demo_username,
            "demo_password": self.demo_password,
        }


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("customers · {task.fields[txns]:,} transactions"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ) as bar:
        yield bar


def _reference_data(session: Session, writer: BulkWriter) -> int:
    """Insert the catalogue, merchants and internal accounts that are not there yet."""
    have_products = set(session.scalars(select(Product.id)))
    writer.rows(Product, [p for p in PRODUCTS if p["id"] not in have_products])
    rows = merchants(
        tuple(city for city, _ in CN_CITIES), tuple(entry[4] for entry in INTERNATIONAL)
    )
    have_merchants = set(session.scalars(select(Merchant.id)))
    writer.rows(
        Merchant,
        [
            {
                "id": m.id,
                "name": m.name,
                "name_zh": m.name_zh,
                "mcc": m.mcc,
                "category": m.category,
                "city": m.city,
            }
            for m in rows
            if m.id not in have_merchants
        ],
    )
    internal = internal_accounts()
    have_accounts = set(
        session.scalars(select(Account.id).where(Account.id.in_([a["id"] for a in internal])))
    )
    writer.rows(Account, [a for a in internal if a["id"] not in have_accounts])
    return len(rows)


def seed_bank(
    database: Database,
    *,
    customers: int,
    seed: int,
    progress: bool = False,
    months: int = 12,
    end: date | None = None,
) -> SeedReport:
    """Write a deterministic sandbox bank of ``customers`` customers and return what was written.

    The same ``customers``, ``seed``, ``months`` and ``end`` always produce the same rows.
    Customers are new rows (their ids come from the seed), so seed a given seed once per
    database; reference data is shared and only inserted when missing.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    began = time.perf_counter()
    window = Window(end or DEFAULT_END, months)
    # Argon2 is deliberately slow: every sandbox customer shares one hash.
    people = build_people(seed, customers, window, hash_password(SANDBOX_PASSWORD))
    transactions = postings = 0
    with database.session() as session:
        writer = BulkWriter(session.connection())
        writer.tune()
        try:
            merchant_count = _reference_data(session, writer)
            market = Market(
                merchants(
                    tuple(city for city, _ in CN_CITIES),
                    tuple(entry[4] for entry in INTERNATIONAL),
                )
            )
            writer.rows(Customer, people.customers)
            writer.rows(CustomerLogin, people.logins)
            writer.rows(Account, people.accounts)
            writer.rows(Card, people.cards)
            writer.rows(Beneficiary, people.beneficiaries)
            writer.rows(StandingOrder, people.standing_orders)
            txn_id, posting_id = writer.next_ids()
            balances: defaultdict[str, int] = defaultdict(int)
            currency_of = {a["id"]: a["currency"] for a in people.accounts}
            ids = [txn_id, posting_id]
            stamp = writer.timestamp

            def write(batch: list[Txn]) -> int:
                """Write time-ordered transactions and their legs; return the number written."""
                txn_rows = []
                posting_rows = []
                tid, pid = ids
                for ts, kind, desc, ref, merchant, legs in batch:
                    booked = stamp(ts)
                    txn_rows.append((tid, booked, booked, kind, desc, ref, merchant, "Booked"))
                    currency = currency_of.get(legs[0][0]) or _currency(legs[0][0])
                    for account_id, amount in legs:
                        posting_rows.append((pid, tid, account_id, amount, currency, booked))
                        balances[account_id] += amount
                        pid += 1
                    tid += 1
                background.put("ledger_transactions", TXN_COLUMNS, txn_rows)
                background.put("postings", POSTING_COLUMNS, posting_rows)
                ids[:] = [tid, pid]
                return len(txn_rows)

            profiles = people.profiles
            suspended = (
                writer.suspend_indexes("postings") if customers >= REBUILD_INDEXES_FROM else []
            )
            with _progress_bar(progress, customers) as bar:
                task = bar.add_task("Seeding sandbox bank", total=customers, txns=0) if bar else 0
                with BackgroundWriter(writer) as background:
                    for start in range(0, customers, CHUNK_CUSTOMERS):
                        chunk = profiles[start : start + CHUNK_CUSTOMERS]
                        batch: list[Txn] = []
                        for p in chunk:
                            rng = customer_rng(seed, p.index, 2)
                            batch.extend(simulate(p, window, market, profiles, rng))
                        batch.sort(key=itemgetter(0))
                        transactions += write(batch)
                        if bar:
                            bar.update(task, advance=len(chunk), txns=transactions)
                    transactions += write(final_sweeps(profiles, window, balances, seed))
                if bar:
                    status = "Indexing postings" if suspended else "Seeding sandbox bank"
                    bar.update(task, description=status, txns=transactions)
                writer.restore_indexes(suspended)
            postings = ids[1] - posting_id
            writer.add_balances(balances)
            writer.fix_sequences()
        finally:
            writer.untune()
    first = people.profiles[0]
    return SeedReport(
        seed=seed,
        customers=customers,
        accounts=len(people.accounts),
        cards=len(people.cards),
        merchants=merchant_count,
        products=len(PRODUCTS),
        beneficiaries=len(people.beneficiaries),
        standing_orders=len(people.standing_orders),
        transactions=transactions,
        postings=postings,
        start=window.start,
        end=window.end,
        seconds=time.perf_counter() - began,
        demo_customer_id=first.customer_id,
        demo_username=people.logins[0]["username"],
    )


def _currency(account_id: str) -> str:
    # Internal account ids end in their currency code.
    return account_id.rsplit("_", 1)[1].upper()


def bank_digest(database: Database) -> str:
    """Return a SHA-256 over every seeded row, in primary-key order (for determinism checks).

    Password hashes are left out: Argon2 salts them randomly by design.
    """
    digest = hashlib.sha256()
    metadata = MetaData()
    with database.engine.connect() as conn:
        for name in SEEDED_TABLES:
            table = Table(name, metadata, autoload_with=conn)
            order = list(table.primary_key.columns)
            columns = [c for c in table.columns if c.name != "password_hash"]
            for row in conn.execute(select(*columns).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            digest.update(f"|{name}|".encode())
    return digest.hexdigest()


def bank_is_empty(database: Database) -> bool:
    """Return True when the database holds no customers yet."""
    with database.session(write=False) as session:
        return session.scalars(select(Customer.id).limit(1)).first() is None


def wipe_database(database_url: str) -> None:
    """Drop every table of the database (all domains, and Alembic's version table)."""
    database = Database(database_url)
    try:
        metadata = MetaData()
        with database.engine.begin() as conn:
            metadata.reflect(conn)
            metadata.drop_all(conn)
    finally:
        database.dispose()
