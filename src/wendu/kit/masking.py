"""Mask card numbers and identity numbers before text is stored, logged or shown."""

from __future__ import annotations

import re

# 13–19 digits, optionally grouped by spaces or dashes: card numbers (PANs) and bank accounts.
_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Mainland China resident ID: 17 digits and a digit or X.
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Hong Kong / passport-like ids are not matched on purpose: too many false positives.


def luhn_valid(digits: str) -> bool:
    """Return True when ``digits`` passes the Luhn check used by card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask_id(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def _mask_pan(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if not (13 <= len(digits) <= 19):
        return text
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_sensitive(text: str) -> str:
    """Return ``text`` with card/account numbers and resident ID numbers masked.

    Any 13–19 digit run is masked (keeping the last four), Luhn-valid or not, because
    account numbers are as sensitive as card numbers; ID numbers keep 3 + 4 characters.
    """
    text = _CN_ID.sub(_mask_id, text)
    return _PAN.sub(_mask_pan, text)
