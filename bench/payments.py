"""Payments benchmark: domestic payments per second end to end through the HTTP API, beside
``pgbench`` (TPC-B-like) on the same PostgreSQL server in the same run.

It migrates a dedicated database, seeds payers, one signing partner and one authorised
payment consent per payment, starts a real ``uvicorn`` process, then submits signed,
idempotent ``POST /open-banking/v4.0/pisp/domestic-payments`` at 1, 8 and 32 concurrent
clients. Afterwards it checks conservation: the ledger's balances equal their postings, the
total is unchanged, and every accepted payment moved money exactly once. Prints JSON.

    .venv/bin/python bench/payments.py
    .venv/bin/python bench/payments.py --per-level 100 --url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import harness  # bench/harness.py: the benches run as scripts from bench/
from wendu.config import Settings
from wendu.db import Database, normalise_url
from wendu.identity.keys import KeyRing
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import sandbox_existing_consent
from wendu.kit.ids import new_id
from wendu.ledger.models import Account, Customer
from wendu.ledger.postings import check_ledger, transfer
from wendu.migrate import upgrade
from wendu.openbanking.pisp.jws import sign_detached
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.schemas import ConsentRequest
from wendu.openbanking.pisp.service import create_payment_consent

LEVELS = (1, 8, 32)
GOAL = {"ratio_to_pgbench": 0.3, "lost_or_doubled": 0}
PUBLIC_URL = "http://127.0.0.1"
PAYMENTS = "/open-banking/v4.0/pisp/domestic-payments"


def _scratch(server_url: str, name: str) -> str:
    base = make_url(normalise_url(server_url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _seed(url: str, settings: Settings, payments: int, payers: int) -> dict[str, Any]:
    """Create payers, a signing partner and ``payments`` authorised consents."""
    db = Database(url)
    keyring = KeyRing()
    orders: list[dict[str, Any]] = []
    with db.session() as s:
        registered = register_partner(
            s, name="Bench Pay", redirect_uris=["https://bench.example/cb"], roles=["PISP"]
        )
        funding = Account(
            id="acc_bench_funding",
            kind="internal",
            currency="CNY",
            identification="BENCHFUNDING",
            opened_on=date(2026, 1, 1),
            overdraft_limit_minor=10**15,
        )
        s.add(funding)
        payer_rows = []
        for i in range(payers):
            customer = Customer(id=new_id("cus"), full_name=f"Bench {i}")
            s.add(customer)
            s.flush()
            account = Account(
                id=new_id("acc"),
                customer_id=customer.id,
                kind="current",
                currency="CNY",
                identification=f"BENCH{i:06d}",
                opened_on=date(2026, 1, 1),
            )
            s.add(account)
            s.flush()
            transfer(
                s,
                debit_account_id=funding.id,
                credit_account_id=account.id,
                amount_minor=10_000_000,
                currency="CNY",
                description="Bench funding",
            )
            payer_rows.append((customer.id, account.id))
    partner = registered.partner
    assert registered.private_key_pem is not None and registered.kid is not None
    for n in range(payments):
        customer_id, account_id = payer_rows[n % payers]
        request = {
            "Data": {
                "Initiation": {
                    "InstructionIdentification": f"B{n}",
                    "EndToEndIdentification": f"E{n}",
                    "InstructedAmount": {"Amount": "1.23", "Currency": "CNY"},
                    "CreditorAccount": {
                        "SchemeName": "UK.OBIE.BBAN",
                        "Identification": "EXTERNAL-CREDITOR",
                        "Name": "Creditor",
                    },
                }
            },
            "Risk": {"PaymentContextCode": "TransferToThirdParty"},
        }
        with db.session() as s:
            consent = create_payment_consent(
                s, partner_id=partner.id, body=ConsentRequest.model_validate(request)
            )
            token = sandbox_existing_consent(
                s,
                keyring,
                settings,
                client_id=partner.client_id,
                customer_id=customer_id,
                consent_id=consent.id,
                account_ids=[account_id],
            ).access_token
            body = json.dumps(
                {"Data": {"ConsentId": consent.id, **request["Data"]}, "Risk": request["Risk"]}
            ).encode()
        orders.append(
            {
                "body": body,
                "headers": {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "x-idempotency-key": secrets.token_hex(12),
                    "x-jws-signature": sign_detached(
                        body,
                        registered.private_key_pem,
                        kid=registered.kid,
                        issuer=partner.client_id,
                    ),
                },
            }
        )
    db.dispose()
    return {"orders": orders}


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    settings = {
        "WENDU_DATABASE_URL": url,
        "WENDU_PUBLIC_URL": PUBLIC_URL,
        "WENDU_RUN_WORKER_IN_PROCESS": "false",
        "WENDU_RATE_LIMIT_PER_MINUTE": "10000000",
        "WENDU_RATE_LIMIT_BURST": "10000000",
    }
    return harness.start_server(port, settings)


def _drive(port: int, orders: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    local = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def one(order: dict[str, Any]) -> None:
        started = time.perf_counter()
        response = local.post(PAYMENTS, content=order["body"], headers=order["headers"])
        latencies.append(time.perf_counter() - started)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, orders))
    elapsed = time.perf_counter() - started
    local.close()
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "payments": len(orders),
        "payments_per_second": round(len(orders) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "statuses": statuses,
    }


def _pgbench(url: str, seconds: int) -> float:
    parsed = make_url(normalise_url(url))
    env = {**os.environ, "PGHOST": parsed.host or "127.0.0.1", "PGPORT": str(parsed.port or 5432),
           "PGUSER": parsed.username or "postgres"}  # fmt: skip
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    database = str(parsed.database)
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", database], env=env, check=True,
                   capture_output=True)  # fmt: skip
    out = subprocess.run(
        ["pgbench", "-c", "8", "-j", "2", "-T", str(seconds), database],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def main() -> int:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("WENDU_DATABASE_URL", "")
                        or "postgresql://postgres@127.0.0.1:5432/test")  # fmt: skip
    parser.add_argument("--per-level", type=int, default=200)
    parser.add_argument("--payers", type=int, default=64)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    if not args.url.startswith("postgres"):
        print("bench/payments.py needs PostgreSQL (--url postgresql://...)", file=sys.stderr)
        return 2

    url = _scratch(args.url, "wendu_bench_payments")
    upgrade(url)
    settings = Settings(database_url=url, public_url=PUBLIC_URL)
    total = args.per_level * len(LEVELS)
    seeded = _seed(url, settings, total, args.payers)
    orders = seeded["orders"]
    db = Database(url)
    with db.session(write=False) as s:
        opening = check_ledger(s).totals_by_currency

    port = harness.free_port()
    server = _serve(url, port)
    levels = []
    try:
        for i, clients in enumerate(LEVELS):
            batch = orders[i * args.per_level : (i + 1) * args.per_level]
            levels.append(_drive(port, batch, clients))
        # Replays of the first level's requests must not pay again.
        replays = _drive(port, orders[: min(50, args.per_level)], 8)
    finally:
        server.terminate()
        server.wait(timeout=30)

    with db.session(write=False) as s:
        check = check_ledger(s)
        accepted = s.execute(
            select(func.count()).select_from(Payment).where(Payment.status == "ACSC")
        ).scalar_one()
        payments = s.execute(select(func.count()).select_from(Payment)).scalar_one()
        payment_postings = s.execute(
            text("SELECT count(*) FROM ledger_transactions WHERE kind = 'payment'")
        ).scalar_one()
    db.dispose()
    pgbench_tps = _pgbench(url, args.pgbench_seconds)
    best = max(level["payments_per_second"] for level in levels)
    result = {
        "benchmark": "domestic payments end to end (HTTP, JWS, idempotency, ledger)",
        "database": "postgresql",
        "levels": levels,
        "replays": replays,
        "pgbench_tpcb_tps_8_clients": pgbench_tps,
        "ratio_best_to_pgbench": round(best / pgbench_tps, 3),
        "conservation": {
            "ledger_ok": check.ok,
            "totals_unchanged": check.totals_by_currency == opening,
            "payments_submitted": total,
            "payment_rows": int(payments),
            "accepted": int(accepted),
            "ledger_payment_transactions": int(payment_postings),
            "lost_or_doubled": abs(int(payments) - total) + abs(int(accepted) - payment_postings),
        },
        "goal": GOAL,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
