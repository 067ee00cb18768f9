"""The 0003_payments_scheduled migration upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from wendu.db import normalise_url
from wendu.migrate import downgrade, upgrade


@pytest.fixture()
def empty_database(tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh empty database of the suite's kind (dropped afterwards)."""
    url = os.environ.get("WENDU_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    base = make_url(normalise_url(url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"{base.database}_wendu_mig_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _shape(url: str) -> tuple[set[str], set[str], set[str]]:
    engine = create_engine(normalise_url(url))
    try:
        found = inspect(engine)
        tables = set(found.get_table_names())
        columns = {c["name"] for c in found.get_columns("payments")}
        indexes = {i["name"] or "" for i in found.get_indexes("payments")}
        return tables, columns, indexes
    finally:
        engine.dispose()


def test_scheduled_payments_migration_round_trip(empty_database: str) -> None:
    upgrade(empty_database)
    tables, columns, indexes = _shape(empty_database)
    assert "standing_order_instalments" in tables
    assert {"execute_at", "standing_order_id"} <= columns
    assert "ix_payments_due" in indexes

    downgrade(empty_database, "0002_payments")
    tables, columns, indexes = _shape(empty_database)
    assert "standing_order_instalments" not in tables
    assert not {"execute_at", "standing_order_id"} & columns
    assert "ix_payments_due" not in indexes
    assert {"payments", "idempotency_records", "standing_orders"} <= tables

    upgrade(empty_database)
    tables, columns, _ = _shape(empty_database)
    assert "standing_order_instalments" in tables and "execute_at" in columns
