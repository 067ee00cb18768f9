"""Suggest a ticket priority from complaint text and its predicted issue, with reasons.

Rules, not a model: every raise in priority must be explainable to the agent and to an
auditor, and the signals (fraud in progress, a regulator named, an elderly customer) are
few and well known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from wendu.helpdesk.classify.text import normalise
from wendu.helpdesk.sla.policy import Priority


@dataclass(frozen=True)
class Reason:
    """Why a priority was raised."""

    code: str
    priority: Priority
    zh: str
    en: str
    evidence: str = ""


LARGE_AMOUNT = Decimal(50_000)  # CNY; above this a loss is material for most retail customers
VERY_LARGE_AMOUNT = Decimal(200_000)
ELDERLY_AGE = 65

_ISSUE_BASE: dict[str, tuple[Priority, str, str]] = {
    "unauthorised_transaction": (Priority.HIGH, "疑似盗刷/欺诈", "possible fraud"),
    "card_lost_stolen": (Priority.HIGH, "卡片遗失被盗", "card lost or stolen"),
    "data_privacy": (Priority.HIGH, "个人信息/授权问题", "personal data or consent"),
}


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


_IN_PROGRESS = _rx(
    r"正在",
    r"还在",
    r"一直在",
    r"连续",
    r"不停",
    r"马上",
    r"立刻",
    r"赶紧",
    r"止付",
    r"\bstill\b",
    r"\bkeep(s)? (appearing|going|happening)",
    r"right now",
    r"\bimmediately\b",
    r"\burgent",
    r"block (it|my card) now",
    r"\bongoing\b",
)
_REGULATOR = _rx(
    r"监管",
    r"银保监",
    r"金融监管总局",
    r"人民银行",
    r"人行",
    r"12378",
    r"12363",
    r"12315",
    r"\b315\b",
    r"媒体",
    r"曝光",
    r"记者",
    r"律师",
    r"起诉",
    r"法院",
    r"报警",
    r"公安",
    r"信访",
    r"regulator",
    r"ombudsman",
    r"\blawyer",
    r"\bsue\b",
    r"\bcourt\b",
    r"journalist",
    r"\bpress\b",
    r"\bmedia\b",
    r"\bpolice\b",
    r"legal action",
)
_VULNERABLE = _rx(
    r"老人",
    r"老年",
    r"老母亲",
    r"老父亲",
    r"爷爷",
    r"奶奶",
    r"外婆",
    r"外公",
    r"养老钱",
    r"退休金",
    r"残疾",
    r"轮椅",
    r"盲人",
    r"聋",
    r"住院",
    r"重病",
    r"癌",
    r"孕",
    r"去世",
    r"过世",
    r"病危",
    r"elderly",
    r"grand(mother|father|ma|pa)",
    r"\bpension",
    r"disab",
    r"wheelchair",
    r"\bblind\b",
    r"hospital",
    r"cancer",
    r"pregnan",
    r"passed away",
    r"bereave",
    r"dementia",
    r"terminally",
    r"\blate (father|mother|husband|wife)\b",
)
_ANGER = _rx(
    r"气死",
    r"太过分",
    r"垃圾",
    r"骗子",
    r"无耻",
    r"忍无可忍",
    r"欺人太甚",
    r"愤怒",
    r"恶心",
    r"坑人",
    r"什么破",
    r"！！",
    r"!!",
    r"furious",
    r"disgust",
    r"outrage",
    r"unacceptable",
    r"ridiculous",
    r"scam(mers)?\b",
    r"fed up",
    r"appalling",
    r"disgrace",
    r"\bangry\b",
    r"worst bank",
)
_REPEAT = _rx(
    r"第[二三四五六七八九十\d]+次",
    r"[三四五六七八九十\d]+次",
    r"多次",
    r"反复",
    r"again and again",
    r"(third|fourth|fifth|\d+(st|nd|rd|th)) time",
    r"\d+ times",
    r"several times",
    r"repeatedly",
)
_SAFETY = _rx(
    r"不想活",
    r"自杀",
    r"跳楼",
    r"轻生",
    r"同归于尽",
    r"kill myself",
    r"suicid",
    r"end my life",
    r"hurt myself",
)
_FEEDBACK = _rx(r"^建议", r"希望(能|可以)?增加", r"^suggest", r"would be nice", r"feature request")

_AGE = re.compile(
    r"(\d{2,3})\s*多?\s*(?:岁|周岁)"
    r"|(?:aged?|is|am|she's|he's|i'm)\s+(\d{2,3})\b"
    r"|(\d{2,3})\s*years? old",
    re.IGNORECASE,
)
_CN_AGE = re.compile(r"([六七八九])十多?岁")

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_AMOUNT = re.compile(
    r"(?P<cur>[¥￥$]|rmb|cny|usd)?\s*(?P<num>\d[\d,]*(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
    r"\s*(?P<unit>万|千|k\b)?\s*(?P<suffix>元|块|rmb|yuan|cny|美元|dollars?|usd)?",
    re.IGNORECASE,
)
_USD_TO_CNY = Decimal(7)  # rough: only the order of magnitude matters for a priority hint


def _chinese_number(text: str) -> int | None:
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def amounts(text: str) -> list[Decimal]:
    """Return money amounts (in CNY, roughly) mentioned in a text."""
    found: list[Decimal] = []
    for m in _AMOUNT.finditer(normalise(text)):
        cur, num, unit, suffix = m.group("cur"), m.group("num"), m.group("unit"), m.group("suffix")
        if not (cur or unit or suffix):
            continue  # a bare number is a count, a date or a card digit, not money
        if num[0].isdigit():
            value = Decimal(num.replace(",", ""))
        else:
            parsed = _chinese_number(num)
            if parsed is None or not (unit or suffix):
                continue
            value = Decimal(parsed)
        if unit == "万":
            value *= 10_000
        elif unit in ("千", "k", "K"):
            value *= 1_000
        currency = (cur or "") + (suffix or "")
        if re.search(r"\$|usd|美元|dollar", currency, re.IGNORECASE):
            value *= _USD_TO_CNY
        found.append(value)
    return found


def _ages(text: str) -> list[int]:
    ages = [int(g) for m in _AGE.finditer(text) for g in m.groups() if g]
    ages += [_CN_DIGITS[m.group(1)] * 10 for m in _CN_AGE.finditer(text)]
    return ages


def _bump(priority: Priority) -> Priority:
    return list(Priority)[max(priority.rank - 1, 0)]


def suggest_priority(text: str, issue: str | None = None) -> tuple[Priority, list[Reason]]:
    """Return the suggested priority for a complaint and the reasons, strongest first."""
    text = normalise(text)
    reasons: list[Reason] = []

    def hit(pattern: re.Pattern[str]) -> str | None:
        m = pattern.search(text)
        return m.group(0) if m else None

    fraud = issue in ("unauthorised_transaction", "card_lost_stolen")
    if issue in _ISSUE_BASE:
        prio, zh, en = _ISSUE_BASE[issue]
        reasons.append(Reason(f"issue:{issue}", prio, zh, en))
    if (word := hit(_SAFETY)) is not None:
        reasons.append(
            Reason("safety_risk", Priority.URGENT, "客户人身安全风险", "customer safety risk", word)
        )
    money = max(amounts(text), default=Decimal(0))
    if money >= LARGE_AMOUNT:
        urgent = fraud and money >= VERY_LARGE_AMOUNT
        reasons.append(
            Reason(
                "large_amount",
                Priority.URGENT if urgent else Priority.HIGH,
                "涉及大额资金",
                "large amount at stake",
                f"{money:,.0f} CNY",
            )
        )
    if fraud and (word := hit(_IN_PROGRESS)) is not None:
        reasons.append(
            Reason(
                "fraud_in_progress",
                Priority.URGENT,
                "盗刷可能仍在发生",
                "fraud may be ongoing",
                word,
            )
        )
    if (word := hit(_REGULATOR)) is not None:
        reasons.append(
            Reason(
                "regulator_threat",
                Priority.HIGH,
                "提及监管、媒体或诉讼",
                "regulator, media or legal action",
                word,
            )
        )
    elderly = [a for a in _ages(text) if ELDERLY_AGE <= a <= 120]
    vulnerable = hit(_VULNERABLE) or (f"{elderly[0]}" if elderly else None)
    if vulnerable is not None:
        reasons.append(
            Reason(
                "vulnerable_customer",
                Priority.HIGH,
                "弱势/老年客户",
                "vulnerable or elderly customer",
                vulnerable,
            )
        )
    if fraud and vulnerable is not None:
        reasons.append(
            Reason(
                "fraud_vulnerable",
                Priority.URGENT,
                "弱势客户遭遇盗刷",
                "fraud against a vulnerable customer",
            )
        )

    level = min((r.priority for r in reasons), key=lambda p: p.rank, default=Priority.NORMAL)
    anger = hit(_ANGER)
    repeat = hit(_REPEAT)
    if anger is not None or repeat is not None:
        # Anger and repeated contact raise by one level but never to urgent on their own.
        raised = _bump(level) if level.rank > Priority.HIGH.rank else level
        code, zh, en = (
            ("repeat_contact", "多次投诉未解决", "repeated contact")
            if repeat is not None
            else ("anger", "客户情绪激动", "angry customer")
        )
        reasons.append(Reason(code, raised, zh, en, repeat or anger or ""))
        level = min(level, raised, key=lambda p: p.rank)
    if not reasons and hit(_FEEDBACK) is not None:
        reasons.append(
            Reason("feedback_only", Priority.LOW, "建议类反馈", "suggestion, not a complaint")
        )
        level = Priority.LOW
    reasons.sort(key=lambda r: r.priority.rank)
    return level, reasons
