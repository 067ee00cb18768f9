"""The same seed writes the same bank, row for row and id for id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

import wendu.demo.seed as seed_module
from wendu.db import Database
from wendu.demo.seed import bank_digest, seed_bank
from wendu.ledger.models import Customer, LedgerTransaction


def test_same_seed_same_rows_other_seed_other_rows(fresh_db: Callable[[], Database]) -> None:
    first, second, other = fresh_db(), fresh_db(), fresh_db()
    report_a = seed_bank(first, customers=12, seed=11, months=6)
    report_b = seed_bank(second, customers=12, seed=11, months=6)
    report_c = seed_bank(other, customers=12, seed=12, months=6)

    assert bank_digest(first) == bank_digest(second)
    assert bank_digest(first) != bank_digest(other)
    assert report_a.demo_customer_id == report_b.demo_customer_id != report_c.demo_customer_id
    assert (report_a.transactions, report_a.postings) == (report_b.transactions, report_b.postings)
    with first.session(write=False) as a, other.session(write=False) as c:
        ids_a = set(a.scalars(select(Customer.id)))
        ids_c = set(c.scalars(select(Customer.id)))
        assert not ids_a & ids_c
        assert all(i.startswith("cus_") and len(i) == 28 for i in ids_a)


def test_activity_ends_on_the_anchor_date(fresh_db: Callable[[], Database]) -> None:
    database = fresh_db()
    report = seed_bank(database, customers=5, seed=3, months=2, end=date(2025, 3, 31))
    assert (report.start, report.end) == (date(2025, 2, 1), date(2025, 3, 31))
    with database.session(write=False) as s:
        first, last = s.execute(
            select(func.min(LedgerTransaction.booked_at), func.max(LedgerTransaction.booked_at))
        ).one()
    # Bookings are UTC; local Shanghai mornings of the first day fall on the evening before.
    assert date(2025, 1, 31) <= first.date() and last.date() <= date(2025, 3, 31)


def test_large_seeds_rebuild_the_postings_indexes(
    fresh_db: Callable[[], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, rebuilt = fresh_db(), fresh_db()
    seed_bank(plain, customers=6, seed=4, months=3)
    monkeypatch.setattr(seed_module, "REBUILD_INDEXES_FROM", 1)
    seed_bank(rebuilt, customers=6, seed=4, months=3)

    assert bank_digest(plain) == bank_digest(rebuilt)
    for database in (plain, rebuilt):
        indexes = {
            ix["name"]: ix["column_names"]
            for ix in inspect(database.engine).get_indexes("postings")
        }
        assert indexes["ix_postings_account_booked"] == ["account_id", "booked_at", "id"]
        assert indexes["ix_postings_transaction_id"] == ["transaction_id"]
