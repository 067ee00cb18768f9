"""Money is conserved under concurrent transfers from separate processes, even when one dies.

PostgreSQL: 8 worker processes × 1,000 random transfers among 100 accounts (one of them hot),
then again with one worker SIGKILLed inside an open transaction. SQLite: 4 × 200, same checks.
The PostgreSQL runs use their own scratch database on the server in ``WENDU_DATABASE_URL``
(or ``postgresql://postgres@127.0.0.1:5432/test`` when that is reachable) and skip otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from wendu.db import Database, normalise_url
from wendu.ledger.models import Account, LedgerTransaction, Posting
from wendu.ledger.postings import check_ledger, transfer
from wendu.migrate import upgrade

WORKER = Path(__file__).with_name("stress_worker.py")
_spec = importlib.util.spec_from_file_location("ledger_stress_worker", WORKER)
assert _spec is not None and _spec.loader is not None
stress_worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stress_worker)
account_id = stress_worker.account_id
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ACCOUNTS = 100


@dataclass(frozen=True)
class Size:
    """How hard a backend is pushed."""

    workers: int
    transfers: int
    kill_at: int


# WENDU_LEDGER_STRESS_SCALE multiplies the transfers for a heavier (benchmark) run.
SCALE = max(1, int(os.environ.get("WENDU_LEDGER_STRESS_SCALE", "1")))
SIZES = {"postgresql": Size(8, 1_000 * SCALE, 150), "sqlite": Size(4, 200 * SCALE, 60)}
# The kill run proves crash safety, not throughput: fewer transfers keep the suite quick on
# two shared cores.
KILL_SIZES = {"postgresql": Size(8, 250 * SCALE, 100), "sqlite": Size(4, 200 * SCALE, 60)}


def _postgres_server() -> str:
    url = os.environ.get("WENDU_DATABASE_URL", "")
    return url if url.startswith("postgres") else DEFAULT_POSTGRES


@pytest.fixture(scope="module")
def postgresql_url() -> Iterator[str]:
    """Yield a migrated scratch PostgreSQL database, or skip when no server answers."""
    base = make_url(normalise_url(_postgres_server()))
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"{base.database}_ledger_stress_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL concurrency test skipped: no server at {base.render_as_string()} "
            f"({type(exc).__name__}); set WENDU_DATABASE_URL=postgresql://… to run it"
        )
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a migrated scratch SQLite file shared by the worker processes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('stress') / 'ledger.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Return (backend name, URL) for each backend."""
    name: str = request.param
    return name, request.getfixturevalue(f"{name}_url")


def _open_accounts(url: str, run: str) -> int:
    """Create the run's accounts, fund them from a bank account, return their total."""
    rng = random.Random(run)
    db = Database(url)
    with db.session() as session:
        funding = Account(
            id=f"acc_{run}_funding",
            kind="internal",
            currency="CNY",
            identification=f"F{run}",
            opened_on=date(2026, 1, 1),
            overdraft_limit_minor=10**12,
        )
        session.add(funding)
        for index in range(ACCOUNTS):
            session.add(
                Account(
                    id=account_id(run, index),
                    kind="current",
                    currency="CNY",
                    identification=f"S{run}{index:03d}",
                    opened_on=date(2026, 1, 1),
                    overdraft_limit_minor=5_000 if index % 4 == 0 else 0,
                )
            )
        session.flush()
        total = 0
        for index in range(ACCOUNTS):
            amount = rng.randint(1_000, 20_000)
            total += amount
            transfer(
                session,
                debit_account_id=funding.id,
                credit_account_id=account_id(run, index),
                amount_minor=amount,
                currency="CNY",
                description="Opening balance",
            )
    db.dispose()
    return total


def _start(url: str, run: str, worker: int, size: Size, out: Path, *, kill_at: int = -1):  # type: ignore[no-untyped-def]
    args = [
        sys.executable,
        str(WORKER),
        f"--url={url}",
        f"--run={run}",
        f"--worker={worker}",
        f"--transfers={size.transfers}",
        f"--accounts={ACCOUNTS}",
        f"--kill-at={kill_at}",
    ]
    # The victim's stdout is a pipe so the test can see it is mid-transaction; the others
    # write to files so a full pipe never blocks them.
    stdout = subprocess.PIPE if kill_at >= 0 else (out / f"w{worker}.out").open("w")
    return subprocess.Popen(args, stdout=stdout, stderr=subprocess.STDOUT, text=True)


def _summary(out: Path, worker: int) -> dict[str, object]:
    lines = (out / f"w{worker}.out").read_text().strip().splitlines()
    assert lines, f"worker {worker} printed nothing"
    summary: dict[str, object] = json.loads(lines[-1])
    return summary


