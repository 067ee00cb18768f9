"""Card, account and ID numbers never survive into stored text."""

from __future__ import annotations

import pytest

from wendu.kit.masking import luhn_valid, mask_sensitive


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("my card 6222021234567890123 was stolen", "6222021234567890123", "0123"),
        ("card 4111 1111 1111 1111 please", "4111 1111 1111 1111", "1111"),
        ("卡号6217-0012-3456-7890丢了", "6217-0012-3456-7890", "7890"),
        ("身份证110101199003071234", "110101199003071234", "1234"),
        ("ID 11010119900307123X ok", "11010119900307123X", "123X"),
    ],
)
def test_sensitive_numbers_are_masked(text: str, hidden: str, kept: str) -> None:
    masked = mask_sensitive(text)
    assert hidden not in masked
    assert kept in masked
    assert "*" in masked


def test_ordinary_numbers_are_left_alone() -> None:
    text = "transfer 2500 yuan on 2026-11-28, ref 12345678, phone 13800138000"
    assert mask_sensitive(text) == text


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
