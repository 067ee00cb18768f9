"""Customer web pages: the authorize flow (login → consent → redirect), login and connected apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.deps import SessionDep, SettingsDep
from wendu.errors import WenduError
from wendu.identity import browser
from wendu.identity.authorisation import (
    ACCOUNT_ACCESS,
    authorise_consent,
    reject_consent,
    selectable_accounts,
)
from wendu.identity.authorize import (
    AuthorizationRequest,
    AuthorizeError,
    add_query,
    error_redirect,
    seal,
    unseal,
    validate_authorization_request,
)
from wendu.identity.connected_apps import list_connected_apps, revoke_connected_app
from wendu.identity.customers import authenticate_customer
from wendu.identity.models import Consent, Partner
from wendu.identity.oauth import issue_authorization_code
from wendu.identity.partners import get_partner_by_client_id
from wendu.identity.texts import UI, kind_text, permission_text
from wendu.kit.redirects import local_path
from wendu.ledger.models import Account

router = APIRouter(include_in_schema=False)

OptionalForm = Annotated[str | None, Form()]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=dict(browser.PAGE_HEADERS))


def _message(lang: str, key: str, status_code: int, detail: str | None = None) -> HTMLResponse:
    return browser.render(
        "message.html", {"message_key": key, "detail": detail}, lang=lang, status_code=status_code
    )


def _mask(identification: str) -> str:
    return "•••• " + identification[-4:]


def _account_view(account: Account) -> dict[str, str]:
    return {
        "id": account.id,
        "label": account.nickname or account.kind,
        "masked": _mask(account.identification),
        "currency": account.currency,
    }


def _payment_view(consent: Consent) -> dict[str, str] | None:
    data: dict[str, Any] = consent.data or {}
    initiation = data.get("Initiation")
    if not isinstance(initiation, dict):
        return None
    amount = initiation.get("InstructedAmount") or {}
    creditor = initiation.get("CreditorAccount") or {}
    remittance = initiation.get("RemittanceInformation") or {}
    reference = remittance.get("Reference") or remittance.get("Unstructured") or ""
    if isinstance(reference, list):
        reference = " ".join(str(r) for r in reference)
    return {
        "amount": str(amount.get("Amount", "")),
        "currency": str(amount.get("Currency", "")),
        "payee": str(creditor.get("Name", "")),
        "payee_account": _mask(str(creditor.get("Identification", "????"))),
        "reference": str(reference),
    }


@dataclass(frozen=True)
class _LoginForm:
    """Where the login form posts, what it carries along, and the partner it names (if any)."""

    action: str
    hidden: dict[str, str]
    partner_name: str | None


def _authorize_login(sealed: str, lang: str, partner: Partner) -> _LoginForm:
    return _LoginForm("/oauth2/authorize/login", {"req": sealed, "lang": lang}, partner.name)


def _customer_login(target: str, lang: str) -> _LoginForm:
    return _LoginForm("/customer/login", {"next": target, "lang": lang}, None)


def _consent_url(sealed: str, lang: str) -> str:
    return add_query("/oauth2/authorize/consent", {"req": sealed, "lang": lang})


@dataclass(frozen=True)
class _Pending:
    """An authorization request the pages carry sealed, with its partner and consent."""

    sealed: str
    auth: AuthorizationRequest
    partner: Partner
    consent: Consent


def _pending(session: Session, settings: Settings, sealed: str | None) -> _Pending | None:
    """Unseal the request and load its partner and consent; None if stale, forged or mismatched."""
    auth = unseal(settings, sealed)
    if auth is None or sealed is None:
        return None
    partner = get_partner_by_client_id(session, auth.client_id)
    consent = session.get(Consent, auth.consent_id)
    if partner is None or consent is None or consent.partner_id != partner.id:
        return None
    return _Pending(sealed, auth, partner, consent)


def _login_page(
    request: Request,
    settings: Settings,
    form: _LoginForm,
    *,
    lang: str,
    failed: bool = False,
) -> HTMLResponse:
    csrf, cookie = browser.csrf_token(request, settings)
    response = browser.render(
        "login.html",
        {
            "action": form.action,
            "hidden": form.hidden,
            "csrf": csrf,
            "partner_name": form.partner_name,
            "failed": failed,
        },
        lang=lang,
        status_code=401 if failed else 200,
        request=request,
    )
    browser.set_csrf_cookie(response, settings, cookie)
    return response


def _log_in(
    request: Request,
    session: Session,
    settings: Settings,
    form: _LoginForm,
    *,
    lang: str,
    username: str | None,
    password: str | None,
    target: str,
) -> Response:
    """Check the credentials: show ``form`` again on failure, else start the session and go on."""
    customer = authenticate_customer(session, username or "", password or "")
    if customer is None:
        return _login_page(request, settings, form, lang=lang, failed=True)
    response = _redirect(target)
    browser.start_session(response, settings, session, customer.id)
    return response


def _consent_page(
    request: Request,
    session: Session,
    settings: Settings,
    pending: _Pending,
    *,
    lang: str,
    customer_id: str,
    error: str | None = None,
) -> HTMLResponse:
    csrf, cookie = browser.csrf_token(request, settings)
    consent = pending.consent
    accounts = selectable_accounts(session, consent, customer_id)
    response = browser.render(
        "consent.html",
        {
            "req": pending.sealed,
            "csrf": csrf,
            "partner_name": pending.partner.name,
            "kind": kind_text(consent.kind, lang),
            "permissions": [permission_text(p, lang) for p in consent.permissions or []],
            "multiple": consent.kind == ACCOUNT_ACCESS,
            "accounts": [_account_view(a) for a in accounts],
            "payment": _payment_view(consent),
            "expires_at": consent.expires_at,
            "transaction_from": consent.transaction_from,
            "transaction_to": consent.transaction_to,
            "error": error,
        },
        lang=lang,
        status_code=400 if error else 200,
        request=request,
    )
    browser.set_csrf_cookie(response, settings, cookie)
    return response


@router.get("/oauth2/authorize")
def authorize(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Start a customer's authorization: validate the request, then log in or go to consent."""
    lang = browser.pick_language(request)
    try:
        auth, partner, _consent = validate_authorization_request(
            session, settings, request.query_params
        )
    except AuthorizeError as err:
        if err.redirect_uri is None:
            return _message(lang, "error_title", 400, err.description)
        return _redirect(error_redirect(settings, err))
    sealed = seal(settings, auth)
    if browser.customer_id_from(request, settings) is not None:
        return _redirect(_consent_url(sealed, lang))
    return _login_page(request, settings, _authorize_login(sealed, lang, partner), lang=lang)


