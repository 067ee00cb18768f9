"""Shared fixtures: a real database built by the real migrations, the real app over ASGI.

The database is SQLite by default. Set ``WENDU_DATABASE_URL`` to a PostgreSQL URL (CI does)
to run the same suite there; each pytest-xdist worker then gets its own database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database, normalise_url
from wendu.demo.seed import SeedReport, seed_bank
from wendu.kit import clock as service_clock
from wendu.migrate import upgrade

SHARED = Path(__file__).resolve().parents[2] / "shared"

# The instants time-sensitive tests run at (the ``clock`` fixture): each time of day is the
# latest such UTC time at or before now, so data made at the real time is never far off.
# From 16:00 UTC the bank's local date (Asia/Shanghai) is already tomorrow; 2026-02-14 is a
# make-up working day (a Saturday) in UTC while in Shanghai it is 00:30 on 15 February, the
# first day of the Chinese New Year holiday.
CLOCKS: dict[str, str] = {
    "0030Z": "00:30",
    "0830Z": "08:30",
    "1630Z": "16:30",
    "2330Z": "23:30",
    "cny-eve": "2026-02-14T16:30:00+00:00",
}
# Set to one of the CLOCKS values (or any ISO instant) to run a whole session at that time.
CLOCK_ENV = "WENDU_TEST_CLOCK"


def clock_instant(spec: str) -> datetime:
    """Return the instant ``spec`` names: an ISO date-time, or HH:MM (the latest one past)."""
    if "T" in spec:
        return datetime.fromisoformat(spec).astimezone(UTC)
    real = datetime.now(UTC)
    at = datetime.combine(real.date(), time.fromisoformat(spec), UTC)
    return at if at <= real else at - timedelta(days=1)


@pytest.fixture(scope="session", autouse=True)
def _session_clock() -> Iterator[None]:
    """Pin the services' clock for the whole run when WENDU_TEST_CLOCK says so."""
    spec = os.environ.get(CLOCK_ENV)
    if not spec:
        yield
        return
    with service_clock.pinned(clock_instant(spec)):
        yield


@pytest.fixture(params=list(CLOCKS))
def clock(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """Run the test at each of CLOCKS in turn (the services' clock, ticking from there)."""
    with service_clock.pinned(clock_instant(CLOCKS[request.param])) as at:
        yield at


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_admin(url: str) -> tuple[Engine, URL]:
    base = make_url(normalise_url(url))
    return create_engine(base, isolation_level="AUTOCOMMIT"), base


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of an empty database reserved for this test session (and process)."""
    url = os.environ.get("WENDU_DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = tmp_path_factory.mktemp("db") / "wendu-test.db"
        yield f"sqlite:///{path}"
        return
    admin, base = _postgres_admin(url)
    # One database per process, so parallel runs and xdist workers never share one.
    name = f"{base.database}_wendu_{_worker()}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Return development settings pointing at the test database."""
    return Settings(
        env="development",
        database_url=database_url,
        public_url="http://testserver",
        run_worker_in_process=False,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
        # Every test client signs in from the same address; accounts keep the real limit.
        signin_ip_max_failures=100_000,
        channel_starts_per_minute=100_000,
    )


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    """Return the migrated test database."""
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def bank(db: Database) -> SeedReport:
    """Seed a small deterministic sandbox bank (30 customers, seed 7) into the test database."""
    return seed_bank(db, customers=30, seed=7)


@pytest.fixture()
def session(db: Database) -> Iterator[Session]:
    """Yield a write session that commits at the end of the test (like a request would)."""
    with db.session() as s:
        yield s


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    """Return the real application bound to the test database."""
    return create_app(settings, database=db)


@pytest.fixture()
def own_app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    """Return a fresh app over the test database, for tools that run its lifespan and end it
    (schemathesis does): ending the session ``app``'s lifespan would stop its audit writer
    and background jobs for every later test."""
    return create_app(settings, database=db)


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """Return an HTTP client that drives the app through ASGI (lifespan included)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Return ../shared, skipping the test when it is absent (a user's fresh machine)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED
