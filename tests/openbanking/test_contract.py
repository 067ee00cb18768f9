"""Contract: every implemented AIS endpoint's responses validate against the official spec.

The spec is read at run time from ../shared (skipped when absent). Each response body is
validated with jsonschema against the schema of that operation and status in the spec,
resolving ``#/components/...`` references through a ``referencing`` registry. A walk over
the app's own routes proves that no implemented endpoint is left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from factories import (
    add_transaction,
    make_account,
    make_beneficiary,
    make_card,
    make_customer,
    make_product,
    make_standing_order,
)
from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database, normalise_url, utcnow
from wendu.demo.seed import seed_bank
from wendu.identity.models import Partner
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import sandbox_account_consent
from wendu.ledger.models import Account, Customer
from wendu.migrate import upgrade
from wendu.openbanking.permissions import PERMISSIONS

AISP = "/open-banking/v4.0/aisp"
SPEC_URI = "urn:uk-openbanking-4.0:account-info"
ERROR_SCHEMA = {"$ref": f"{SPEC_URI}#/components/schemas/OBErrorResponse1"}


def _datetime_with_zone(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme and urlparse(value).netloc)


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_datetime_with_zone)
FORMATS.checks("uri")(_uri)


class Spec:
    """The AIS OpenAPI document with a validator per (path, method, status)."""

    def __init__(self, path: Path) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text())
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def schema_for(self, path: str, method: str, status: int) -> dict[str, Any] | None:
        """Return the body schema of a response, or None when the spec defines no body."""
        operation = self.doc["paths"][path][method]
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method.upper()} {path} may not answer {status}"
        content = self._resolve(response).get("content")
        if not content:
            return None
        schema = content.get("application/json", next(iter(content.values())))["schema"]
        ref = schema["$ref"].split("#", 1)[1]
        return {"$ref": f"{SPEC_URI}#{ref}"}

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        """Raise when ``instance`` does not match ``schema``."""
        validator = jsonschema.Draft202012Validator(
            schema, registry=self.registry, format_checker=FORMATS
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> Spec:
    """Return the official AIS spec from ../shared."""
    return Spec(shared_dir / "specs" / "uk-openbanking-4.0" / "account-info-openapi.json")


def _aisp_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Return every (method, path) the app serves under the AIS prefix, from its OpenAPI."""
    return {
        (method, path.removeprefix(AISP))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(AISP)
        for method in operations
    }


