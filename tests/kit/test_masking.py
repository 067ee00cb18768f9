"""Card, account and ID numbers never survive into stored text."""

from __future__ import annotations

import pytest

from wendu.kit.masking import luhn_valid, mask_deep, mask_sensitive


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


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("exp 12/28 cvv 123", ["12/28", "123"]),
        ("有效期12/28 安全码123", ["12/28", "123"]),
        ("CVV: 123", ["123"]),
        ("背面三位数是123", ["123"]),
        ("my cvc2 is 9876, expiry date 01/2029", ["9876", "01/2029"]),
        ("valid thru 12/28", ["12/28"]),
        ("卡號4111111111111111 有效期至2028年12月 背後三位數：456", ["2028", "456"]),
        ("4111 1111 1111 1111 12/28 123", ["12/28", "123", "4111 1111"]),
        ("card 4111111111111111, 12/28, 123", ["12/28", "123"]),
    ],
)
def test_security_codes_and_expiry_dates_are_masked(text: str, hidden: list[str]) -> None:
    masked = mask_sensitive(text)
    for secret in hidden:
        assert secret not in masked, masked
    assert "*" in masked
    assert mask_sensitive(masked) == masked


def test_dates_and_amounts_without_a_card_word_are_left_alone() -> None:
    for text in ("expenses 12/28", "I paid 123 for the cvv check", "定期存款2027年3月到期"):
        assert mask_sensitive(text) == text


def test_mask_deep_masks_every_string() -> None:
    masked = mask_deep({"summary": "cvv 123", "slots": {"x": ["exp 12/28", 5]}, "n": None})
    assert masked == {"summary": "cvv ***", "slots": {"x": ["exp **/**", 5]}, "n": None}
