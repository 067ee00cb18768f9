"""Fast bulk writes of ledger rows: DBAPI ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would spend most of a seed building objects; the two large tables
(transactions and postings) go straight to the driver as tuples with ids assigned in
Python, and timestamps pre-rendered in the exact text each backend stores.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.sql import bindparam

from wendu.db import Base
from wendu.ledger.models import Account, LedgerTransaction, Posting

TXN_COLUMNS = (
    "id",
    "booked_at",
    "value_at",
    "kind",
    "description",
    "reference",
    "merchant_id",
    "status",
)
POSTING_COLUMNS = ("id", "transaction_id", "account_id", "amount_minor", "currency", "booked_at")


class BulkWriter:
    """Write rows through one connection inside the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.is_sqlite = connection.dialect.name == "sqlite"
        self.raw: Any = connection.connection.driver_connection
        # SQLite stores naive UTC text with microseconds; PostgreSQL parses an explicit offset.
        self._suffix = ".000000" if self.is_sqlite else "+00"
        self._days: dict[int, str] = {}

    def timestamp(self, ts: int) -> str:
        """Return epoch seconds ``ts`` as the text the backend stores for a UTC datetime."""
        day, secs = divmod(ts, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
            self._days[day] = prefix
        hours, rest = divmod(secs, 3600)
        return f"{prefix}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{self._suffix}"

    def next_ids(self) -> tuple[int, int]:
        """Return the first free ids of transactions and postings."""
        txn = self.connection.execute(select(func.max(LedgerTransaction.id))).scalar() or 0
        posting = self.connection.execute(select(func.max(Posting.id))).scalar() or 0
        return txn + 1, posting + 1

    def rows(self, model: type[Base], rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
        """Insert dict rows through SQLAlchemy Core (small tables, typed columns)."""
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            if chunk:
                self.connection.execute(insert(model), list(chunk))

    def tuples(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert pre-rendered tuples straight through the driver."""
        names = ", ".join(columns)
        if self.is_sqlite:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def add_balances(self, deltas: dict[str, int]) -> None:
        """Add each account's net postings to its stored balance."""
        statement = (
            update(Account)
            .where(Account.id == bindparam("account_id"))
            .values(balance_minor=Account.balance_minor + bindparam("delta"))
        )
        params = [{"account_id": k, "delta": v} for k, v in sorted(deltas.items()) if v]
        for start in range(0, len(params), 5000):
            self.connection.execute(statement, params[start : start + 5000])

    def fix_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned in Python."""
        if self.is_sqlite:
            return
        for table in ("ledger_transactions", "postings", "merchants"):
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )

    def suspend_indexes(self, table: str) -> list[str]:
        """Drop ``table``'s secondary indexes on SQLite and return the SQL that recreates them.

        Filling a B-tree keyed by account in random order costs more than building it once
        by sorting; the drop happens inside the seed's transaction, so a failed seed
        rolls it back and readers keep seeing the indexes of their snapshot.
        """
        if not self.is_sqlite:
            return []
        rows = self.raw.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).fetchall()
        for name, _ in rows:
            self.raw.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in rows]

    def restore_indexes(self, statements: Sequence[str]) -> None:
        """Recreate indexes dropped by :meth:`suspend_indexes`."""
        for sql in statements:
            self.raw.execute(sql)

    def tune(self) -> None:
        """Give SQLite a large page cache for the bulk load (restored by :meth:`untune`)."""
        if self.is_sqlite:
            self.raw.execute("PRAGMA cache_size=-262144")

    def untune(self) -> None:
        """Restore the default page cache of the pooled connection."""
        if self.is_sqlite:
            self.raw.execute("PRAGMA cache_size=-2000")


class BackgroundWriter:
    """Hand row batches to a thread that writes them while the caller generates the next.

    The drivers release the GIL while the database works (SQLite's ``step``, PostgreSQL's
    socket writes), so generation and writing overlap. Only the thread touches the
    connection between ``__enter__`` and ``__exit__``; an error there is re-raised here.
    """

    def __init__(self, writer: BulkWriter, depth: int = 2) -> None:
        self.writer = writer
        self._queue: queue.Queue[tuple[str, Sequence[str], list[tuple[Any, ...]]] | None] = (
            queue.Queue(maxsize=depth)
        )
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-seed-writer", daemon=True)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.writer.tuples(*item)
                except BaseException as exc:  # surfaced to the caller in put/__exit__
                    self._error = exc

    def put(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Queue rows for writing (blocks while the writer is ``depth`` batches behind)."""
        if self._error is not None:
            raise self._error
        self._queue.put((table, columns, rows))

    def __enter__(self) -> BackgroundWriter:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc is None:
            raise self._error
