"""The bank's own web chat widget: a page, and a first-party token for the signed-in customer.

The customer signs in on the bank's login page (``/customer/login``); the widget then asks
for a token: the bank's own web-chat app gets an account-access consent the customer
authorises (they are signed in, on the bank's own site), through the same consent and
code-exchange steps a partner uses. The token lives only in the page's memory.

**A reload continues the chat.** Reloading the page loses that memory, so the widget asks
for a token again. When the customer's newest widget chat is still open (with the
assistant or waiting for or talking to a colleague), was active within ``RESUME_WITHIN``
and its consent is still authorised, the new token is issued on that same consent and the
answer names the chat (``session_id``): the page reads the transcript back and carries on.
Otherwise a fresh consent starts and ``session_id`` is null. Either way one widget consent
per customer stays live: the others end.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.assistant.dialogue.models import ChatSession
from wendu.assistant.traditional import to_script
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.errors import forbidden, unauthorized
from wendu.helpdesk.models import Conversation
from wendu.identity.browser import customer_id_from, same_origin
from wendu.identity.connected_apps import revoke_connected_app
from wendu.identity.models import Consent, Partner
from wendu.identity.oauth import scope_for_consent
from wendu.identity.partners import is_first_party as partner_is_first_party
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import authorise_and_exchange
from wendu.identity.tokens import issue_access_token

FIRST_PARTY_NAME = "wendu web chat (first party)"
WIDGET_PERMISSIONS = (
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
)
OPEN_STATUSES = ("bot", "queued", "assigned")  # a chat in these can be continued
RESUME_WITHIN = timedelta(hours=12)  # a chat quiet for longer starts afresh
RESUMED_GRANT = "first_party_session"  # how a token for a continued chat was granted


def first_party_partner(session: Session) -> Partner | None:
    """Return the bank's own web-chat app, if registered.

    Recognised by the first-party role, which only code can grant — a partner that merely
    registers the same name through the API gets nothing from it.
    """
    candidates = session.execute(
        select(Partner)
        .where(Partner.name == FIRST_PARTY_NAME)
        .order_by(Partner.created_at, Partner.id)
    ).scalars()
    return next((p for p in candidates if partner_is_first_party(p)), None)


def is_first_party(session: Session, partner_id: str) -> bool:
    """Return True when ``partner_id`` is one of the bank's own apps."""
    partner = session.get(Partner, partner_id)
    return partner is not None and partner_is_first_party(partner)


def first_party(session: Session) -> Partner:
    """Return the bank's own web-chat app, registering it on first use."""
    partner = first_party_partner(session)
    if partner is None:
        partner = register_partner(
            session, name=FIRST_PARTY_NAME, signing=False, first_party=True
        ).partner
    return partner


@dataclass(frozen=True)
class WidgetToken:
    """A token for the widget, and the open chat it continues (None: open a new one)."""

    access_token: str
    expires_in: int
    session_id: str | None


