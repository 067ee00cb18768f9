"""API throughput: the consent-checked, audited transactions route beside a bare JSON route.

For each backend (SQLite temp file; PostgreSQL in a dedicated ``wendu_bench`` database),
this migrates, seeds a small bank, a partner, an authorised account-access consent and a
customer token, starts a real ``uvicorn`` server process on 127.0.0.1, then drives
``GET /open-banking/v4.0/aisp/accounts/{id}/transactions`` and ``GET /ping`` at 1, 8 and 32
concurrent keep-alive connections from a separate load-generator process (asyncio, raw
HTTP/1.1, so the client costs little CPU). Each level is bounded by a request count and a
time limit. Prints JSON: requests/s and p50/p99 latency per route, their ratio, and the goal.

    .venv/bin/python bench/api_throughput.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/api_throughput.py --backends sqlite --requests 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import harness  # bench/harness.py: the benches run as scripts from bench/

GOAL = {"ratio": 0.5, "p99_ms_at_32": 50}
TRANSACTIONS = "/open-banking/v4.0/aisp/accounts/{account_id}/transactions"
BARE = "/ping"
PUBLIC_URL = "http://127.0.0.1"


# --------------------------------------------------------------------------- load generator


async def _one_connection(
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    budget: list[int],
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            chunked = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            elif length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _drive(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    connections: int,
    total: int,
    seconds: float,
) -> dict[str, Any]:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    # Warm up every connection (and the server's caches) before measuring.
    await asyncio.gather(
        *(
            _one_connection(host, port, request, time.perf_counter() + 5, [5], [], {})
            for _ in range(connections)
        )
    )
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    budget = [total]
    began = time.perf_counter()
    await asyncio.gather(
        *(
            _one_connection(host, port, request, began + seconds, budget, latencies, statuses)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def loadgen_main(spec: str) -> None:
    """Run one measurement described by the JSON ``spec`` and print its JSON result."""
    args = json.loads(spec)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(
        _drive(
            args["host"],
            args["port"],
            args["path"],
            args["headers"],
            args["connections"],
            args["requests"],
            args["seconds"],
        )
    )
    print(json.dumps(result))


def _cpu_seconds(pid: int) -> float:
    """Return utime + stime of ``pid`` and its descendants (uvicorn workers), from /proc."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def measure(
    port: int,
    path: str,
    headers: dict[str, str],
    connections: int,
    requests: int,
    seconds: float,
    server_pid: int,
) -> dict[str, Any]:
    """Measure one route at one concurrency in a separate load-generator process.

    Besides wall-clock figures, report the server's CPU time per request: on a shared,
    busy machine it is the steadier measure of what a request costs.
    """
    spec = json.dumps(
        {
            "host": "127.0.0.1",
            "port": port,
            "path": path,
            "headers": headers,
            "connections": connections,
            "requests": requests,
            "seconds": seconds,
        }
    )
    cpu_before = _cpu_seconds(server_pid)
    out = subprocess.run(
        [sys.executable, __file__, "--loadgen", spec],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    cpu = _cpu_seconds(server_pid) - cpu_before
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    # The warm-up requests (5 per connection) are served too; count them in.
    served = result["requests"] + 5 * connections
    result["server_cpu_ms_per_request"] = round(cpu * 1000 / served, 3) if served else None
    return result


# --------------------------------------------------------------------------- bank and server


@dataclass
class Fixture:
    """What the load generator needs: the account and a customer token for it."""

    account_id: str
    token: str
    transactions: int
    seeded_with: str


def _prepare_postgres(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from wendu.db import normalise_url

    base = make_url(normalise_url(url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _seed_bank(db: Any, customers: int) -> str:
    if customers < 1:
        return ""
    try:
        from wendu.demo.seed import seed_bank
    except ImportError:
        return ""
    seed_bank(db, customers=customers, seed=7, months=3)
    return f"wendu.demo.seed.seed_bank(customers={customers}, months=3)"


def prepare(database_url: str, customers: int, per_account: int) -> Fixture:
    """Migrate, seed a bank, and create a partner, consent and customer token."""
    from sqlalchemy import func, select

    from wendu.config import Settings
    from wendu.db import Database
    from wendu.identity.keys import KeyRing
    from wendu.identity.models import Consent, Partner
    from wendu.identity.tokens import issue_access_token
    from wendu.kit.ids import new_id
    from wendu.ledger.models import Account, Customer, LedgerTransaction, Posting
    from wendu.migrate import upgrade

    upgrade(database_url)
    db = Database(database_url)
    seeded_with = _seed_bank(db, customers)
    settings = Settings(
        database_url=database_url, public_url=PUBLIC_URL, access_token_ttl_seconds=3600
    )
    with db.session() as s:
        # A customer of our own with a known number of booked transactions.
        customer = Customer(
            id=new_id("cus"),
            full_name="基准测试",
            name_latin="Bench Mark",
            risk_grade="C3",
            risk_assessed_on=date(2026, 1, 1),
            preferred_language="zh",
        )
        s.add(customer)
        s.flush()
        account = Account(
            id=new_id("acc"),
            customer_id=customer.id,
            kind="current",
            currency="CNY",
            nickname="Bench",
            identification="62" + uuid.uuid4().hex[:17],
            opened_on=date(2024, 1, 1),
            overdraft_limit_minor=0,
        )
        clearing = Account(
            id=new_id("acc"),
            kind="internal",
            currency="CNY",
            identification="BENCH" + uuid.uuid4().hex[:20],
            opened_on=date(2020, 1, 1),
            overdraft_limit_minor=10**15,
        )
        s.add_all([account, clearing])
        s.flush()
        start = datetime.now(UTC) - timedelta(days=per_account)
        for n in range(per_account):
            when = start + timedelta(days=n, hours=n % 11)
            amount = -(1000 + (n * 7919) % 50000) if n % 5 else 800000
            txn = LedgerTransaction(
                booked_at=when,
                value_at=when,
                kind="card_purchase" if n % 5 else "salary",
                description=f"Bench purchase {n}" if n % 5 else "Salary",
                reference=f"B{n:06d}",
            )
            s.add(txn)
            s.flush()
            s.add_all(
                [
                    Posting(
                        transaction_id=txn.id,
                        account_id=account.id,
                        amount_minor=amount,
                        currency="CNY",
                        booked_at=when,
                    ),
                    Posting(
                        transaction_id=txn.id,
                        account_id=clearing.id,
                        amount_minor=-amount,
                        currency="CNY",
                        booked_at=when,
                    ),
                ]
            )
            account.balance_minor += amount
            clearing.balance_minor -= amount
        partner = Partner(
            id=new_id("ptn"),
            client_id=new_id("cli"),
            client_secret_hash="unused",
            name="Bench TPP",
            redirect_uris=["https://tpp.example/cb"],
            roles=["AISP"],
            # High enough never to throttle, so the limiter stays on the measured path.
            rate_limit_per_minute=10**9,
        )
        s.add(partner)
        s.flush()
        consent = Consent(
            id=new_id("aac"),
            kind="account-access",
            partner_id=partner.id,
            customer_id=customer.id,
            status="AUTH",
            permissions=[
                "ReadAccountsDetail",
                "ReadTransactionsBasic",
                "ReadTransactionsDetail",
                "ReadTransactionsCredits",
                "ReadTransactionsDebits",
            ],
            account_ids=[account.id],
            expires_at=datetime.now(UTC) + timedelta(days=1),
            authorised_at=datetime.now(UTC),
        )
        s.add(consent)
        s.flush()
        token = issue_access_token(
            s,
            KeyRing(),
            settings,
            partner=partner,
            scope="openid accounts",
            grant_type="authorization_code",
            customer_id=customer.id,
            consent_id=consent.id,
        )
        total = s.execute(select(func.count()).select_from(Posting)).scalar_one()
    db.dispose()
    return Fixture(account.id, token.access_token, total, seeded_with or "bench rows only")


def start_server(database_url: str, redis_url: str | None, port: int, workers: int) -> Any:
    """Start ``wendu serve``'s app factory under uvicorn and wait until /health answers."""
    settings = {
        "WENDU_DATABASE_URL": database_url,
        "WENDU_PUBLIC_URL": PUBLIC_URL,
        "WENDU_ENV": "development",
        "WENDU_LOG_LEVEL": "WARNING",
        "WENDU_REDIS_URL": redis_url,  # None: the in-process limiter
    }
    return harness.start_server(port, settings, workers=workers)


def audit_summary(database_url: str) -> dict[str, Any]:
    """Return how many API calls the audit trail holds and whether its chain verifies.

    Effect records (committed with the writes of setup, such as the consent) are not calls.
    """
    from sqlalchemy import func, select

    from wendu.audit.chain import verify
    from wendu.audit.effects import EFFECT_ACTION_PREFIX
    from wendu.audit.models import AuditEntry
    from wendu.db import Database

    db = Database(database_url)
    with db.engine.connect() as conn:
        result = verify(conn)
        effects = conn.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.startswith(EFFECT_ACTION_PREFIX))
        ).scalar_one()
    db.dispose()
    return {"entries": result.count - int(effects), "chain_ok": result.ok}


def run_backend(
    name: str, database_url: str, redis_url: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    """Seed, serve and measure one backend."""
    began = time.perf_counter()
    fixture = prepare(database_url, args.customers, args.transactions)
    seed_seconds = round(time.perf_counter() - began, 1)
    port = harness.free_port()
    server = start_server(database_url, redis_url, port, args.workers)
    headers = {"Authorization": f"Bearer {fixture.token}"}
    api_path = args.api_path.format(account_id=fixture.account_id)
    results: dict[str, Any] = {
        "database": "sqlite (temp file)" if name == "sqlite" else "postgresql",
        "rate_limit_backend": "redis" if redis_url else "in-process",
        "seeded": fixture.seeded_with,
        "postings_in_db": fixture.transactions,
        "seed_seconds": seed_seconds,
        "api_route": args.api_path,
    }
    try:
        with urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{port}{api_path}", headers=headers),
            timeout=10,
        ) as probe:
            results["api_probe_status"] = probe.status
            results["api_probe_bytes"] = len(probe.read())
    except urllib.error.HTTPError as exc:
        results["api_probe_status"] = exc.code
        if exc.code == 404:
            # The transactions route is not there (yet): measure the DB-backed /health.
            api_path = "/health"
            results["api_route"] = "/health (transactions route not found)"
    levels: dict[str, Any] = {}
    try:
        for connections in args.concurrency:
            bare = measure(port, BARE, {}, connections, args.requests, args.seconds, server.pid)
            api = measure(
                port, api_path, headers, connections, args.requests, args.seconds, server.pid
            )
            levels[str(connections)] = {
                "bare": bare,
                "api": api,
                "ratio": round(api["rps"] / bare["rps"], 3) if bare["rps"] else None,
                "cpu_ratio": _cpu_ratio(bare, api),
            }
            print(
                f"[{name}] c={connections}: bare {bare['rps']} rps p99 {bare['p99_ms']} ms | "
                f"api {api['rps']} rps p50 {api['p50_ms']} p99 {api['p99_ms']} ms "
                f"{api['statuses']} | cpu/req bare {bare['server_cpu_ms_per_request']} "
                f"api {api['server_cpu_ms_per_request']} ms",
                file=sys.stderr,
            )
    finally:
        harness.stop_server(server)
    results["levels"] = levels
    results["audit"] = audit_summary(database_url)
    at_32 = levels.get("32")
    if at_32:
        results["meets_goal_at_32"] = {
            "ratio": (at_32["ratio"] or 0) >= GOAL["ratio"],
            "p99_ms": at_32["api"]["p99_ms"] <= GOAL["p99_ms_at_32"],
        }
    return results


def _cpu_ratio(bare: dict[str, Any], api: dict[str, Any]) -> float | None:
    # Throughput ratio the two routes would have if CPU were the only limit.
    bare_cpu, api_cpu = bare["server_cpu_ms_per_request"], api["server_cpu_ms_per_request"]
    return round(bare_cpu / api_cpu, 3) if bare_cpu and api_cpu else None


def main() -> None:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL server URL; a dedicated database is created on it.",
    )
    parser.add_argument("--bench-database", default="wendu_bench")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/0",
        help="Redis for rate limits with PostgreSQL ('' for in-process).",
    )
    parser.add_argument(
        "--concurrency", default="1,8,32", type=lambda v: [int(x) for x in v.split(",")]
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=20000,
        help="Requests per route and concurrency level (upper bound).",
    )
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="Time limit per route and concurrency level."
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=200,
        help="Customers of the seeded demo bank (when seed_bank exists).",
    )
    parser.add_argument(
        "--transactions", type=int, default=120, help="Transactions booked on the measured account."
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes.")
    parser.add_argument("--api-path", default=TRANSACTIONS)
    args = parser.parse_args()
    if args.loadgen:
        loadgen_main(args.loadgen)
        return

    report: dict[str, Any] = {
        "benchmark": "api_throughput",
        "goal": GOAL,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "config": {
            "concurrency": args.concurrency,
            "requests": args.requests,
            "seconds": args.seconds,
            "workers": args.workers,
        },
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="wendu-bench-") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                report["backends"]["sqlite"] = run_backend("sqlite", url, None, args)
            elif backend == "postgres":
                url = _prepare_postgres(args.postgres, args.bench_database)
                report["backends"]["postgres"] = run_backend(
                    "postgres", url, args.redis or None, args
                )
    report["machine"]["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
