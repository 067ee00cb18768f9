"""Parse numbers written with digits, Chinese numerals or English words."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZH_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
ZH_NUMERAL_CHARS = "".join([*_ZH_DIGITS, *_ZH_UNITS, *_ZH_BIG, "点", "點"])

_EN_UNITS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
EN_NUMBER_WORDS = sorted([*_EN_UNITS, *_EN_SCALES], key=len, reverse=True)
_SUFFIX_MULTIPLIERS = {
    "k": 1000, "K": 1000, "千": 1000, "万": 10_000, "萬": 10_000, "w": 10_000, "W": 10_000,
    "亿": 100_000_000, "m": 1_000_000, "million": 1_000_000, "thousand": 1000, "百": 100,
}  # fmt: skip


def parse_digits(text: str) -> Decimal | None:
    """Parse "1,234.50" style numbers."""
    try:
        return Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None


def _zh_small(text: str) -> int | None:
    """Parse a Chinese numeral below 10,000 (e.g. 三千五百二十, 十五, 两百)."""
    if not text:
        return 0
    total, digit, last_unit = 0, None, 1
    for ch in text:
        if ch in _ZH_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row: not a numeral we understand
            digit = _ZH_DIGITS[ch]
            if digit == 0:
                last_unit = 1  # 一百零五: the digit after 零 is a plain unit
        elif ch in _ZH_UNITS:
            unit = _ZH_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    if digit:
        # "三千五" means 3500: a trailing digit scales to one unit below the last one.
        total += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total


def parse_zh_number(text: str) -> Decimal | None:
    """Parse a Chinese numeral such as 一百, 三千五, 两万三千, 一点五, 十二亿."""
    if not text or any(ch not in ZH_NUMERAL_CHARS for ch in text):
        return None
    text = text.replace("點", "点")
    if "点" in text:
        whole, _, frac = text.partition("点")
        head: Decimal | None = parse_zh_number(whole) if whole else Decimal(0)
        if head is None or not frac or any(ch not in _ZH_DIGITS for ch in frac):
            return None
        return head + Decimal("0." + "".join(str(_ZH_DIGITS[c]) for c in frac))
    total = Decimal(0)
    rest = text
    for big_char, big in sorted(_ZH_BIG.items(), key=lambda kv: -kv[1]):
        if big_char in rest:
            lead, _, rest = rest.partition(big_char)
            value = _zh_small(lead) if lead else 1
            if value is None:
                return None
            total += Decimal(value) * big
    tail = _zh_small(rest)
    if tail is None:
        return None
    return total + tail


def parse_en_number(words: str) -> Decimal | None:
    """Parse English number words such as "twenty five" or "two hundred and fifty"."""
    tokens = [w for w in re.split(r"[\s-]+", words.lower().strip()) if w and w != "and"]
    if not tokens:
        return None
    total, current = 0, 0
    for token in tokens:
        if token in _EN_UNITS:
            current += _EN_UNITS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[token]
            current = 0
        else:
            return None
    return Decimal(total + current)


def parse_number(text: str) -> Decimal | None:
    """Parse digits (with an optional k/万/千/亿 suffix), Chinese numerals or English words."""
    text = text.strip()
    match = re.fullmatch(
        r"([\d,，]*\d(?:\.\d+)?)\s*(k|K|w|W|m|千|万|萬|亿|百|million|thousand)?", text
    )
    if match:
        value = parse_digits(match.group(1))
        if value is None:
            return None
        suffix = match.group(2)
        return value * _SUFFIX_MULTIPLIERS[suffix] if suffix else value
    return parse_zh_number(text) or parse_en_number(text)


def format_decimal(value: Decimal) -> str:
    """Render a Decimal without exponent, keeping two places when it has cents."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(Decimal("0.01")) if -value.as_tuple().exponent <= 2 else value)  # type: ignore[operator]