@router.post("/oauth2/authorize/login")
def authorize_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: OptionalForm = None,
    password: OptionalForm = None,
    req: OptionalForm = None,
    csrf_token: OptionalForm = None,
    lang: OptionalForm = None,
) -> Response:
    """Check the customer's credentials, start their web session and show the consent page."""
    language = browser.pick_language(request, lang)
    if not browser.csrf_ok(request, settings, csrf_token):
        return _message(language, "csrf_failed", 403)
    pending = _pending(session, settings, req)
    if pending is None:
        return _message(language, "session_expired", 400)
    return _log_in(
        request,
        session,
        settings,
        _authorize_login(pending.sealed, language, pending.partner),
        lang=language,
        username=username,
        password=password,
        target=_consent_url(pending.sealed, language),
    )


@router.get("/oauth2/authorize/consent")
def consent_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Show the partner, what it asks for in plain words, and the accounts to choose."""
    lang = browser.pick_language(request)
    pending = _pending(session, settings, request.query_params.get("req"))
    if pending is None:
        return _message(lang, "session_expired", 400)
    customer_id = browser.customer_id_from(request, settings)
    if customer_id is None:
        form = _authorize_login(pending.sealed, lang, pending.partner)
        return _login_page(request, settings, form, lang=lang)
    if pending.consent.status != "AWAU":
        return _message(lang, "session_expired", 400)
    return _consent_page(request, session, settings, pending, lang=lang, customer_id=customer_id)


@router.post("/oauth2/authorize/consent")
def consent_decision(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    req: OptionalForm = None,
    csrf_token: OptionalForm = None,
    decision: OptionalForm = None,
    lang: OptionalForm = None,
    account_id: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Record the customer's decision and send them back to the partner with a code or error."""
    language = browser.pick_language(request, lang)
    if not browser.csrf_ok(request, settings, csrf_token):
        return _message(language, "csrf_failed", 403)
    pending = _pending(session, settings, req)
    customer_id = browser.customer_id_from(request, settings)
    if pending is None or customer_id is None:
        return _message(language, "session_expired", 400)
    auth, partner, consent = pending.auth, pending.partner, pending.consent
    if decision not in ("approve", "deny"):
        return _message(language, "csrf_failed", 400)
    try:
        if decision == "approve":
            authorise_consent(session, consent, customer_id, account_id or [])
        else:
            reject_consent(session, consent, customer_id)
    except WenduError as err:
        if consent.status != "AWAU":
            return _message(language, "session_expired", 400)
        return _consent_page(
            request,
            session,
            settings,
            pending,
            lang=language,
            customer_id=customer_id,
            error=UI[language][_decision_error(err)],
        )
    if consent.status == "RJCT":
        target = error_redirect(
            settings,
            AuthorizeError(
                "access_denied", "The customer denied the request", auth.redirect_uri, auth.state
            ),
        )
        return _redirect(target)
    code = issue_authorization_code(
        session,
        settings,
        partner=partner,
        consent=consent,
        redirect_uri=auth.redirect_uri,
        code_challenge=auth.code_challenge,
        scope=auth.scope,
        nonce=auth.nonce,
    )
    target = add_query(
        auth.redirect_uri, {"code": code, "state": auth.state, "iss": settings.public_url}
    )
    return _redirect(target)


