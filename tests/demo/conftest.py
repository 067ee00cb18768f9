"""Fresh, migrated databases for seeding tests (SQLite files, or PostgreSQL databases)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wendu.db import Database, normalise_url
from wendu.migrate import upgrade

_counter = itertools.count()


@pytest.fixture(scope="session")
def fresh_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """Return a factory of URLs of new, empty databases, dropped at the end of the session."""
    tmp_path = tmp_path_factory.mktemp("demo")
    base_url = os.environ.get("WENDU_DATABASE_URL", "")
    created: list[str] = []
    admin = None
    if base_url.startswith("postgres"):
        base = make_url(normalise_url(base_url))
        admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def make() -> str:
        n = next(_counter)
        if admin is None:
            return f"sqlite:///{tmp_path / f'demo-{n}.db'}"
        name = f"{base.database}_demo_{os.getpid()}_{n}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_db(fresh_url: Callable[[], str]) -> Iterator[Callable[[], Database]]:
    """Return a factory of new databases built by the migrations."""
    opened: list[Database] = []

    def make() -> Database:
        url = fresh_url()
        upgrade(url)
        database = Database(url)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.dispose()
