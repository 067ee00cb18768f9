"""Every route the app serves, and who may call it.

``walk`` reads the app's real routing table (``app.routes``, descending into included
routers), so a route added anywhere appears here, and the classification test fails until
someone decides who may call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter

# Who may call a route:
#   public        anyone (health, discovery, docs, catalogue, knowledge, login pages, assets)
#   client-auth   a partner authenticating with its client secret (OAuth endpoints)
#   admin         the registration/admin token
#   client        a partner's client-credentials access token
#   customer      an access token the customer authorised (bound to a consent)
#   partner       either kind of partner access token
#   web           the customer's bank web session (cookie)
#   staff         a helpdesk staff token (or the console cookie)
#   console       the console's staff session cookie
#   conversation  the helpdesk channel's signed conversation token (header)
#   flow          a step of the OAuth browser flow: needs its signed flow state (400 without)
#   capability    a signed token in the URL itself (CSAT survey links)
ROUTES: dict[tuple[str, str], str] = {}


def _table(text: str) -> None:
    for line in text.strip().splitlines():
        method, path, kind = line.split()
        ROUTES[(method, path)] = kind


_table(
    """
GET /openapi.json public
GET /docs public
GET /docs/oauth2-redirect public
GET /redoc public
GET /health public
GET /ping public
GET /.well-known/openid-configuration public
GET /.well-known/oauth-authorization-server public
GET /oauth2/jwks public
POST /oauth2/token client-auth
POST /oauth2/revoke client-auth
GET /oauth2/userinfo partner
POST /register admin
GET /admin/v1/partners admin
GET /customer/v1/connected-apps web
DELETE /customer/v1/connected-apps/{consent_id} web
GET /oauth2/authorize public
POST /oauth2/authorize/login public
GET /oauth2/authorize/consent flow
POST /oauth2/authorize/consent flow
GET /customer/login public
POST /customer/login public
POST /customer/logout web
GET /customer/apps web
POST /customer/apps/{consent_id}/revoke web
POST /open-banking/v4.0/aisp/account-access-consents client
GET /open-banking/v4.0/aisp/account-access-consents/{ConsentId} client
DELETE /open-banking/v4.0/aisp/account-access-consents/{ConsentId} client
GET /open-banking/v4.0/aisp/accounts customer
GET /open-banking/v4.0/aisp/accounts/{AccountId} customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/balances customer
GET /open-banking/v4.0/aisp/balances customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/transactions customer
GET /open-banking/v4.0/aisp/transactions customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/beneficiaries customer
GET /open-banking/v4.0/aisp/beneficiaries customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/standing-orders customer
GET /open-banking/v4.0/aisp/standing-orders customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/product customer
GET /open-banking/v4.0/aisp/products customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/party customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/parties customer
GET /open-banking/v4.0/aisp/party customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/direct-debits customer
GET /open-banking/v4.0/aisp/direct-debits customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/scheduled-payments customer
GET /open-banking/v4.0/aisp/scheduled-payments customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/offers customer
GET /open-banking/v4.0/aisp/offers customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/statements customer
GET /open-banking/v4.0/aisp/statements customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/statements/{StatementId} customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/statements/{StatementId}/file customer
GET /open-banking/v4.0/aisp/accounts/{AccountId}/statements/{StatementId}/transactions customer
GET /api/v1/products public
POST /open-banking/v4.0/pisp/domestic-payment-consents client
GET /open-banking/v4.0/pisp/domestic-payment-consents/{ConsentId} partner
GET /open-banking/v4.0/pisp/domestic-payment-consents/{ConsentId}/funds-confirmation customer
POST /open-banking/v4.0/pisp/domestic-payments customer
GET /open-banking/v4.0/pisp/domestic-payments/{DomesticPaymentId} partner
GET /open-banking/v4.0/pisp/domestic-payments/{DomesticPaymentId}/payment-details partner
POST /open-banking/v4.0/pisp/domestic-scheduled-payment-consents client
GET /open-banking/v4.0/pisp/domestic-scheduled-payment-consents/{ConsentId} partner
POST /open-banking/v4.0/pisp/domestic-scheduled-payments customer
GET /open-banking/v4.0/pisp/domestic-scheduled-payments/{DomesticScheduledPaymentId} partner
POST /open-banking/v4.0/pisp/domestic-standing-order-consents client
GET /open-banking/v4.0/pisp/domestic-standing-order-consents/{ConsentId} partner
POST /open-banking/v4.0/pisp/domestic-standing-orders customer
GET /open-banking/v4.0/pisp/domestic-standing-orders/{DomesticStandingOrderId} partner
POST /open-banking/v4.0/cbpii/funds-confirmation-consents client
GET /open-banking/v4.0/cbpii/funds-confirmation-consents/{ConsentId} client
DELETE /open-banking/v4.0/cbpii/funds-confirmation-consents/{ConsentId} client
POST /open-banking/v4.0/cbpii/funds-confirmations customer
GET /console/static/{name} public
GET /console/login public
POST /console/login public
POST /console/logout console
POST /console/language console
GET /console console
GET /console/partners console
GET /console/inbox console
POST /console/presence console
GET /console/conversations/{conversation_id} console
POST /console/conversations/{conversation_id}/pick-up console
POST /console/conversations/{conversation_id}/messages console
POST /console/conversations/{conversation_id}/transfer console
POST /console/conversations/{conversation_id}/hand-back console
POST /console/conversations/{conversation_id}/resolve console
GET /console/tickets console
GET /console/tickets/{ticket_id} console
POST /console/tickets/{ticket_id}/status console
POST /console/tickets/{ticket_id}/update console
POST /console/tickets/{ticket_id}/accept-suggestion console
GET /console/customers/{customer_id} console
GET /console/sla console
GET /console/reports console
GET /console/reports/drill console
GET /console/kb console
POST /console/kb console
GET /console/kb/{slug} console
POST /console/kb/{slug} console
GET /console/audit console
GET /console/reputation console
GET /console/{rest:path} public
POST /open-banking/v4.0/event-subscriptions client
GET /open-banking/v4.0/event-subscriptions client
PUT /open-banking/v4.0/event-subscriptions/{EventSubscriptionId} client
DELETE /open-banking/v4.0/event-subscriptions/{EventSubscriptionId} client
POST /open-banking/v4.0/events client
POST /helpdesk/v1/auth/token public
GET /helpdesk/v1/me staff
GET /helpdesk/v1/teams staff
POST /helpdesk/v1/teams staff
POST /helpdesk/v1/teams/{team_id}/members staff
GET /helpdesk/v1/agents staff
PUT /helpdesk/v1/agents/me/presence staff
POST /helpdesk/v1/conversations staff
GET /helpdesk/v1/conversations staff
GET /helpdesk/v1/conversations/{conversation_id} staff
POST /helpdesk/v1/conversations/{conversation_id}/messages staff
POST /helpdesk/v1/conversations/{conversation_id}/handoff staff
POST /helpdesk/v1/conversations/{conversation_id}/assign staff
POST /helpdesk/v1/conversations/{conversation_id}/transfer staff
POST /helpdesk/v1/conversations/{conversation_id}/hand-back staff
POST /helpdesk/v1/conversations/{conversation_id}/resolve staff
GET /helpdesk/v1/conversations/{conversation_id}/suggestions staff
GET /helpdesk/v1/customers/{customer_id} staff
GET /helpdesk/v1/canned staff
POST /helpdesk/v1/canned staff
GET /helpdesk/v1/canned/{canned_id}/render staff
POST /helpdesk/v1/tickets staff
GET /helpdesk/v1/tickets staff
GET /helpdesk/v1/tickets/{ticket_id} staff
PATCH /helpdesk/v1/tickets/{ticket_id} staff
POST /helpdesk/v1/tickets/{ticket_id}/accept-suggestion staff
POST /helpdesk/v1/tickets/{ticket_id}/status staff
POST /helpdesk/v1/tickets/{ticket_id}/replies staff
POST /helpdesk/v1/tickets/{ticket_id}/links staff
GET /helpdesk/v1/incidents staff
GET /helpdesk/v1/reports/summary staff
GET /helpdesk/v1/reports/drill-down staff
GET /helpdesk/v1/reports/conversations.csv staff
GET /helpdesk/v1/reports/backlog staff
GET /helpdesk/v1/reports/tickets staff
GET /helpdesk/v1/reports/first-experience staff
GET /helpdesk/v1/knowledge/articles staff
POST /helpdesk/v1/knowledge/articles staff
GET /helpdesk/v1/knowledge/articles/{slug} staff
PATCH /helpdesk/v1/knowledge/articles/{slug} staff
POST /reputation/v1/mentions staff
GET /reputation/v1/mentions staff
GET /reputation/v1/alerts staff
POST /helpdesk/v1/channel/conversations public
POST /helpdesk/v1/channel/conversations/{conversation_id}/messages conversation
POST /helpdesk/v1/channel/conversations/{conversation_id}/human conversation
GET /helpdesk/v1/channel/conversations/{conversation_id}/messages conversation
GET /helpdesk/v1/surveys/{token} capability
POST /helpdesk/v1/surveys/{token} capability
GET /customer-api/v1/cards customer
POST /customer-api/v1/cards/{card_id}/freeze customer
GET /customer-api/v1/connected-apps customer
GET /customer-api/v1/merchants customer
DELETE /customer-api/v1/connected-apps/{consent_id} customer
POST /chat/v1/sessions customer
POST /chat/v1/sessions/{chat_id}/messages customer
GET /chat/v1/sessions/{chat_id} customer
GET /chat/v1/sessions/{chat_id}/events customer
GET /chat/v1/sessions/{chat_id}/messages customer
GET /chat/widget public
POST /chat/widget/token web
GET /chat/static/{name} public
GET /api/v1/knowledge/search public
GET /api/v1/knowledge/articles/{slug} public
GET /help/articles/{slug} public
"""
)

# Two payment-details paths are longer than a line of the table.
for _resource, _id in (
    ("domestic-scheduled-payments", "DomesticScheduledPaymentId"),
    ("domestic-standing-orders", "DomesticStandingOrderId"),
):
    ROUTES[("GET", f"/open-banking/v4.0/pisp/{_resource}/{{{_id}}}/payment-details")] = "partner"

PUBLIC = frozenset(route for route, kind in ROUTES.items() if kind == "public")
PARTNER_TOKEN_KINDS = frozenset({"client", "customer", "partner"})


def _flatten(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from _flatten(route.effective_candidates())
            yield from _flatten(route.effective_low_priority_routes())
        else:
            yield route


def walk(app: FastAPI) -> list[tuple[str, str]]:
    """Return every (method, path) the app answers (HEAD, which mirrors GET, left out)."""
    found = {
        (method, route.path)
        for route in _flatten(list(app.routes))
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    return sorted(found)


def with_placeholders(path: str, value: str = "x-unknown-1") -> str:
    """Fill every path parameter of ``path`` with ``value``."""
    return re.sub(r"\{[^}/]+\}", value, path)
