"""Named FastAPI dependencies shared by every domain router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wendu.config import Settings
from wendu.db import Database

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield the request's session: it commits once after the handler, or rolls back once.

    Bound with ``scope="function"`` so the commit happens before the response is sent.
    ``Database.session`` runs on a worker thread only for the part that does I/O (the
    commit or rollback): opening a session touches no connection.
    """
    db: Database = request.app.state.db
    manager = db.session(write=request.method not in READ_METHODS)
    session = manager.__enter__()
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(manager.__exit__, type(exc), exc, exc.__traceback__)
        raise
    if session.in_transaction():
        await run_in_threadpool(manager.__exit__, None, None, None)
    else:
        manager.__exit__(None, None, None)  # nothing to commit: close without I/O


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
