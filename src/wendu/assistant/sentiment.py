"""Per-message sentiment and emotion for Chinese and English customer messages.

Chinese text is scored by ``snownlp`` (a naive-Bayes model shipped inside the package) blended
with a small lexicon; English by a lexicon with negation and intensifiers. Anger cues
(exclamation runs, swearing, threats, "投诉", "regulator", all-caps shouting) pull the score down
and decide the emotion label. The score is in [-1, 1].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Emotion = Literal["angry", "anxious", "neutral", "happy"]

_EN_POSITIVE = {
    "thanks": 0.6, "thank": 0.6, "great": 0.7, "good": 0.4, "excellent": 0.8, "perfect": 0.7,
    "love": 0.7, "happy": 0.6, "helpful": 0.6, "nice": 0.4, "awesome": 0.8, "appreciate": 0.6,
    "brilliant": 0.7, "fine": 0.2, "glad": 0.5, "resolved": 0.4, "wonderful": 0.8,
}  # fmt: skip
_EN_NEGATIVE = {
    "bad": -0.5, "terrible": -0.8, "awful": -0.8, "horrible": -0.8, "worst": -0.9,
    "useless": -0.8, "angry": -0.8, "furious": -0.9, "ridiculous": -0.7, "unacceptable": -0.8,
    "disgusting": -0.9, "hate": -0.8, "annoyed": -0.6, "frustrated": -0.6, "disappointed": -0.6,
    "wrong": -0.4, "problem": -0.3, "scam": -0.8, "stolen": -0.4, "lost": -0.3, "fraud": -0.6,
    "worried": -0.4, "scared": -0.5, "missing": -0.3, "failed": -0.4, "never": -0.2,
    "incompetent": -0.9, "pathetic": -0.8, "joke": -0.4, "rubbish": -0.7, "slow": -0.3,
}  # fmt: skip
_EN_NEGATORS = {"not", "no", "never", "don't", "dont", "isn't", "wasn't", "didn't", "can't"}
_EN_INTENSIFIERS = {"very": 1.4, "really": 1.3, "so": 1.3, "extremely": 1.6, "totally": 1.4}
_EN_ANGER = re.compile(
    r"\b(wtf|damn|dammit|hell|crap|shit|fuck\w*|bloody|idiot\w*|stupid|"
    r"furious|unacceptable|ridiculous|outrage\w*|useless|incompetent|pathetic)\b",
    re.IGNORECASE,
)
# Escalation words: a cue of anger, but a calm complaint is not rage, so they weigh less.
_EN_ESCALATION = re.compile(
    r"\b(sue|lawyer|regulator|ombudsman|fca|complain\w*|close my account)\b", re.IGNORECASE
)
_ZH_ESCALATION = ("投诉", "举报", "监管", "银保监", "报警", "起诉", "律师", "曝光", "销户")
_EN_ANXIETY = re.compile(
    r"\b(worried|scared|afraid|panic\w*|urgent\w*|asap|help|stolen|lost|fraud\w*|"
    r"hacked|missing|emergency|nervous|anxious)\b",
    re.IGNORECASE,
)
_ZH_POSITIVE = (
    "谢谢",
    "感谢",
    "太好了",
    "满意",
    "不错",
    "很好",
    "好的",
    "棒",
    "给力",
    "开心",
    "多谢",
)
_ZH_NEGATIVE = ("差", "烂", "垃圾", "失望", "生气", "愤怒", "坑", "骗", "恶心", "糟糕", "不满")
_ZH_ANGER = (
    "垃圾", "骗子", "滚", "妈的", "他妈", "操", "去死", "混蛋", "废物", "气死", "愤怒", "太过分",
    "什么破", "无语", "坑人",
)  # fmt: skip
_ZH_ANXIETY = (
    "丢了",
    "丢失",
    "被盗",
    "盗刷",
    "着急",
    "急",
    "担心",
    "害怕",
    "怎么办",
    "没收到",
    "不见了",
)
# Capitals that are how the word is written, not shouting: currency codes and banking terms.
_NOT_SHOUTING = frozenset({
    "ATM", "PIN", "FCA", "IBAN", "BIC", "SWIFT", "SEPA", "CVV", "CVC", "OTP", "SMS", "APP", "API",
    "ISA", "VAT", "KYC", "PDF", "FAQ", "USD", "EUR", "GBP", "CNY", "RMB", "HKD", "MOP", "TWD",
    "JPY", "KRW", "SGD", "AUD", "NZD", "CAD", "CHF", "SEK", "NOK", "DKK", "INR", "THB", "MYR",
})  # fmt: skip
_EXCLAIM_RUN = re.compile(r"[!！]{2,}")
_QUESTION_RUN = re.compile(r"[?？]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Sentiment:
    """A message's polarity in [-1, 1], its emotion and the anger cues found."""

    score: float
    emotion: Emotion
    anger: float  # 0..1, how strongly the message signals anger

    def as_dict(self) -> dict[str, float | str]:
        """Return a JSON-ready dict."""
        return {"score": self.score, "emotion": self.emotion, "anger": self.anger}


