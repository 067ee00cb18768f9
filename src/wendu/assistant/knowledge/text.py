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
_ZH_STOP_WORDS = (
    "的 了 是 我 你 在 吗 呢 啊 吧 和 与 或 就 都 也 要 想 请 怎么 怎样 如何 什么 一下 为什么 "
    "哪里 哪些 多少 可以 能不能 是不是 有没有 怎么办 需要 应该 你们 我们 我的 一个 这个 那个"
)
# Character pairs made only of these say nothing about a topic ("什么", "为什", "可以").
_ZH_FUNCTION_CHARS = frozenset(
    "的了是我你他她它在吗呢啊吧和与或就都也要想请怎么样如何什为哪些多少可以能会还没给这那个有不"
)
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


# Cantonese words a question may use, in the Mandarin the articles are written in (after
# OpenCC has made the script simplified). The assistant's own normalisation does more; this
# keeps direct lookups (the help page search, the CLI, agents' suggestions) working too.
_CANTONESE = (
    ("过错数", "转错账"), ("转数快", "转账"), ("转数", "转账"), ("过数", "转账"),
    ("揿钱", "取钱"), ("撳钱", "取钱"), ("拎钱", "取钱"), ("柜员机", "ATM"), ("户口", "账户"),
    ("扣数", "扣款"), ("第二间", "别的"), ("唔记得", "忘记"), ("登入", "登录"),
    ("几耐", "多久"), ("几多日", "多少天"), ("几多", "多少"), ("几时", "什么时候"),
    ("点样", "怎么"), ("点解", "为什么"), ("点算", "怎么办"), ("边度", "哪里"), ("边间", "哪家"),
    ("边个", "谁"), ("咩系", "什么是"), ("乜嘢", "什么"), ("咩", "什么"), ("系咪", "是不是"),
    ("系唔系", "是不是"), ("唔系", "不是"), ("即系", "就是"), ("收唔收", "收不收"),
    ("要唔要", "要不要"), ("有冇", "有没有"), ("唔该", "请"), ("唔", "不"), ("冇", "没有"),
    ("咗", "了"), ("嘅", "的"), ("喺", "在"), ("佢", "他"), ("俾", "给"), ("畀", "给"),
    ("睇", "看"), ("揾", "找"), ("攞返", "拿回"), ("攞", "拿"), ("啲", "些"),
)  # fmt: skip
_HANT_LANGUAGES = ("zh-hant", "zh-hk", "zh-tw", "zh-mo", "yue", "hant")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Return ``text`` in simplified Mandarin script (Traditional and Cantonese written
    forms converted); text without Chinese characters is returned as it is."""
    if not _CJK_RUN.search(text):
        return text
    out = _t2s().convert(text)
    for cantonese, mandarin in _CANTONESE:
        out = out.replace(cantonese, mandarin)
    return out


def base_language(language: str) -> str:
    """Return "zh" or "en" for a language tag ("zh-Hant", "zh_HK", "yue", "en-GB", ...)."""
    tag = (language or "").strip().lower().replace("_", "-")
    if tag.startswith("en"):
        return "en"
    return "zh"


def is_traditional(language: str) -> bool:
    """Return True for a tag that asks for Traditional script (zh-Hant, zh-HK, zh-TW, yue)."""
    tag = (language or "").strip().lower().replace("_", "-")
    return any(tag.startswith(h) or h in tag for h in _HANT_LANGUAGES)


def tokens(text: str) -> list[str]:
    """Return retrieval tokens: stemmed English words, Chinese words and character pairs.

    Character pairs make Chinese matching robust to segmentation differences between a
    question and an article ("冻结卡片" vs "卡片冻结").
    """
    lowered = simplified(text).lower()
    out = [_stem(w) for w in _WORD.findall(lowered) if w not in _EN_STOP]
    for run in _CJK_RUN.findall(lowered):
        out.extend(w for w in _jieba().cut_for_search(run) if w not in _ZH_STOP and len(w) > 1)
        pairs = (run[i : i + 2] for i in range(len(run) - 1))
        out.extend(
            p for p in pairs if not (p[0] in _ZH_FUNCTION_CHARS and p[1] in _ZH_FUNCTION_CHARS)
        )
    return out


def sentences(text: str) -> list[str]:
    """Split an article body into sentences (Chinese and English punctuation)."""
    parts = re.split(r"(?<=[。！？!?])\s*|(?<=\.)\s+|\n+", text)
    return [p.strip() for p in parts if p and p.strip()]
