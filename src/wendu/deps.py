"""Named FastAPI dependencies shared by every domain router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings_dep(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    """Return the app's database."""
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session: it commits once after the handler, or rolls back once.

    Bound with ``scope="function"`` so the commit happens before the response is sent.
    """
    db: Database = request.app.state.db
    with db.session(write=request.method not in READ_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
