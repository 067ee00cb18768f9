"""Mask card numbers, card security codes, expiry dates and identity numbers before text is
stored, logged or shown."""

from __future__ import annotations

import re
from typing import Any

# 13–19 digits, optionally grouped by spaces or dashes: card numbers (PANs) and bank accounts.
_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Mainland China resident ID: 17 digits and a digit or X.
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Hong Kong / passport-like ids are not matched on purpose: too many false positives.

# An expiry date as written on cards or in chats: 12/28, 12-2028, 2028/12, 28年12月, 2028年12月.
_DATE = r"(?:\d{1,2}\s*[/\-.]\s*\d{2,4}|\d{4}\s*[/\-.]\s*\d{1,2}|\d{2,4}\s*年\s*\d{1,2}\s*月?)"
# The card security code (CVV/CVC/CSC, 安全码, "the three digits on the back") after its name,
# a few non-digits apart: "cvv 123", "CVV: 123", "安全码123", "背面三位数是123", "卡背後3位數：123".
_CVV = re.compile(
    r"(?:\b(?:cvv2?|cvc2?|cvn2?|csc|cid)\b|security\s*code|verification\s*(?:code|value)|"
    r"安全[码碼]|[校检檢][验驗][码碼]|背[面後后]|卡背)"
    r"[^\d\n]{0,8}?(?<!\d)(\d{3,4})(?!\d)",
    re.IGNORECASE,
)
# An expiry date after its name: "exp 12/28", "expiry: 12/2028", "valid thru 12/28",
# "有效期12/28", "有效期至2028年12月" (not 到期: deposits mature on dates too).
_EXPIRY = re.compile(
    r"(?:\bexp(?:iry|ires|iration)?\b\.?(?:\s*date)?|valid\s*(?:thru|through|until|till)|"
    r"good\s*thru|有效期|有效日期)"
    rf"[^\d\n]{{0,6}}?(?<!\d)({_DATE})(?!\d)",
    re.IGNORECASE,
)
# An expiry date and/or a 3–4 digit code written straight after a card number:
# "4111 1111 1111 1111 12/28 123".
_AFTER_PAN = re.compile(
    r"(?<!\d)((?:\d[ -]?){12,18}\d)(?!\d)"
    r"(?:([\s,;，；|]+)(\d{1,2}\s*/\s*\d{2,4}))?"
    r"(?:([\s,;，；|]+)(\d{3,4}))?(?![\d/])"
)


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


def _stars(text: str) -> str:
    return re.sub(r"\d", "*", text)


def _mask_group(match: re.Match[str]) -> str:
    start, end = match.span(1)
    whole = match.group(0)
    offset = match.start(0)
    return whole[: start - offset] + _stars(match.group(1)) + whole[end - offset :]


def _mask_after_pan(match: re.Match[str]) -> str:
    pan, sep1, expiry, sep2, code = match.groups()
    if not 13 <= len(re.sub(r"\D", "", pan)) <= 19:
        return match.group(0)
    out = pan
    if expiry:
        out += sep1 + _stars(expiry)
    if code:
        out += sep2 + _stars(code)
    return out


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
    """Return ``text`` with card/account numbers, card security codes, card expiry dates
    and resident ID numbers masked.

    Any 13–19 digit run is masked (keeping the last four), Luhn-valid or not, because
    account numbers are as sensitive as card numbers; ID numbers keep 3 + 4 characters.
    A security code (CVV/CVC, 安全码, "背面三位数") or an expiry date ("exp 12/28",
    "有效期12/28") is masked in full after its name, and so are a date and a 3–4 digit code
    written straight after a card number. Masking twice changes nothing.
    """
    text = _CVV.sub(_mask_group, text)
    text = _EXPIRY.sub(_mask_group, text)
    text = _AFTER_PAN.sub(_mask_after_pan, text)
    text = _CN_ID.sub(_mask_id, text)
    return _PAN.sub(_mask_pan, text)


def mask_deep(value: Any) -> Any:
    """Return ``value`` (JSON-like: dicts, lists, strings, numbers) with every string masked
    by :func:`mask_sensitive`, for structured data that is stored (hand-off context, chat
    state)."""
    if isinstance(value, str):
        return mask_sensitive(value)
    if isinstance(value, dict):
        return {key: mask_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_deep(item) for item in value]
    return value