@lru_cache(maxsize=2048)
def _snownlp_score(text: str) -> float:
    from snownlp import SnowNLP

    return float(SnowNLP(text).sentiments)


def _english_polarity(text: str) -> float:
    # Phone keyboards type "don’t" with a curly apostrophe: read it as "don't".
    words = re.findall(r"[a-zA-Z']+", text.lower().replace("\u2019", "'"))
    total = 0.0
    hits = 0
    for i, word in enumerate(words):
        value = _EN_POSITIVE.get(word) or _EN_NEGATIVE.get(word)
        if value is None:
            continue
        window = words[max(0, i - 3) : i]
        if any(w in _EN_NEGATORS for w in window):
            value = -0.7 * value
        for w in window:
            value *= _EN_INTENSIFIERS.get(w, 1.0)
        total += value
        hits += 1
    if not hits:
        return 0.0
    return max(-1.0, min(1.0, total / max(1.0, hits**0.5)))


def _chinese_polarity(text: str) -> float:
    lexicon = sum(0.5 for w in _ZH_POSITIVE if w in text) - sum(
        0.6 for w in _ZH_NEGATIVE if w in text
    )
    # snownlp is trained on product reviews: trust it only away from its uncertain middle.
    model = 2.0 * _snownlp_score(text) - 1.0
    model = model if abs(model) > 0.3 else 0.0
    return max(-1.0, min(1.0, 0.5 * model + lexicon))


def _anger(text: str, chinese: bool) -> float:
    cues = len(_EXCLAIM_RUN.findall(text)) * 0.35 + len(_QUESTION_RUN.findall(text)) * 0.15
    cues += 0.45 * len(_EN_ANGER.findall(text)) + 0.25 * len(_EN_ESCALATION.findall(text))
    if chinese:
        cues += 0.45 * sum(1 for w in _ZH_ANGER if w in text)
        cues += 0.25 * sum(1 for w in _ZH_ESCALATION if w in text)
    shouted = [w for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in _NOT_SHOUTING]
    cues += 0.3 * min(len(shouted), 2)
    return min(1.0, cues)


def _anxiety(text: str, chinese: bool) -> bool:
    if _EN_ANXIETY.search(text):
        return True
    return chinese and any(w in text for w in _ZH_ANXIETY)


def analyse(text: str) -> Sentiment:
    """Score ``text`` (zh or en) and label its emotion."""
    text = text.strip()
    if not text:
        return Sentiment(0.0, "neutral", 0.0)
    chinese = bool(_CJK.search(text))
    polarity = _chinese_polarity(text) if chinese else _english_polarity(text)
    anger = _anger(text, chinese)
    score = max(-1.0, min(1.0, polarity - 0.8 * anger))
    emotion: Emotion
    if anger >= 0.4 or (anger > 0 and score <= -0.5):
        emotion = "angry"
    elif _anxiety(text, chinese):
        emotion = "anxious"
        score = min(score, -0.1)
    elif score >= 0.3:
        emotion = "happy"
    else:
        emotion = "neutral"
    return Sentiment(round(score, 3), emotion, round(anger, 3))


def anger_rising(scores: list[float], *, window: int = 3) -> bool:
    """Return True when recent messages trend angry enough to need a person.

    Either the last message is very negative, or the last ``window`` messages average below
    -0.45 and are getting worse.
    """
    if not scores:
        return False
    if scores[-1] <= -0.8:
        return True
    recent = scores[-window:]
    if len(recent) < 2:
        return False
    return sum(recent) / len(recent) <= -0.45 and recent[-1] <= recent[0]
