"""Tamper-proof, expiring values for cookies and form tokens (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, payload: str) -> str:
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(secret: str, purpose: str, value: str) -> str:
    """Return ``value`` with an issue time and a MAC bound to ``purpose``."""
    payload = f"{_b64(value.encode())}.{int(time.time())}"
    return f"{payload}.{_mac(secret, purpose, payload)}"


def unsign(secret: str, purpose: str, token: str, *, max_age_seconds: int) -> str | None:
    """Return the signed value, or None when the token is forged, for another purpose or old."""
    try:
        encoded, issued, mac = token.rsplit(".", 2)
        payload = f"{encoded}.{issued}"
        if not hmac.compare_digest(mac, _mac(secret, purpose, payload)):
            return None
        if time.time() - int(issued) > max_age_seconds:
            return None
        return _unb64(encoded).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def derive(secret: str, purpose: str, value: str) -> str:
    """Return a stable MAC of ``value`` (e.g. a CSRF token bound to a session)."""
    return _mac(secret, purpose, value)
