"""Opaque, prefixed identifiers for public resources."""

from __future__ import annotations

import secrets


def new_id(prefix: str, nbytes: int = 12) -> str:
    """Return an unguessable id such as ``acc_4f1c…`` (prefix + 2×nbytes hex chars)."""
    return f"{prefix}_{secrets.token_hex(nbytes)}"


# The largest row id or cursor a client may send: a signed 64-bit integer, what every
# supported database stores (larger values overflow the driver, a 500 instead of a 400).
MAX_ROW_ID = 2**63 - 1


def cursor_of(value: str | None) -> int | None:
    """Return an SSE ``Last-Event-ID`` (or similar) as a row id, or None when it is not one:
    ASCII digits only ("١٢" is not 12), at most :data:`MAX_ROW_ID`."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= MAX_ROW_ID else None
