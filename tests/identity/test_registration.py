"""Partner self-registration (RFC 7591 style) in sandbox and production, and the partner list."""

from __future__ import annotations

import secrets

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from identity.flow import new_browser
from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database
from wendu.identity.models import Partner

INITIAL_TOKEN = "initial-" + "a" * 40


@pytest.fixture(scope="module")
def production(settings: Settings, db: Database) -> TestClient:
    prod = settings.model_copy(
        update={
            "env": "production",
            "secret_key": secrets.token_hex(32),
            "registration_access_token": INITIAL_TOKEN,
        }
    )
    return new_browser(create_app(prod, database=db))


def _metadata(**extra: object) -> dict[str, object]:
    tag = secrets.token_hex(4)
    return {
        "client_name": f"Travel App {tag}",
        "redirect_uris": [f"https://travel-{tag}.example.com/cb"],
        "roles": ["AISP"],
        **extra,
    }


def test_sandbox_registration_returns_working_credentials(
    browser: TestClient, db: Database
) -> None:
    response = browser.post("/register", json=_metadata(contacts=["ops@travel.example.com"]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["client_id"] and body["client_secret"] and body["roles"] == ["AISP"]
    assert response.headers["cache-control"] == "no-store"
    with db.session() as s:
        partner = s.query(Partner).filter_by(client_id=body["client_id"]).one()
        # Only a hash of the secret is stored.
        assert body["client_secret"] not in partner.client_secret_hash
    token = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(body["client_id"], body["client_secret"]),
    )
    assert token.status_code == 200 and token.json()["scope"] == "accounts"


def test_registration_accepts_a_jwks_signing_key(browser: TestClient, db: Database) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid="travel-key-1", use="sig")
    response = browser.post("/register", json=_metadata(jwks={"keys": [jwk]}))
    assert response.status_code == 201, response.text
    assert response.json()["kid"] == "travel-key-1"
    with db.session() as s:
        partner = s.query(Partner).filter_by(client_id=response.json()["client_id"]).one()
        assert partner.signing_public_key_pem is not None
        signed = jwt.encode({"x": 1}, private, algorithm="PS256")
        assert jwt.decode(signed, partner.signing_public_key_pem, algorithms=["PS256"]) == {"x": 1}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"redirect_uris": ["not a url"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://x.example.com/cb#frag"]}, "invalid_redirect_uri"),
        ({"roles": ["ADMIN"]}, "invalid_client_metadata"),
        ({"client_name": ""}, "invalid_client_metadata"),
        ({"jwks": {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}}, "invalid_client_metadata"),
    ],
)
def test_bad_metadata_is_refused(
    browser: TestClient, change: dict[str, object], error: str
) -> None:
    response = browser.post("/register", json=_metadata(**change))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error


def test_non_object_body_is_refused(browser: TestClient) -> None:
    assert browser.post("/register", json=["x"]).json()["error"] == "invalid_client_metadata"


def test_production_requires_the_initial_access_token(production: TestClient) -> None:
    anonymous = production.post("/register", json=_metadata())
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_token"
    wrong = production.post(
        "/register", json=_metadata(), headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 401
    http_uri = production.post(
        "/register",
        json=_metadata(redirect_uris=["http://app.example.com/cb"]),
        headers={"Authorization": f"Bearer {INITIAL_TOKEN}"},
    )
    assert http_uri.status_code == 400 and http_uri.json()["error"] == "invalid_redirect_uri"
    ok = production.post(
        "/register", json=_metadata(), headers={"Authorization": f"Bearer {INITIAL_TOKEN}"}
    )
    assert ok.status_code == 201, ok.text
    listed = production.get(
        "/admin/v1/partners", headers={"Authorization": f"Bearer {INITIAL_TOKEN}"}
    )
    assert ok.json()["client_id"] in {p["client_id"] for p in listed.json()["partners"]}
    assert production.get("/admin/v1/partners").status_code == 401


def test_production_without_a_configured_token_is_closed(settings: Settings, db: Database) -> None:
    closed = settings.model_copy(update={"env": "production", "secret_key": secrets.token_hex(32)})
    client = new_browser(create_app(closed, database=db))
    response = client.post(
        "/register", json=_metadata(), headers={"Authorization": "Bearer anything"}
    )
    assert response.status_code == 403 and response.json()["error"] == "access_denied"


def test_partner_list_never_shows_secrets(browser: TestClient) -> None:
    created = browser.post("/register", json=_metadata()).json()
    listed = browser.get("/admin/v1/partners")
    assert listed.status_code == 200
    mine = [p for p in listed.json()["partners"] if p["client_id"] == created["client_id"]]
    assert len(mine) == 1 and mine[0]["roles"] == ["AISP"]
    assert created["client_secret"] not in listed.text
