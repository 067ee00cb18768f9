"""What is made of a mention's text before it is stored: script, topics, repost fingerprint.

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