def _assert_books_are_sound(url: str, run: str, opening_total: int) -> dict[str, int]:
    ids = [account_id(run, i) for i in range(ACCOUNTS)]
    db = Database(url)
    with db.session(write=False) as session:
        check = check_ledger(session, ids)
        assert check.totals_by_currency == {"CNY": opening_total}, "money was created or lost"
        assert check.accounts_not_matching_postings == []
        assert check.accounts_below_limit == []
        assert check.unbalanced_transactions == [], "a transaction was half-written"
        assert check.postings_by_currency == {"CNY": 0}
        headers = dict(
            session.execute(
                select(LedgerTransaction.external_ref, func.count(Posting.id))
                .join(Posting, Posting.transaction_id == LedgerTransaction.id)
                .where(LedgerTransaction.external_ref.like(f"{run}-%"))
                .group_by(LedgerTransaction.external_ref)
            ).all()
        )
    db.dispose()
    assert set(headers.values()) <= {2}, "every transfer has exactly two postings"
    return headers


def _booked_by(headers: dict[str, int], run: str, worker: int) -> int:
    return sum(1 for ref in headers if ref.startswith(f"{run}-w{worker}-"))


@pytest.mark.slow
def test_concurrent_transfers_conserve_money(backend: tuple[str, str], tmp_path: Path) -> None:
    name, url = backend
    size = SIZES[name]
    run = secrets.token_hex(3)
    opening_total = _open_accounts(url, run)

    procs = [_start(url, run, w, size, tmp_path) for w in range(size.workers)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    summaries = [_summary(tmp_path, w) for w in range(size.workers)]

    assert [s["errors"] for s in summaries] == [[]] * size.workers, "deadlock or leaked error"
    headers = _assert_books_are_sound(url, run, opening_total)
    for w, summary in enumerate(summaries):
        # Every commit a worker saw is in the books, and nothing it did not see.
        assert _booked_by(headers, run, w) == summary["booked"]
    assert sum(int(str(s["refused"])) for s in summaries) > 0, "overdraft refusals exercised"
    assert sum(int(str(s["shared_attempts"])) for s in summaries) > 0


@pytest.mark.slow
def test_worker_killed_mid_transaction_leaves_nothing_half_written(
    backend: tuple[str, str], tmp_path: Path
) -> None:
    name, url = backend
    size = KILL_SIZES[name]
    run = secrets.token_hex(3)
    opening_total = _open_accounts(url, run)

    victim = _start(url, run, 0, size, tmp_path, kill_at=size.kill_at)
    others = [_start(url, run, w, size, tmp_path) for w in range(1, size.workers)]
    assert victim.stdout is not None
    line = victim.stdout.readline().split()
    assert line[:1] == ["INFLIGHT"], f"victim did not reach its transfer: {line}"
    inflight_ref, victim_booked = line[1], int(line[2])
    victim.kill()  # SIGKILL: no rollback, no cleanup, no goodbye to the database
    assert victim.wait(timeout=30) == -9
    victim.stdout.close()

    for proc in others:
        # The dead worker's row locks are released, or these would hang.
        assert proc.wait(timeout=300) == 0
    summaries = [_summary(tmp_path, w) for w in range(1, size.workers)]
    assert [s["errors"] for s in summaries] == [[]] * (size.workers - 1)

    headers = _assert_books_are_sound(url, run, opening_total)
    assert inflight_ref not in headers, "the killed transaction must not be committed"
    assert _booked_by(headers, run, 0) == victim_booked
    for summary in summaries:
        assert _booked_by(headers, run, int(str(summary["worker"]))) == summary["booked"]


def test_a_row_referencing_an_account_does_not_block_its_transfers(postgresql_url: str) -> None:
    """A transaction inserting a payment or posting that references an account holds KEY SHARE
    on it; a transfer must not wait for that transaction (two payments deadlocked that way)."""
    run = secrets.token_hex(3)
    _open_accounts(postgresql_url, run)
    db = Database(postgresql_url)
    try:
        with db.session() as holder:
            # An uncommitted row referencing account 0 (as a payment row would).
            holder.add(
                Account(
                    id=f"acc_{run}_ref",
                    kind="internal",
                    currency="CNY",
                    identification=f"R{run}",
                    opened_on=date(2026, 1, 1),
                )
            )
            holder.execute(
                text("SELECT 1 FROM accounts WHERE id = :id FOR KEY SHARE"),
                {"id": account_id(run, 0)},
            )
            with db.session() as mover:
                mover.execute(text("SET LOCAL lock_timeout = '3s'"))
                transfer(
                    mover,
                    debit_account_id=account_id(run, 0),
                    credit_account_id=account_id(run, 1),
                    amount_minor=1,
                    currency="CNY",
                    description="Not blocked by KEY SHARE",
                )
    finally:
        db.dispose()
