"""Text normalisation, script-based language detection and zh/en tokenisation."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Literal

Language = Literal["zh", "en"]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_RUN_RE = re.compile(f"[{_CJK}]+")
_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']+")
_TOKEN_RE = re.compile(f"[{_CJK}]+|[a-z0-9]+(?:'[a-z]+)?|[¥￥$£€]")
_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold full-width forms (NFKC) and collapse whitespace, keeping case."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def detect_language(text: str, default: Language = "en") -> Language:
    """Return "zh" or "en" from the scripts in TEXT.

    Chinese characters are counted one by one and Latin words whole, so a Chinese
    sentence with an English product name ("我的Apple Pay不能用") is zh while an
    English sentence quoting a Chinese word ("how do I say 你好") stays en. Ties go
    to zh: a Chinese speaker mixing in English is the more common case here.
    """
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_WORD_RE.findall(text))
    if cjk == 0 and latin == 0:
        return default
    return "zh" if cjk >= latin else "en"


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """Split TEXT into lower-cased words: jieba for Chinese runs, regex for the rest."""
    tokens: list[str] = []
    jieba = _jieba()
    for match in _TOKEN_RE.finditer(text.lower()):
        piece = match.group(0)
        if _CJK_RE.match(piece):
            tokens.extend(w for w in jieba.lcut(piece) if w.strip())  # type: ignore[attr-defined]
        else:
            tokens.append(piece)
    return tokens


def has_cjk(text: str) -> bool:
    """Tell whether TEXT contains any Chinese character."""
    return _CJK_RE.search(text) is not None
