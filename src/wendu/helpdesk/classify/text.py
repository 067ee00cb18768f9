"""Tokenise mixed Chinese/English complaint text for TF-IDF."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache
from typing import Any

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[\w']+", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d,.]*$")


def normalise(text: str) -> str:
    """Return NFKC-normalised text (full-width digits and punctuation folded)."""
    return unicodedata.normalize("NFKC", text).strip()


def has_chinese(text: str) -> bool:
    """Tell whether a text contains Chinese characters."""
    return bool(_CJK.search(text))


@cache
def _jieba() -> Any:
    import jieba

    # jieba logs its dictionary loading at INFO on every process start.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize(text: str) -> list[str]:
    """Split a text into lower-cased words (jieba for Chinese), numbers folded to ``<num>``."""
    text = normalise(text).lower()
    pieces = _jieba().lcut(text) if has_chinese(text) else _WORD.findall(text)
    tokens = []
    for piece in pieces:
        piece = piece.strip()
        if not piece or not _WORD.fullmatch(piece):
            continue
        # Amounts vary endlessly; what matters to the category is that there is one.
        tokens.append("<num>" if _NUMBER.match(piece) else piece)
    return tokens


def char_text(text: str) -> str:
    """Prepare a text for character n-grams."""
    return normalise(text).lower()
