"""Tokenise help articles and questions for retrieval, in Chinese and English."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_EN_STOP_WORDS = (
    "a an the and or of to in on for with is are was be it my i me you your we our can do "
    "does how what why when where which if at by from this that there have has not no "
    "will would should could am please so just get got"
)
_ZH_STOP_WORDS = "的 了 是 我 你 在 吗 呢 啊 吧 和 与 或 就 都 也 要 想 请 怎么 怎样 如何 什么 一下"
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_ZH_STOP = frozenset(_ZH_STOP_WORDS.split())


def _stem(word: str) -> str:
    # A light suffix stripper: "arrive", "arrived" and "arrives" all become "arriv".
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(60)
    return jieba


def tokens(text: str) -> list[str]:
    """Return retrieval tokens: stemmed English words, Chinese words and character pairs.

    Character pairs make Chinese matching robust to segmentation differences between a
    question and an article ("冻结卡片" vs "卡片冻结").
    """
    lowered = text.lower()
    out = [_stem(w) for w in _WORD.findall(lowered) if w not in _EN_STOP]
    for run in _CJK_RUN.findall(lowered):
        out.extend(w for w in _jieba().cut_for_search(run) if w not in _ZH_STOP and len(w) > 1)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def sentences(text: str) -> list[str]:
    """Split an article body into sentences (Chinese and English punctuation)."""
    parts = re.split(r"(?<=[。！？!?])\s*|(?<=\.)\s+|\n+", text)
    return [p.strip() for p in parts if p and p.strip()]
