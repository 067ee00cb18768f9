"""Named FastAPI dependencies shared by every domain router."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Commits and rollbacks get threads of their own. A request that holds a database lock must
# never queue for a thread behind requests that are waiting for that very lock, or both
# sides wait until the lock times out.
_FINISH_LIMITER: CapacityLimiter | None = None


def _finish_limiter() -> CapacityLimiter:
    global _FINISH_LIMITER
    if _FINISH_LIMITER is None:
        _FINISH_LIMITER = CapacityLimiter(16)
    return _FINISH_LIMITER


async def _finish(func: Callable[..., Any], *args: Any) -> None:
    await anyio.to_thread.run_sync(func, *args, limiter=_finish_limiter())


# Requests holding a session at once: below both the pool (``wendu.db.POOL_SIZE`` +
# overflow) and Starlette's 40 worker threads, so whoever holds a connection finds a thread.
SESSION_SLOTS = 32


class _Gates:
    """The per-event-loop gates of one app (an app can be served by several loops in tests)."""

    def __init__(self) -> None:
        self.sessions = asyncio.Semaphore(SESSION_SLOTS)
        self.sqlite_writer = asyncio.Lock()


def _gates(request: Request) -> _Gates:
    table: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gates] | None = getattr(
        request.app.state, "session_gates", None
    )
    if table is None:
        table = weakref.WeakKeyDictionary()
        request.app.state.session_gates = table
    loop = asyncio.get_running_loop()
    gates = table.get(loop)
    if gates is None:
        gates = table[loop] = _Gates()
    return gates


# The dependencies that do no I/O are ``async def``: FastAPI runs every plain ``def``
# dependency on a worker thread, and that hop costs more than the work itself.


async def get_settings_dep(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    """Return the app's database."""
    db: Database = request.app.state.db
    return db


@asynccontextmanager
async def _request_session(request: Request, *, write: bool) -> AsyncIterator[Session]:
    """Yield the request's session: it commits once after the handler, or rolls back once.

    Bound with ``scope="function"`` so the commit happens before the response is sent.
    ``Database.session`` runs on a worker thread only for the part that does I/O (the
    commit or rollback): opening a session touches no connection. Requests queue here,
    without holding a thread, for one of ``SESSION_SLOTS`` sessions — and on SQLite, where one
    writer holds the database at a time, write requests also queue for the writer's turn — so
    a request that holds a connection or a lock always finds threads for its remaining work.
    """
    db: Database = request.app.state.db
    gates = _gates(request)
    lock = gates.sqlite_writer if write and db.is_sqlite else None
    if lock is not None:
        await lock.acquire()
    await gates.sessions.acquire()
    try:
        manager = db.session(write=write)
        session = manager.__enter__()
        try:
            yield session
        except BaseException as exc:
            await _finish(manager.__exit__, type(exc), exc, exc.__traceback__)
            raise
        if session.in_transaction():
            await _finish(manager.__exit__, None, None, None)
        else:
            manager.__exit__(None, None, None)  # nothing to commit: close without I/O
    finally:
        gates.sessions.release()
        if lock is not None:
            lock.release()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield the request's session: a write session unless the method only reads."""
    async with _request_session(request, write=request.method not in READ_METHODS) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """Yield a write session even for a GET whose use case may write (e.g. expiring a consent).

    On SQLite a read transaction cannot safely become a write one: if another connection
    (say the audit writer) committed since it began, the upgrade fails with "database is
    locked" at once, without waiting.
    """
    async with _request_session(request, write=True) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