def test_every_endpoint_matches_the_spec(
    app: FastAPI,
    client: TestClient,
    db: Database,
    spec: Spec,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    client_token: Callable[[Partner], str],
) -> None:
    t0 = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    with db.session() as s:
        customer = make_customer(s, city="上海")
        product = make_product(s, kind="savings", risk_level="R1")
        account = make_account(s, customer, product=product)
        card_account = make_account(s, customer, kind="credit_card", overdraft_limit_minor=10**6)
        for i in range(60):
            add_transaction(
                s,
                account,
                (-1) ** i * (1234 + i),
                booked_at=t0 + timedelta(hours=i),
                description=f"商户消费 {i}",
            )
        make_card(s, account).brand = "MasterCard"
        make_card(s, card_account, kind="credit")
        make_beneficiary(s, account)
        make_standing_order(s, account)
        ids = {"customer": customer.id, "account": account.id, "card": card_account.id}
    partner = new_partner()
    full = grant(partner, ids["customer"], [ids["account"], ids["card"]])
    narrow = grant(partner, ids["customer"], [ids["account"]], ["ReadAccountsBasic"])
    cc = {"Authorization": f"Bearer {client_token(partner)}"}

    visited: set[tuple[str, str]] = set()
    checked = 0

    def call(
        method: str,
        template: str,
        expected: int,
        *,
        headers: dict[str, str],
        account_id: str = ids["account"],
        consent_id: str = "aac-none",
        **kwargs: Any,
    ) -> Any:
        nonlocal checked
        url = AISP + template.format(AccountId=account_id, ConsentId=consent_id, StatementId="st-1")
        response = client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == expected, (method, url, response.text)
        assert response.headers["x-fapi-interaction-id"]
        visited.add((method, template))
        schema = spec.schema_for(template, method, expected)
        if expected == 204:
            assert response.content == b""
            return None
        body = response.json()
        spec.validate(body, schema or ERROR_SCHEMA)
        checked += 1
        return body

    # Consents: create, read, errors, delete.
    request = {
        "Data": {
            "Permissions": ["ReadAccountsDetail", "ReadBalances"],
            "ExpirationDateTime": (utcnow() + timedelta(days=30)).isoformat(),
            "TransactionFromDateTime": "2026-01-01T00:00:00+00:00",
            "TransactionToDateTime": "2026-12-31T00:00:00+00:00",
        },
        "Risk": {},
    }
    created = call("post", "/account-access-consents", 201, headers=cc, json=request)
    consent_id = created["Data"]["ConsentId"]
    call("get", "/account-access-consents/{ConsentId}", 200, headers=cc, consent_id=consent_id)
    bad_request = {"Data": {"Permissions": ["ReadTransactionsBasic"]}, "Risk": {}}
    call("post", "/account-access-consents", 400, headers=cc, json=bad_request)
    call("post", "/account-access-consents", 401, headers={}, json=request)
    call("post", "/account-access-consents", 403, headers=full.headers, json=request)
    call(
        "post",
        "/account-access-consents",
        415,
        headers={**cc, "Content-Type": "text/plain"},
        content=b"Permissions=ReadBalances",
    )
    call(
        "post",
        "/account-access-consents",
        406,
        headers={**cc, "Accept": "text/html"},
        json=request,
    )
    for method in ("get", "delete"):
        template = "/account-access-consents/{ConsentId}"
        call(method, template, 400, headers=cc, consent_id="aac-unknown")
        call(method, template, 401, headers={}, consent_id=consent_id)
    call("delete", "/account-access-consents/{ConsentId}", 204, headers=cc, consent_id=consent_id)

    # Resources: success with a full consent, then the error statuses.
    for method, template in sorted(_aisp_routes(app)):
        if "ConsentId" in template or template == "/account-access-consents":
            continue
        account_scoped = "{AccountId}" in template
        if "{StatementId}" not in template:
            call(method, template, 200, headers=full.headers)
        if account_scoped:
            call(method, template, 400, headers=full.headers, account_id="acc_unknown")
        call(method, template, 401, headers={})
        if template not in ("/accounts", "/accounts/{AccountId}"):
            call(method, template, 403, headers=narrow.headers)
        call(method, template, 406, headers={**full.headers, "Accept": "application/xml"})

    # Paging and filters produce spec-valid links and meta.
    page2 = call(
        "get",
        "/accounts/{AccountId}/transactions",
        200,
        headers=full.headers,
        params={"page": 2, "fromBookingDateTime": "2026-05-01T00:00:00"},
    )
    assert set(page2["Links"]) == {"Self", "First", "Prev", "Last"}
    call(
        "get",
        "/accounts/{AccountId}/transactions",
        400,
        headers=full.headers,
        params={"toBookingDateTime": "not-a-date"},
    )

    served = _aisp_routes(app)
    assert len(served) == 29
    missing = served - visited
    assert not missing, f"endpoints not walked: {sorted(missing)}"
    assert checked > 100


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings
) -> Iterator[tuple[TestClient, Database, Settings]]:
    """Serve a fresh database filled by the real demo seeder (what partners meet in a demo)."""
    base = os.environ.get("WENDU_DATABASE_URL", "")
    admin = None
    if base.startswith("postgres"):
        admin_url = make_url(normalise_url(base))
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"{admin_url.database}_obseed_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('obseed') / 'seeded.db'}"
    upgrade(url)
    database = Database(url)
    seed_bank(database, customers=4, seed=31, months=2)
    local = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(local, database=database)) as test_client:
        yield test_client, database, local
    database.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_demo_bank_data_matches_the_spec(
    spec: Spec, seeded: tuple[TestClient, Database, Settings]
) -> None:
    """Every AIS read over seeder-made customers validates: real data, not only fixtures."""
    client, database, local = seeded
    with database.session() as s:
        partner = register_partner(s, name="Contract TPP", signing=False).partner
        customers = s.execute(select(Customer.id).order_by(Customer.id)).scalars().all()
        grants = []
        for customer_id in customers:
            accounts = (
                s.execute(
                    select(Account.id).where(
                        Account.customer_id == customer_id, Account.kind != "internal"
                    )
                )
                .scalars()
                .all()
            )
            if not accounts:
                continue
            made = sandbox_account_consent(
                s,
                client.app.state.keyring,  # type: ignore[attr-defined]
                local,
                client_id=partner.client_id,
                customer_id=customer_id,
                permissions=list(PERMISSIONS),
                account_ids=list(accounts),
            )
            grants.append((made.access_token, list(accounts)))
    assert grants
    routes = sorted(
        path.removeprefix(AISP)
        for path, operations in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if path.startswith(AISP)
        and "get" in operations
        # Statement ids and consents answer no 200 here: the sandbox issues no statements.
        and "{StatementId}" not in path
        and "ConsentId" not in path
    )
    seen: dict[str, int] = {}
    for token, accounts in grants:
        headers = {"Authorization": f"Bearer {token}"}
        for route in routes:
            for account_id in accounts if "{AccountId}" in route else [None]:
                url = AISP + route.format(AccountId=account_id)
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.text)
                body = response.json()
                spec.validate(body, spec.schema_for(route, "get", 200) or ERROR_SCHEMA)
                items = next(iter(body["Data"].values()), []) if body["Data"] else []
                seen[route] = seen.get(route, 0) + (len(items) if isinstance(items, list) else 1)
    # The seeder's data reaches the wire: transactions, balances, payees, orders, products.
    for route in ("/transactions", "/balances", "/accounts", "/products", "/party"):
        assert seen.get(route), (route, seen)
