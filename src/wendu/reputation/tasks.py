"""The reputation detection job, run periodically by the embedded worker.

Any number of processes may run it: on PostgreSQL a run first takes a transaction-scoped
advisory lock and skips when another process holds it; on SQLite the write transaction
serialises runs. Either way one run at a time reconciles the alerts.
"""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import FastAPI
from sqlalchemy import func, select

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.kit.periodic import install_periodic
from wendu.reputation.alerts import DetectionRun, run_detection

log = logging.getLogger("wendu.reputation.tasks")
INTERVAL_SECONDS = 900.0
_LOCK_KEY = 0x5245_5055  # "REPU"


def detect_once(db: Database, settings: Settings, now: dt.datetime | None = None) -> DetectionRun:
    """Run the detection job once in its own transaction (a no-op if another process is)."""
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            got = session.execute(select(func.pg_try_advisory_xact_lock(_LOCK_KEY))).scalar()
            if not got:
                return DetectionRun()
        return run_detection(
            session,
            now or utcnow(),
            timezone=settings.timezone,
            country=settings.country,
            notify=settings.ops_events_partner_id,
        )


def install_detection(app: FastAPI) -> None:
    """Run the detection job every 15 minutes while the app serves (embedded worker on)."""
    settings: Settings = app.state.settings
    if not settings.run_worker_in_process:
        return

    def job(_app: FastAPI) -> None:
        try:
            detect_once(_app.state.db, settings)
        except Exception:
            log.exception("reputation detection failed")

    install_periodic(app, name="reputation_detection", interval=INTERVAL_SECONDS, job=job)
