"""Identity test helpers: a partner, a customer who can log in, and browser steps over HTTP."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from httpx import Response
from starlette.types import ASGIApp

from factories import make_account, make_customer
from wendu.db import Database
from wendu.identity.customers import create_login
from wendu.identity.oauth import PkcePair, new_pkce_pair
from wendu.identity.partners import RegisteredPartner, register_partner
from wendu.openbanking.consents import create_account_access_consent

PASSWORD = "correct-horse-battery"
PERMISSIONS = ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
               "ReadTransactionsCredits", "ReadTransactionsDebits"]  # fmt: skip


@dataclass
class World:
    """One partner and one customer with two accounts, unique to a test."""

    partner: RegisteredPartner
    redirect_uri: str
    customer_id: str
    username: str
    account_ids: list[str]
    password: str = PASSWORD

    @property
    def client_id(self) -> str:
        return self.partner.partner.client_id

    @property
    def secret(self) -> str:
        return self.partner.client_secret


@dataclass
class Authorised:
    """The outcome of a completed authorize flow."""

    consent_id: str
    code: str
    state: str
    pkce: PkcePair
    location: str
    tokens: dict[str, object] = field(default_factory=dict)


def new_browser(app: ASGIApp) -> TestClient:
    """Return a client with its own cookie jar and its own address, like another device.

    The platform limits unauthenticated OAuth traffic per client IP, so each simulated
    device gets a distinct address instead of all tests sharing one bucket.
    """
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def hidden(html: str, name: str) -> str:
    """Return the value of the hidden form field ``name``."""
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1).replace("&amp;", "&")


def query_of(location: str) -> dict[str, str]:
    """Return the single-valued query parameters of a redirect Location."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Flow:
    """Builders and browser steps shared by the identity tests."""

    def __init__(self, db: Database, browser: TestClient) -> None:
        self.db = db
        self.browser = browser

    def make_world(self, *, roles: tuple[str, ...] = ("AISP", "PISP", "CBPII")) -> World:
        """Create a partner and a customer (with login and two accounts) committed for HTTP use."""
        tag = secrets.token_hex(4)
        redirect_uri = f"https://app-{tag}.example.com/callback"
        with self.db.session() as s:
            partner = register_partner(
                s,
                name=f"Budget App {tag}",
                redirect_uris=[redirect_uri],
                roles=roles,
                signing=False,
            )
            customer = make_customer(s)
            accounts = [make_account(s, customer), make_account(s, customer, kind="savings")]
            username = f"user-{tag}"
            create_login(s, customer, username=username, password=PASSWORD)
            return World(partner, redirect_uri, customer.id, username, [a.id for a in accounts])

    def new_consent(self, world: World, permissions: list[str] | None = None) -> str:
        """Create an AWAU account-access consent for the world's partner; return its id."""
        with self.db.session() as s:
            consent = create_account_access_consent(
                s, partner_id=world.partner.partner.id, permissions=permissions or PERMISSIONS
            )
            return consent.id

    @staticmethod
    def authorize_params(
        world: World, consent_id: str, pkce: PkcePair, state: str, scope: str = "openid accounts"
    ) -> dict[str, str]:
        """Return the query of a well-formed authorization request."""
        return {
            "response_type": "code",
            "client_id": world.client_id,
            "redirect_uri": world.redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": "n-" + state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
            "consent_id": consent_id,
        }

    def login(self, world: World, page: Response) -> Response:
        """Submit the login form shown on ``page``."""
        assert page.status_code == 200, page.headers.get("location", page.text)
        return self.browser.post(
            "/oauth2/authorize/login",
            data={
                "username": world.username,
                "password": world.password,
                "csrf_token": hidden(page.text, "csrf_token"),
                "req": hidden(page.text, "req"),
                "lang": hidden(page.text, "lang"),
            },
        )

    def approve(
        self,
        world: World,
        *,
        consent_id: str | None = None,
        accounts: list[str] | None = None,
        decision: str = "approve",
        scope: str = "openid accounts",
        page_text: list[str] | None = None,
    ) -> Authorised:
        """Drive authorize → login → consent over HTTP and return the partner's redirect."""
        consent_id = consent_id or self.new_consent(world)
        pkce = new_pkce_pair()
        state = secrets.token_hex(8)
        page = self.browser.get(
            "/oauth2/authorize", params=self.authorize_params(world, consent_id, pkce, state, scope)
        )
        after_login = self.login(world, page)
        assert after_login.status_code == 303, after_login.text
        consent_page = self.browser.get(after_login.headers["location"])
        assert consent_page.status_code == 200, consent_page.text
        if page_text is not None:
            page_text.append(consent_page.text)
        decided = self.browser.post(
            "/oauth2/authorize/consent",
            data={
                "csrf_token": hidden(consent_page.text, "csrf_token"),
                "req": hidden(consent_page.text, "req"),
                "decision": decision,
                "account_id": accounts if accounts is not None else world.account_ids,
            },
        )
        assert decided.status_code == 303, decided.text
        location = decided.headers["location"]
        query = query_of(location)
        return Authorised(consent_id, query.get("code", ""), state, pkce, location)

    def exchange(self, world: World, auth: Authorised, **overrides: str) -> Response:
        """Redeem the code at the token endpoint with client_secret_basic."""
        data = {
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": world.redirect_uri,
            "code_verifier": auth.pkce.verifier,
            **overrides,
        }
        return self.browser.post("/oauth2/token", data=data, auth=(world.client_id, world.secret))