def resumable_chat(session: Session, partner_id: str, customer_id: str) -> ChatSession | None:
    """Return the customer's newest widget chat that a reload may continue, if any.

    It must still be open, have had a message within ``RESUME_WITHIN``, and its consent
    must still be authorised and unexpired (a revoked consent never comes back).
    """
    now = utcnow()
    row = session.execute(
        select(ChatSession, Consent)
        .join(Conversation, Conversation.id == ChatSession.conversation_id)
        .join(Consent, Consent.id == ChatSession.consent_id)
        .where(
            ChatSession.partner_id == partner_id,
            ChatSession.customer_id == customer_id,
            ChatSession.channel == "web_widget",
            Conversation.status.in_(OPEN_STATUSES),
            Conversation.updated_at >= now - RESUME_WITHIN,
            Consent.status == "AUTH",
        )
        .order_by(Conversation.updated_at.desc(), ChatSession.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    chat, consent = row
    if consent.expires_at is not None and consent.expires_at <= now:
        return None
    return chat


def grant_widget_token(session: Session, request: Request, customer_id: str) -> WidgetToken:
    """Issue the signed-in customer's widget token: on the open chat's consent, or a new one."""
    from wendu.openbanking.consents import create_account_access_consent

    settings: Settings = request.app.state.settings
    partner = first_party(session)
    chat = resumable_chat(session, partner.id, customer_id)
    keep = chat.consent_id if chat is not None else None
    # One live widget consent per customer: every other one ends now.
    for old in session.execute(
        select(Consent.id).where(
            Consent.partner_id == partner.id,
            Consent.customer_id == customer_id,
            Consent.status == "AUTH",
        )
    ).scalars():
        if old != keep:
            revoke_connected_app(session, customer_id, old)
    if chat is not None:
        consent = session.get(Consent, chat.consent_id)
        assert consent is not None  # resumable_chat joined it
        issued = issue_access_token(
            session,
            request.app.state.keyring,
            settings,
            partner=partner,
            scope=scope_for_consent(consent, None),
            grant_type=RESUMED_GRANT,
            customer_id=customer_id,
            consent_id=consent.id,
        )
        return WidgetToken(issued.access_token, issued.expires_in, chat.id)
    consent = create_account_access_consent(
        session, partner_id=partner.id, permissions=list(WIDGET_PERMISSIONS)
    )
    tokens = authorise_and_exchange(
        session,
        request.app.state.keyring,
        settings,
        partner=partner,
        consent=consent,
        customer_id=customer_id,
    )
    return WidgetToken(tokens.access_token, tokens.expires_in, None)


def issue_widget_token(request: Request) -> Response:
    """Return ``{access_token, expires_in, session_id}`` for the customer signed in here.

    ``session_id`` names the open chat this token continues, or is null (open a new one).
    """
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    if not same_origin(request, settings):
        raise forbidden("Cross-site requests are not allowed")
    customer_id = customer_id_from(request, settings)
    if customer_id is None:
        raise unauthorized("Log in to the bank's website first")
    with db.session() as session:
        token = grant_widget_token(session, request, customer_id)
    body = {
        "access_token": token.access_token,
        "expires_in": token.expires_in,
        "session_id": token.session_id,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def widget_script(request: Request, region: str = "HK") -> str:
    """Return the Chinese script the widget speaks: "Hant-HK", "Hant-TW" or "Hans".

    From ``?lang=`` (zh-HK, zh-TW, zh-Hant, zh-CN, ...) or else the browser's first Chinese
    language: zh-HK/zh-MO/yue are Hong Kong Traditional, zh-TW Taiwan, zh-Hant without a
    region ``region`` (the setting ``traditional_region``); everything else simplified.
    """
    asked = request.query_params.get("lang") or ""
    tags = [asked] if asked.lower().startswith(("zh", "yue")) else []
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip()
        if tag.lower().startswith(("zh", "yue")):
            tags.append(tag)
    if not tags:
        return "Hans"
    tag = tags[0].lower().replace("_", "-")
    if tag.startswith("yue") or any(r in tag for r in ("-hk", "-mo")):
        return "Hant-HK"
    if "-tw" in tag:
        return "Hant-TW"
    if "hant" in tag:
        return "Hant-TW" if region == "TW" else "Hant-HK"
    return "Hans"


def widget_page(request: Request) -> HTMLResponse:
    """Render the widget page; it sends visitors who are not signed in to the login page.

    A Traditional Chinese browser (zh-HK, zh-TW, ``?lang=zh-HK``) gets the page in
    Traditional, and the chat it opens answers in Traditional from the first reply.
    """
    settings: Settings = request.app.state.settings
    signed_in = customer_id_from(request, settings) is not None
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    script = widget_script(request, settings.traditional_region) if lang == "zh" else ""
    config = json.dumps(
        {"signedIn": signed_in, "lang": lang, "script": script, "login": "/customer/login"}
    )
    zh = lang == "zh"
    title = to_script("在线客服", script) if zh else "Chat with us"
    label = (
        to_script("输入消息，按回车发送", script)
        if zh
        else "Type a message and press Enter to send"
    )
    html_lang = {"Hant-HK": "zh-HK", "Hant-TW": "zh-TW"}.get(script, lang)
    # The input stays disabled until the script has a token and an open chat.
    page = f"""<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {html.escape(settings.bank_name)}</title>
<link rel="stylesheet" href="/chat/static/widget.css"></head>
<body><main id="wendu-chat" class="chat" data-config='{html.escape(config)}'>
<header><h1>{html.escape(title)}</h1><p id="status" role="status"></p></header>
<ol id="log" class="log" aria-live="polite"></ol>
<form id="form"><label for="text" class="visually-hidden">{label}</label>
<input id="text" autocomplete="off" maxlength="2000" placeholder="{label}" disabled>
<button id="send" type="submit" disabled>{to_script("发送", script) if zh else "Send"}</button>
</form>
</main><script src="/chat/static/widget.js"></script></body></html>"""
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
            "Cache-Control": "no-store",
        },
    )
