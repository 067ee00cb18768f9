"""Sandbox automation: ready-made consents obtained through the same steps as the real flow.

``sandbox_account_consent`` takes a client-credentials token, creates the consent through the
Open Banking consent service, authorises it as the customer, obtains an authorization code
with a real PKCE pair and exchanges it at the token service. ``authorise_and_exchange`` is the
generic second half, usable for any consent kind (payment consents included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.errors import WenduError, bad_request, sandbox_only, unknown_resource
from wendu.identity.authorisation import authorise_consent, selectable_accounts
from wendu.identity.keys import KeyRing
from wendu.identity.models import Consent, CustomerLogin, Partner
from wendu.identity.oauth import (
    OAuthError,
    TokenResponse,
    exchange_authorization_code,
    grant_client_credentials,
    issue_authorization_code,
    new_pkce_pair,
    scope_for_consent,
)
from wendu.identity.partners import get_partner_by_client_id
from wendu.identity.tokens import verify_access_token
from wendu.ledger.models import Account, Customer

# Stands in for a browser redirect when the partner registered no redirect URI.
SANDBOX_REDIRECT_URI = "urn:wendu:sandbox:redirect"


@dataclass(frozen=True)
class SandboxCustomer:
    """A customer to try the flows with."""

    customer_id: str
    name: str
    username: str | None
    account_ids: list[str]


@dataclass(frozen=True)
class SandboxConsent:
    """An authorised consent and the tokens the partner would now hold."""

    consent_id: str
    access_token: str
    refresh_token: str | None
    account_ids: list[str]


def require_sandbox(settings: Settings) -> None:
    """Refuse sandbox automation in production."""
    if settings.is_production:
        raise sandbox_only()


def list_customers(session: Session, limit: int) -> list[SandboxCustomer]:
    """Return up to ``limit`` customers, newest first, with login names and account ids."""
    rows = session.execute(
        select(Customer, CustomerLogin.username)
        .outerjoin(CustomerLogin, CustomerLogin.customer_id == Customer.id)
        .order_by(Customer.created_at.desc(), Customer.id)
        .limit(max(limit, 0))
    ).all()
    ids = [c.id for c, _ in rows]
    accounts: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for account_id, customer_id in session.execute(
            select(Account.id, Account.customer_id)
            .where(Account.customer_id.in_(ids), Account.kind != "internal")
            .order_by(Account.opened_on, Account.id)
        ):
            if customer_id is not None:
                accounts[customer_id].append(account_id)
    return [SandboxCustomer(c.id, c.full_name, username, accounts[c.id]) for c, username in rows]


def _partner(session: Session, client_id: str) -> Partner:
    partner = get_partner_by_client_id(session, client_id)
    if partner is None or partner.status != "active":
        raise unknown_resource("client")
    return partner


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise unknown_resource("customer")
    return customer


def _as_wendu_error(err: OAuthError) -> WenduError:
    return bad_request(f"{err.error}: {err.description}", code="U014")


def authorise_and_exchange(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    partner: Partner,
    consent: Consent,
    customer_id: str,
    account_ids: Sequence[str] | None = None,
) -> TokenResponse:
    """Authorise an AWAU consent as the customer and exchange a PKCE-bound code for tokens.

    ``account_ids=None`` picks every account the consent may use (the first one for
    single-account consents such as payments).
    """
    _customer(session, customer_id)
    if consent.partner_id != partner.id:
        raise unknown_resource("consent")
    if account_ids is None:
        available = [a.id for a in selectable_accounts(session, consent, customer_id)]
        account_ids = available if consent.kind == "account-access" else available[:1]
    authorise_consent(session, consent, customer_id, account_ids)
    redirect_uri = (partner.redirect_uris or [SANDBOX_REDIRECT_URI])[0]
    pkce = new_pkce_pair()
    code = issue_authorization_code(
        session,
        settings,
        partner=partner,
        consent=consent,
        redirect_uri=redirect_uri,
        code_challenge=pkce.challenge,
        scope=scope_for_consent(consent, "openid"),
    )
    try:
        return exchange_authorization_code(
            session,
            keyring,
            settings,
            partner,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=pkce.verifier,
        )
    except OAuthError as err:
        raise _as_wendu_error(err) from err


def sandbox_account_consent(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    client_id: str,
    customer_id: str,
    permissions: Sequence[str],
    account_ids: Sequence[str] | None = None,
) -> SandboxConsent:
    """Create and authorise an account-access consent; return its tokens."""
    # Imported here because openbanking sits above identity in the dependency order.
    from wendu.openbanking.consents import create_account_access_consent

    require_sandbox(settings)
    partner = _partner(session, client_id)
    _customer(session, customer_id)
    try:
        app_token = grant_client_credentials(session, keyring, settings, partner, "accounts")
    except OAuthError as err:
        raise _as_wendu_error(err) from err
    caller = verify_access_token(session, keyring, settings, app_token.access_token)
    consent = create_account_access_consent(
        session, partner_id=caller.partner_id, permissions=permissions
    )
    return sandbox_existing_consent(
        session,
        keyring,
        settings,
        client_id=client_id,
        customer_id=customer_id,
        consent_id=consent.id,
        account_ids=account_ids,
    )


def sandbox_existing_consent(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    client_id: str,
    customer_id: str,
    consent_id: str,
    account_ids: Sequence[str] | None = None,
) -> SandboxConsent:
    """Authorise a consent the partner already created (e.g. a payment consent); return tokens."""
    require_sandbox(settings)
    partner = _partner(session, client_id)
    consent = session.get(Consent, consent_id)
    if consent is None or consent.partner_id != partner.id:
        raise unknown_resource("consent")
    tokens = authorise_and_exchange(
        session,
        keyring,
        settings,
        partner=partner,
        consent=consent,
        customer_id=customer_id,
        account_ids=account_ids,
    )
    return SandboxConsent(
        consent_id=consent.id,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        account_ids=list(consent.account_ids),
    )
