"""One process of the ledger stress test: random transfers among the run's accounts.

Run as a script by ``test_concurrency.py``: each worker has its own engine and sessions, as
separate API processes would. Prints one JSON summary line when done. With ``--kill-at N``
it stops inside the open transaction of its N-th transfer (after the postings are written,
before the commit), prints ``INFLIGHT <ref> <booked>`` and waits to be killed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from sqlalchemy.exc import DBAPIError

from wendu.db import Database
from wendu.errors import WenduError
from wendu.ledger.postings import InsufficientFunds, transfer

SHARED_SHARE = 0.05
HOT_SHARE = 0.2


def account_id(run: str, index: int) -> str:
    """Return the id of the run's ``index``-th account."""
    return f"acc_{run}_{index:03d}"


def pick(rng: random.Random, run: str, accounts: int) -> tuple[str, str, int]:
    """Return a random (debit, credit, amount), with one hot account for contention."""
    if rng.random() < HOT_SHARE:
        other = rng.randrange(1, accounts)
        a, b = (0, other) if rng.random() < 0.5 else (other, 0)
    else:
        a, b = rng.sample(range(accounts), 2)
    return account_id(run, a), account_id(run, b), rng.randint(1, 8_000)


def main() -> int:
    """Run the worker."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--worker", type=int, required=True)
    parser.add_argument("--transfers", type=int, required=True)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--shared-refs", type=int, default=20)
    parser.add_argument("--kill-at", type=int, default=-1)
    args = parser.parse_args()

    db = Database(args.url)
    rng = random.Random(f"{args.run}-{args.worker}")
    booked = refused = shared = 0
    errors: list[str] = []
    started = time.perf_counter()
    for i in range(args.transfers):
        is_shared = rng.random() < SHARED_SHARE
        if is_shared:
            # Every worker derives the same movement for a shared reference, so concurrent
            # first attempts race on the unique external_ref.
            k = rng.randrange(args.shared_refs)
            ref = f"{args.run}-s{k}"
            debit, credit, amount = pick(random.Random(ref), args.run, args.accounts)
            shared += 1
        else:
            ref = f"{args.run}-w{args.worker}-{i}"
            debit, credit, amount = pick(rng, args.run, args.accounts)
        try:
            with db.session() as session:
                transfer(
                    session,
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount_minor=amount,
                    currency="CNY",
                    description=f"stress {ref}",
                    external_ref=ref,
                )
                if 0 <= args.kill_at <= i and not is_shared:
                    print(f"INFLIGHT {ref} {booked}", flush=True)
                    time.sleep(600)
        except InsufficientFunds:
            refused += 1
            continue
        except (WenduError, DBAPIError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        if not is_shared:
            booked += 1
    db.dispose()
    print(
        json.dumps(
            {
                "worker": args.worker,
                "booked": booked,
                "refused": refused,
                "shared_attempts": shared,
                "errors": errors,
                "seconds": round(time.perf_counter() - started, 3),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
