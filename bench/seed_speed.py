"""How fast the sandbox bank seeds: 10,000 customers (~1M transactions) into a fresh database.

Usage::

    .venv/bin/python bench/seed_speed.py [--customers 10000] [--seed 42]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/test]

Prints JSON: the SQLite run's ``customers, transactions, postings, seconds,
rows_per_second, goal_seconds`` (plus CPU seconds and the machine's load average, since
a busy machine stretches wall time), and with ``--postgres`` the same under
``"postgresql"`` for a temporary database created beside the one in the URL.
Migrations are not timed; the seed (generation and writing, one transaction) is.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wendu.db import Database, normalise_url
from wendu.demo.seed import seed_bank
from wendu.migrate import upgrade

GOAL_SECONDS = 120


def _run(url: str, customers: int, seed: int) -> dict[str, Any]:
    upgrade(url)
    database = Database(url)
    try:
        cpu = time.process_time()
        began = time.perf_counter()
        report = seed_bank(database, customers=customers, seed=seed)
        seconds = time.perf_counter() - began
        cpu_seconds = time.process_time() - cpu
    finally:
        database.dispose()
    rows = report.transactions + report.postings
    return {
        "customers": report.customers,
        "transactions": report.transactions,
        "postings": report.postings,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "goal_seconds": GOAL_SECONDS,
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _sqlite(customers: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        result = _run(f"sqlite:///{Path(tmp) / 'seed-bench.db'}", customers, seed)
    return {"backend": "sqlite", **result}


def _postgres(url: str, customers: int, seed: int) -> dict[str, Any]:
    base = make_url(normalise_url(url))
    name = f"{base.database}_seed_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = base.set(database=name).render_as_string(hide_password=False)
        return {"backend": "postgresql", **_run(target, customers, seed)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Seed the benchmark bank and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--postgres", metavar="URL", help="also seed into PostgreSQL at URL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    if not args.no_sqlite:
        result.update(_sqlite(args.customers, args.seed))
    if args.postgres:
        result["postgresql"] = _postgres(args.postgres, args.customers, args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
