"""Opaque, prefixed identifiers for public resources."""

from __future__ import annotations

import secrets


def new_id(prefix: str, nbytes: int = 12) -> str:
    """Return an unguessable id such as ``acc_4f1c…`` (prefix + 2×nbytes hex chars)."""
    return f"{prefix}_{secrets.token_hex(nbytes)}"
