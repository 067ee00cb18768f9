"""Text normalisation, language and script detection (zh-Hans/zh-Hant/en) and tokenisation."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

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


# --- Chinese script: simplified (Hans) or Traditional (Hant), Hong Kong or Taiwan ------------

Script = Literal["Hans", "Hant-HK", "Hant-TW", ""]
Region = Literal["HK", "TW"]
SCRIPTS: tuple[Script, ...] = ("Hans", "Hant-HK", "Hant-TW", "")

# Simplified forms that are also everyday Traditional characters (台灣, 公里, 皇后, 只有, ...):
# they change under s2t but prove nothing about the writer's script (晒: Cantonese 唔該晒).
_SHARED_FORMS = frozenset(
    "台里后干余云只准制范冲丑卜斗谷几才松板表志征周朱筑郁叶舍借夸困了着面系向回咸晒"
)
# Cantonese words and characters: written Cantonese is Hong Kong (and Macau) usage.
_CANTONESE_RE = re.compile(
    "唔|咗|嘅|佢|冇|喺|嗰|啲|咩|乜|嘢|哋|嚟|睇|諗|谂|攞|搵|揾|畀|啱|㗎|喎|嘞|噉|咁|琴日|尋日|寻日|"
    "聽日|听日|而家|點樣|点样|點解|点解|幾時|几时|幾多|几多|撳|揿|碌卡|轉數快|转数快|戶口|户口|"
    "唔該|唔该|係咪|系咪|咭|八達通|八达通|月結單|月结单|銀包|银包|過數|过数|入數|入数|卡數|卡数|"
    # Hong Kong written Chinese: 甚麼 and 怎樣 where Taiwan writes 什麼 and 怎麼
    "甚麼|怎樣"
)
# Taiwan Mandarin vocabulary (in Traditional characters; a simplified writer is Hans anyway).
_TAIWAN_RE = re.compile(
    "帳戶|帳號|轉帳|提款卡|金融卡|簽帳|網銀|網路|簡訊|訊息|軟體|超商|臨櫃|台幣|臺幣|新台幣|"
    "行動銀行|行動支付|儲值|加值|悠遊卡|郵局|身分證|信用卡費|帳單|喔|欸|"
    # Taiwan Mandarin where Hong Kong writes 甚麼/怎樣 or says 碌卡
    "什麼|怎麼|刷卡|出國"
)


@lru_cache(maxsize=4)
def opencc_converter(config: str) -> Any:
    """Return a cached OpenCC converter (``t2s``, ``hk2s``, ``tw2s``, ``s2hk``, ``s2twp``, ...)."""
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=8192)
def _char_script(char: str) -> int:
    """+1 for a Traditional-only character, -1 for a simplified-only one, 0 for either."""
    if opencc_converter("t2s").convert(char) != char:
        return 1
    if char not in _SHARED_FORMS and opencc_converter("s2t").convert(char) != char:
        return -1
    return 0


@dataclass(frozen=True)
class ScriptSignals:
    """The evidence one message gives about its writer's script and region."""

    traditional: int  # Traditional-only characters
    simplified: int  # simplified-only characters
    cantonese: int  # Cantonese words (Hong Kong)
    taiwan: int  # Taiwan Mandarin words

    @property
    def script(self) -> Literal["Hans", "Hant", ""]:
        """Return the script the characters show, "" when they show none."""
        if self.traditional > self.simplified:
            return "Hant"
        if self.simplified > self.traditional:
            return "Hans"
        return ""

    @property
    def region(self) -> Region | None:
        """Return HK or TW when the wording says so, else None."""
        if self.cantonese > self.taiwan:
            return "HK"
        if self.taiwan > self.cantonese:
            return "TW"
        return None


def script_signals(text: str) -> ScriptSignals:
    """Count the evidence for Traditional/simplified characters and HK/TW wording in TEXT."""
    votes = [_char_script(c) for c in _CJK_RE.findall(text)]
    return ScriptSignals(
        traditional=votes.count(1),
        simplified=votes.count(-1),
        cantonese=len(_CANTONESE_RE.findall(text)),
        taiwan=len(_TAIWAN_RE.findall(text)),
    )


def detect_script(text: str, default_region: Region = "HK") -> Script:
    """Return "Hans", "Hant-HK", "Hant-TW" for Chinese TEXT, "" for English or no evidence.

    Characters decide the script: those only Traditional Chinese uses (係, 張, 見) against
    those only simplified Chinese uses (张, 见), the majority winning, so a stray character
    from the other script does not flip a sentence. Wording decides the region: Cantonese
    (唔, 咗, 嘅, 戶口, 撳錢) is Hong Kong, Taiwan vocabulary (帳戶, 提款卡, 網路, 簡訊) is
    Taiwan; Traditional text that shows neither gets ``default_region`` (the setting
    ``WENDU_TRADITIONAL_REGION``, Hong Kong unless set). A message without any telling
    character ("好", "ok", "1234") returns "" and the chat keeps the script it had.
    """
    if detect_language(text, default="en") != "zh" or not has_cjk(text):
        return ""
    signals = script_signals(text)
    if signals.script == "Hans":
        return "Hans"
    if signals.script == "Hant":
        return "Hant-TW" if (signals.region or default_region) == "TW" else "Hant-HK"
    return "Hant-HK" if signals.region == "HK" else ""  # Cantonese in shared characters


def chat_script(previous: str, text: str, default_region: Region = "HK") -> Script:
    """Return the script to answer a chat in after message TEXT (sticky).

    A message that shows its script sets it; one that does not ("ok", "1234", "好") keeps
    the chat's previous script. A Traditional message with no regional wording keeps the
    chat's region (a Taiwan writer stays Taiwan), else gets ``default_region``.
    """
    prior: Script = previous if previous in SCRIPTS else ""
    if not has_cjk(text):
        return prior
    signals = script_signals(text)
    if signals.script == "Hans":
        return "Hans"
    if signals.script == "Hant":
        region = signals.region
        if region is None and prior.startswith("Hant-"):
            return prior
        return "Hant-TW" if (region or default_region) == "TW" else "Hant-HK"
    if signals.region == "HK" and prior != "Hans":
        return "Hant-HK"  # Cantonese in shared characters (a simplified writer stays so)
    if prior:
        return prior
    return "Hans" if detect_language(text) == "zh" else ""


# Short answers that belong to no language: a Chinese chat answered "ok" or "3582" goes on
# in Chinese (and in the chat's script).
_NEUTRAL_WORDS = frozenset(
    [
        "ok",
        "okay",
        "k",
        "kk",
        "yes",
        "no",
        "y",
        "n",
        "yep",
        "yeah",
        "yup",
        "nope",
        "sure",
        "thx",
        "ty",
        "cool",
        "fine",
        "alright",
    ]
)


def says_no_language(text: str) -> bool:
    """Tell whether TEXT shows no language: digits, symbols, or a bare "ok"/"yes"/"no"."""
    if has_cjk(text):
        return False
    words = re.findall(r"[a-z]+", text.lower())
    return all(w in _NEUTRAL_WORDS for w in words)
