"""HTTP plumbing shared by the Open Banking write APIs (PIS, CBPII).

Write routes open their own session (``Write.session``) instead of taking ``SessionDep``: a
write transaction must begin, do its work and commit in one worker thread. With the session
spread over several dependency threads, a request holding the database write lock (SQLite)
or an idempotency row lock (PostgreSQL) can wait for a free thread while every thread waits
for that lock — 50 simultaneous payments deadlocked that way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.types import DecoratedCallable
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.deps import DatabaseDep, SettingsDep
from wendu.errors import forbidden
from wendu.identity.deps import bearer_token, get_access
from wendu.identity.tokens import AccessContext
from wendu.openbanking.deps import require_json_body, require_scope
from wendu.openbanking.schemas import OBJSONResponse


async def raw_body(request: Request) -> bytes:
    """Return the exact request bytes (the JWS signs them, the idempotency hash covers them)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
Token = Annotated[str, Depends(bearer_token)]


def base_url(prefix: str) -> Callable[[Settings], str]:
    """Return a dependency giving the public URL of the API under ``prefix``."""

    def base(settings: SettingsDep) -> str:
        return settings.public_url.rstrip("/") + prefix

    return base


@dataclass(frozen=True)
class Write:
    """What a write route needs to open its transaction and authenticate the caller in it."""

    request: Request
    db: Database
    settings: Settings
    token: str

    @contextmanager
    def session(self, *, customer: bool, scope: str) -> Iterator[tuple[Session, AccessContext]]:
        """Open the request's write transaction and authenticate the caller inside it.

        The caller needs a customer's token (``customer``) or a client-credentials token,
        carrying ``scope``.
        """
        with self.db.session(write=True) as session:
            access = get_access(self.request, session, self.settings, self.token)
            if customer and (not access.is_customer_token or access.consent_id is None):
                raise forbidden(
                    "This resource needs a token authorised by the customer", code="U014"
                )
            if not customer and access.grant_type != "client_credentials":
                raise forbidden("This resource needs a client-credentials token", code="U014")
            require_scope(access, scope)
            yield session, access


async def _write(request: Request, db: DatabaseDep, settings: SettingsDep, token: Token) -> Write:
    return Write(request, db, settings, token)


WriteDep = Annotated[Write, Depends(_write)]


def create_route(
    router: APIRouter, path: str, *, operation_id: str, summary: str
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a POST that takes a JSON body and answers 201 with an OB JSON body."""
    return router.post(
        path,
        operation_id=operation_id,
        status_code=201,
        response_class=OBJSONResponse,
        dependencies=[Depends(require_json_body)],
        summary=summary,
    )
