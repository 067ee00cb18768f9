"""What is made of a mention's text before it is stored: script, entities, repost fingerprint.

``language`` tells simplified Chinese, Traditional Chinese and English apart (a text that
OpenCC's ``t2s`` changes is Traditional). ``simhash`` is a 64-bit SimHash over character
bigrams and trigrams of the simplified text without punctuation, links and @handles:
reposts with a few words added, or in the other script, land within a small Hamming
distance of the original (``NEAR``; unrelated posts are about 32 apart).
"""

from __future__ import annotations

import hashlib
import re

from wendu.reputation.topics import normalise

_CJK = re.compile(r"[\u3400-\u9fff]")
_LINKS = re.compile(r"https?://\S+|[@#]\w+")
_NOISE = re.compile(r"[\W_]+")
NEAR = 10  # Hamming distance at or below which two fingerprints are the same post


def language(text: str) -> str:
    """Return ``zh-Hans``, ``zh-Hant`` or ``en`` for a mention's text."""
    if not _CJK.search(text):
        return "en"
    return "zh-Hant" if normalise(text) != text else "zh-Hans"


# Entities a mention names: organisations (banks, regulators), the bank's products and
# channels, amounts of money, @handles and #hashtags. Read on the simplified text.
_ORG = re.compile(
    r"[\u4e00-\u9fff]{2,4}(?:银行|证券|保险)|银保监会?|金融监管总局|"
    r"\b(?:[A-Z][a-z]+ )+Bank\b|\bHKMA\b|\bFCA\b|\bPBOC\b"
)
_LEADING = "和与跟在的说是被从向把对给去到"  # words glued before a bank's name
_NOT_ORGS = {"手机银行", "网上银行", "直销银行", "电话银行"}
_PRODUCT = re.compile(
    r"信用卡|借记卡|手机银行|网银|App|理财(?:产品)?|基金|定期|存款|房贷|贷款|转数快|"
    r"\b(?:credit card|debit card|mobile app|online banking|mortgage|savings account|fund)s?\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"(?:[¥$£€]|HK\$|RMB ?|CNY ?)\s?\d[\d,]*(?:\.\d+)?(?:万|k)?|"
    r"\d[\d,]*(?:\.\d+)?\s?(?:万元|元|块|蚊|港币|dollars?|pounds?|yuan)",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[\w\u4e00-\u9fff]{2,30}|#[^\s#]{1,30}#?")


def entities(text: str) -> list[dict[str, str]]:
    """Return the organisations, products, amounts and handles a mention names, in order."""
    simple = normalise(text)
    found: list[tuple[int, str, str]] = []
    for kind, pattern in (("org", _ORG), ("product", _PRODUCT), ("money", _MONEY),
                          ("handle", _HANDLE)):  # fmt: skip
        for match in pattern.finditer(simple):
            value = match.group(0).strip()
            if kind == "org":
                value = value.lstrip(_LEADING)
                if value in _NOT_ORGS or (len(value) < 4 and not value.isascii()):
                    continue
            found.append((match.start(), kind, value))
    seen: set[tuple[str, str]] = set()
    out = []
    for _, kind, value in sorted(found):
        key = (kind, value.lower())
        if key not in seen:
            seen.add(key)
            out.append({"type": kind, "text": value})
    return out


def simhash(text: str) -> int:
    """Return the 64-bit SimHash of a text's character bigrams and trigrams (any script)."""
    core = _NOISE.sub("", _LINKS.sub("", normalise(text).lower()))
    grams = [core[i : i + n] for n in (2, 3) for i in range(max(len(core) - n + 1, 1))]
    weights = [0] * 64
    for gram in grams:
        value = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def distance(a: int, b: int) -> int:
    """Return the Hamming distance of two fingerprints."""
    return (a ^ b).bit_count()
