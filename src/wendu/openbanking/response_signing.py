"""The bank signs its own Open Banking payment responses: a detached ``x-jws-signature``.

The OB v4 profile has the ASPSP sign 200, 201 and 400 responses of the payment APIs with a
detached JWS (PS256) over the exact body bytes, with a key published in its JWKS, and
partners verify it. The protected header carries ``kid`` (the bank's response key in
``/oauth2/jwks``), ``typ`` JOSE, ``cty`` application/json and the OB claims named in
``crit``: ``http://openbanking.org.uk/iat`` (when signed), ``http://openbanking.org.uk/iss``
(the bank: its issuer URL) and ``http://openbanking.org.uk/tan`` (the trust anchor). On the
wire the token is ``header..signature``; the signing input is ``header.base64url(body)``.

A pure ASGI middleware, because 400s are rendered by the error handlers after the route:
it holds back the response start of a signed path until the body is complete.
"""

from __future__ import annotations

import json
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wendu.config import Settings
from wendu.db import Database
from wendu.identity.keys import RESPONSE_ALGORITHM, KeyRing, ResponseKey
from wendu.openbanking.pisp.jws import CRIT, OB_IAT, OB_ISS, OB_TAN, TRUST_ANCHOR, b64url

SIGNED_PREFIXES = ("/open-banking/v4.0/pisp/",)
SIGNED_STATUSES = frozenset({200, 201, 400})
HEADER = b"x-jws-signature"


def sign_response(body: bytes, key: ResponseKey, *, issuer: str, iat: int | None = None) -> str:
    """Return the detached JWS (``header..signature``) of ``body`` under the bank's key."""
    header = {
        "alg": RESPONSE_ALGORITHM,
        "kid": key.kid,
        "typ": "JOSE",
        "cty": "application/json",
        OB_IAT: int(time.time()) if iat is None else iat,
        OB_ISS: issuer,
        OB_TAN: TRUST_ANCHOR,
        "crit": sorted(CRIT),
    }
    protected = b64url(json.dumps(header, separators=(",", ":")).encode())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signature = key.private_key.sign(f"{protected}.{b64url(body)}".encode(), pss, hashes.SHA256())
    return f"{protected}..{b64url(signature)}"


class ResponseSigningMiddleware:
    """Add ``x-jws-signature`` to 200/201/400 responses under the signed API prefixes."""

    def __init__(self, app: ASGIApp, *, keyring: KeyRing, db: Database, settings: Settings):
        self.app = app
        self.keyring = keyring
        self.db = db
        self.settings = settings

    def _load_key(self) -> ResponseKey:
        with self.db.session() as session:
            return self.keyring.response_key(session)

    async def _key(self) -> ResponseKey:
        cached = self.keyring.cached_response_key
        if cached is not None:
            return cached
        loaded: ResponseKey = await run_in_threadpool(self._load_key)
        return loaded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(SIGNED_PREFIXES):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            if start["status"] in SIGNED_STATUSES:
                key = await self._key()
                value = sign_response(body, key, issuer=self.settings.public_url)
                headers.append((HEADER, value.encode("ascii")))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
