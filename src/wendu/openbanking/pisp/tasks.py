"""Background job of payment initiation: pay scheduled payments and standing-order
instalments that have fallen due.

``run_due(db, settings, now)`` is deterministic in ``now`` (tests pass the instant they
need) and runs each payment in its own transaction; a payment that fails does not stop the
rest. It is safe to run in many processes at once (see ``scheduled`` and
``standing_orders``). ``install_executor`` runs it every ``EXECUTOR_INTERVAL_SECONDS``
inside ``wendu serve`` when the embedded worker is on (``WENDU_RUN_WORKER_IN_PROCESS``), and
``run_until`` does the same on a thread of ``wendu worker``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.kit.periodic import install_periodic
from wendu.openbanking.pisp.scheduled import due_payments, execute_scheduled
from wendu.openbanking.pisp.standing_orders import (
    bank_working_days,
    due_orders,
    execute_standing_order,
)

log = logging.getLogger("wendu.openbanking.pisp.tasks")
EXECUTOR_INTERVAL_SECONDS = 30.0


@dataclass
class ExecutionReport:
    """What one run paid: (payment id, status) and (order id, sequence, status) tuples."""

    scheduled: list[tuple[str, str]] = field(default_factory=list)
    instalments: list[tuple[str, int, str]] = field(default_factory=list)


def run_due(
    db: Database, settings: Settings, now: datetime | None = None, *, limit: int = 100
) -> ExecutionReport:
    """Pay what is due at ``now`` (default: the current time); return what was paid."""
    at = now or utcnow()
    report = ExecutionReport()
    with db.session(write=False) as session:
        scheduled = due_payments(session, at, limit)
        orders = due_orders(session, at, limit)
    for payment_id in scheduled:
        try:
            with db.session() as session:
                payment = execute_scheduled(session, payment_id, at, public_url=settings.public_url)
                if payment is not None:
                    report.scheduled.append((payment.id, payment.status))
        except Exception:
            log.exception("scheduled payment %s failed to execute", payment_id)
    for payment_id in orders:
        try:
            with db.session() as session:
                made = execute_standing_order(
                    session,
                    payment_id,
                    at,
                    working_days=bank_working_days(settings),
                    public_url=settings.public_url,
                )
                report.instalments.extend((payment_id, i.sequence, i.status) for i in made)
        except Exception:
            log.exception("standing order %s failed to execute", payment_id)
    return report


def run_until(
    db: Database,
    settings: Settings,
    stop: threading.Event,
    interval: float = EXECUTOR_INTERVAL_SECONDS,
) -> None:
    """Run ``run_due`` every ``interval`` seconds until ``stop`` is set (``wendu worker``)."""
    while not stop.wait(interval):
        _run_logged(db, settings)


def _run_logged(db: Database, settings: Settings) -> None:
    try:
        run_due(db, settings)
    except Exception:  # a database hiccup must not stop the loop
        log.exception("payment executor run failed")


def install_executor(app: FastAPI, interval: float = EXECUTOR_INTERVAL_SECONDS) -> None:
    """Run ``run_due`` periodically while the app serves, when the embedded worker is on."""
    settings: Settings = app.state.settings
    if not settings.run_worker_in_process:
        return
    install_periodic(
        app,
        name="pisp_executor",
        interval=interval,
        job=lambda _app: _run_logged(_app.state.db, settings),
    )
