"""An in-process buffer of audit records, flushed in batches by a background thread.

Requests only append to a deque (cheap on the hot path); the thread writes everything
buffered every ``interval`` seconds in one transaction, extending the chain under its lock.
A failed flush keeps the records and retries, so a database outage delays entries but
does not drop them while the process lives.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque

from sqlalchemy import Engine

from wendu.audit.chain import AuditRecord, append
from wendu.db import Database

log = logging.getLogger("wendu.audit")

MAX_BATCH = 2000


class AuditWriter:
    """Buffers records and appends them to the chain from one background thread."""

    def __init__(self, db: Database, interval: float = 0.05) -> None:
        self.interval = interval
        self._engine: Engine = (
            db.engine.execution_options(sqlite_begin="IMMEDIATE") if db.is_sqlite else db.engine
        )
        self._buffer: deque[AuditRecord] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failing = False

    def add(self, record: AuditRecord) -> None:
        """Queue ``record`` for the next flush (thread-safe, never blocks on the database)."""
        self._buffer.append(record)

    def pending(self) -> int:
        """Return how many records wait to be written."""
        return len(self._buffer)

    def start(self) -> None:
        """Start the background flusher (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wendu-audit", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and write everything still buffered."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        try:
            self.flush()
        except Exception:
            log.error("audit shutdown: %d records could not be written", len(self._buffer))

    def flush(self) -> int:
        """Write every buffered record now; return how many were written."""
        written = 0
        with self._flush_lock:
            while self._buffer:
                batch: list[AuditRecord] = []
                while self._buffer and len(batch) < MAX_BATCH:
                    batch.append(self._buffer.popleft())
                try:
                    with self._engine.begin() as conn:
                        append(conn, batch)
                except Exception:
                    # Put the batch back in front, in order, and retry on the next tick.
                    self._buffer.extendleft(reversed(batch))
                    if not self._failing:
                        log.exception("audit flush failed; %d records kept", len(self._buffer))
                    self._failing = True
                    raise
                if self._failing:
                    log.warning("audit flush recovered")
                    self._failing = False
                written += len(batch)
        return written

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            # A failure is logged once by flush; the thread must survive it and retry.
            with contextlib.suppress(Exception):
                self.flush()
