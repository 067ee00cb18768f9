"""Named dependencies of the Open Banking routes: the core bank and consent scopes.

``wendu.web.EdgeMiddleware`` already answers 406/415 for every ``/open-banking/`` route;
``require_json_accept``/``require_json_body`` remain as explicit route guards (PIS/CBPII use
them) and give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from wendu.deps import SessionDep
from wendu.errors import WenduError, forbidden, unknown_resource
from wendu.identity.deps import CustomerAccess
from wendu.identity.tokens import AccessContext
from wendu.ledger.port import CoreBank
from wendu.ledger.sandbox import core_bank_for
from wendu.openbanking.consents import ACCOUNT_ACCESS

JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})


def _media_error(status: int, message: str) -> WenduError:
    error = forbidden(message, code="U013")
    error.status = status
    return error


def _accepts_json(accept: str) -> bool:
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() not in JSON_RANGES:
            continue
        q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            if float(q) > 0:
                return True
        except ValueError:
            continue
    return False


async def require_json_accept(request: Request) -> None:
    """Refuse (406) a request whose ``Accept`` header rules out JSON."""
    accept = request.headers.get("accept")
    if accept and accept.strip() and not _accepts_json(accept):
        raise _media_error(406, "Only application/json responses are available")


async def require_json_body(request: Request) -> None:
    """Refuse (415) a request body that is not declared as JSON."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise _media_error(415, "The request body must be application/json")


def require_scope(access: AccessContext, scope: str) -> None:
    """Refuse (403 U015) a token that does not carry ``scope``."""
    if scope not in access.scope:
        raise forbidden(f"The token does not carry the {scope} scope")


async def get_core_bank(request: Request, session: SessionDep) -> CoreBank:
    """Return the core bank for this request: a configured adapter or the sandbox ledger."""
    return core_bank_for(request.app.state, session)


CoreBankDep = Annotated[CoreBank, Depends(get_core_bank)]


@dataclass(frozen=True)
class Scope:
    """What an account-access consent lets this request read."""

    access: AccessContext
    customer_id: str
    permissions: frozenset[str]
    account_ids: tuple[str, ...]
    transaction_from: datetime | None
    transaction_to: datetime | None

    def has(self, permission: str) -> bool:
        """Return True when the consent grants ``permission``."""
        return permission in self.permissions

    def account(self, account_id: str) -> str:
        """Return ``account_id`` if the consent covers it; otherwise 400 U004 (as if unknown)."""
        if account_id not in self.account_ids:
            raise unknown_resource("account")
        return account_id


class ConsentScope:
    """A dependency that needs an authorised account-access consent granting any of ``codes``."""

    def __init__(self, *codes: str) -> None:
        self.codes = frozenset(codes)

    # Async on purpose: nothing here blocks, and a sync dependency costs a thread hop.
    async def __call__(self, access: CustomerAccess) -> Scope:
        """Return the request's scope or raise 403 U007 when the consent lacks the permission."""
        if access.consent_kind != ACCOUNT_ACCESS or access.consent_id is None:
            raise forbidden("The token is not bound to an account-access consent", code="U007")
        if not self.codes & access.permissions:
            raise forbidden(
                f"The consent does not grant {' or '.join(sorted(self.codes))}", code="U007"
            )
        assert access.customer_id is not None
        return Scope(
            access=access,
            customer_id=access.customer_id,
            permissions=access.permissions,
            account_ids=access.account_ids,
            transaction_from=access.transaction_from,
            transaction_to=access.transaction_to,
        )


AccountsScope = Annotated[Scope, Depends(ConsentScope("ReadAccountsBasic", "ReadAccountsDetail"))]
TransactionsScope = Annotated[
    Scope, Depends(ConsentScope("ReadTransactionsBasic", "ReadTransactionsDetail"))
]
StatementsScope = Annotated[
    Scope, Depends(ConsentScope("ReadStatementsBasic", "ReadStatementsDetail"))
]
PartyScope = Annotated[Scope, Depends(ConsentScope("ReadParty"))]
PartyPSUScope = Annotated[Scope, Depends(ConsentScope("ReadPartyPSU"))]
