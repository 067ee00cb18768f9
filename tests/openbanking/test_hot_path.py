"""The transactions route stays lean: a fixed number of indexed queries, no N+1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from factories import add_transaction, make_account, make_card, make_customer
from wendu.db import Database
from wendu.identity.models import Partner
from wendu.ledger.port import TransactionQuery
from wendu.ledger.repository import _page_statement

AISP = "/open-banking/v4.0/aisp"


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Record every SQL statement the app runs on ``db`` inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _reads_of(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.startswith("select") and f"from {table}" in s]


def test_query_count_does_not_grow_with_the_page(
    client: TestClient,
    db: Database,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        customer = make_customer(s)
        account = make_account(s, customer)
        make_card(s, account)
        for i in range(80):
            add_transaction(s, account, -100 - i, booked_at=start + timedelta(hours=i))
        ids = customer.id, account.id
    g = grant(new_partner(), ids[0], [ids[1]])
    url = f"{AISP}/accounts/{ids[1]}/transactions"

    with statements(db) as seen:
        assert client.get(url, headers=g.headers).status_code == 200
    # One page query, one count (there is a next page), one card lookup for the card rows.
    assert len(_reads_of(seen, "postings")) == 2
    assert len(_reads_of(seen, "cards")) == 1
    # The consent came with the token in one joined query; it is not read again.
    assert not _reads_of(seen, "consents")

    with statements(db) as seen:
        short = client.get(url, headers=g.headers, params={"fromBookingDateTime": "2026-01-04"})
        assert short.status_code == 200
        assert len(short.json()["Data"]["Transaction"]) == 8
    # The whole result fits on the page: no count query.
    assert len(_reads_of(seen, "postings")) == 1


def test_page_query_uses_the_account_history_index(db: Database) -> None:
    query = TransactionQuery(
        account_ids=["acc_x"], booked_from=datetime(2026, 1, 1, tzinfo=UTC), limit=51
    )
    statement = _page_statement(False, True, False, True, True)
    compiled = statement.compile(dialect=db.engine.dialect)
    params = {
        "account_id": query.account_ids[0],
        "booked_from": query.booked_from,
        "limit": 51,
        "offset": 0,
    }
    with db.engine.connect() as conn:
        if db.is_sqlite:
            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}",
                tuple(
                    compiled.construct_params(params)[name] for name in compiled.positiontup or ()
                ),
            ).all()
            text_plan = " ".join(str(row[-1]) for row in plan)
        else:
            # On a tiny table PostgreSQL may prefer a scan; ask whether the index serves it.
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql(
                f"EXPLAIN {compiled}", compiled.construct_params(params)
            ).all()
            text_plan = " ".join(str(row[0]) for row in plan)
    assert "ix_postings_account_booked" in text_plan, text_plan