def _decision_error(err: WenduError) -> str:
    """Return the UI text key for a refused consent decision."""
    code = err.items[0].code
    if code == "U001":
        return "pick_accounts"
    if code == "U004":
        return "account_unavailable"
    return "pick_one_account"


def _safe_next(target: str | None) -> str:
    # Only local paths, so the login page cannot be turned into an open redirect.
    return local_path(target, default="/customer/apps")


@router.get("/customer/login")
def customer_login_page(request: Request, settings: SettingsDep) -> Response:
    """Show the customer login form."""
    lang = browser.pick_language(request)
    form = _customer_login(_safe_next(request.query_params.get("next")), lang)
    return _login_page(request, settings, form, lang=lang)


@router.post("/customer/login")
def customer_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: OptionalForm = None,
    password: OptionalForm = None,
    csrf_token: OptionalForm = None,
    next: OptionalForm = None,
    lang: OptionalForm = None,
) -> Response:
    """Log the customer in and continue to ``next`` (their connected apps by default)."""
    language = browser.pick_language(request, lang)
    if not browser.csrf_ok(request, settings, csrf_token):
        return _message(language, "csrf_failed", 403)
    target = _safe_next(next)
    return _log_in(
        request,
        session,
        settings,
        _customer_login(target, language),
        lang=language,
        username=username,
        password=password,
        target=add_query(target, {"lang": language}),
    )


@router.post("/customer/logout")
def customer_logout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: OptionalForm = None,
    lang: OptionalForm = None,
) -> Response:
    """Log the customer out of the bank's website."""
    language = browser.pick_language(request, lang)
    if not browser.csrf_ok(request, settings, csrf_token):
        return _message(language, "csrf_failed", 403)
    response = _redirect(add_query("/customer/login", {"lang": language}))
    browser.end_session(response, request, settings, session)
    return response


def _apps_page(
    request: Request,
    session: Session,
    settings: Settings,
    customer_id: str,
    *,
    lang: str,
    revoked: bool = False,
) -> HTMLResponse:
    csrf, cookie = browser.csrf_token(request, settings)
    apps = [
        {
            "consent_id": app.consent_id,
            "partner_name": app.partner_name,
            "kind": kind_text(app.kind, lang),
            "permissions": [permission_text(p, lang) for p in app.permissions],
            "accounts": len(app.account_ids),
            "authorised_at": app.authorised_at,
            "expires_at": app.expires_at,
        }
        for app in list_connected_apps(session, customer_id)
    ]
    response = browser.render(
        "apps.html", {"apps": apps, "csrf": csrf, "revoked": revoked}, lang=lang, request=request
    )
    browser.set_csrf_cookie(response, settings, cookie)
    return response


@router.get("/customer/apps")
def apps_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """List the customer's connected apps with a revoke button for each."""
    lang = browser.pick_language(request)
    customer_id = browser.customer_id_from(request, settings)
    if customer_id is None:
        return _redirect(add_query("/customer/login", {"next": "/customer/apps", "lang": lang}))
    revoked = request.query_params.get("revoked") == "1"
    return _apps_page(request, session, settings, customer_id, lang=lang, revoked=revoked)


@router.post("/customer/apps/{consent_id}/revoke")
def apps_revoke(
    consent_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: OptionalForm = None,
    lang: OptionalForm = None,
) -> Response:
    """Revoke one app from the connected-apps page."""
    language = browser.pick_language(request, lang)
    if not browser.csrf_ok(request, settings, csrf_token):
        return _message(language, "csrf_failed", 403)
    customer_id = browser.customer_id_from(request, settings)
    if customer_id is None:
        return _redirect(add_query("/customer/login", {"next": "/customer/apps"}))
    revoke_connected_app(session, customer_id, consent_id)
    return _redirect(add_query("/customer/apps", {"revoked": "1", "lang": language}))
