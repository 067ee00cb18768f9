"""Find names from a gazetteer in a message: fuzzy, partial, Chinese and Latin script.

The gazetteer is a list of *groups*, each the names one counterparty goes by (e.g.
``["Lanjing Coffee", "蓝鲸咖啡"]``, the English and Chinese names the bank holds for one
merchant). The assistant builds it from the customer's own transactions
(``flows.counterparties``); nothing here knows any merchant.

- Latin names match word by word, ignoring case and punctuation ("mcdonalds" finds
  "McDonald's"), with small typos ("starbuks") and in part ("Bluebell" finds "Bluebell
  Coffee House London"). A match needs at least one *distinctive* word: a word that is
  not a function word ("did", "I", "who") nor a generic shop word ("coffee", "store"), so
  "how much did I spend" finds no "DiDi" and "coffee" alone finds no café.
- Chinese names match by their longest common run with the message (at least two
  characters, not only generic words such as 咖啡/超市), or as a whole with one wrong
  character ("兰鲸咖啡" finds 蓝鲸咖啡).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9][a-z0-9'’&.-]*")
# Words that never make a name on their own (function words, question and money words).
_STOP_EN_WORDS = """
a about after all am an and any are as at be been before between by can could did do
does done for from get got had has have how i i'd i'm in into is it its last me mine
month months much my of on or our over past please show since so spend spending spent
still than that the their them there these this those to today total transaction
transactions us was we week weeks were what when where which who whom why will with year
years yesterday you your payment payments paid pay money bought buy purchase purchases
list charge charged charges card cards account accounts refund recent recently ago day
days many much tell give check see find dispute
"""
STOP_EN = frozenset(_STOP_EN_WORDS.split())
# Words shops share: a match on these alone is no match.
_GENERIC_EN_WORDS = """
coffee cafe café house shop store stores restaurant supermarket market mall hotel inn
online express delivery centre center station service services company co ltd limited
inc bank club fresh convenience books book fashion electronics pharmacy hospital cinema
metro fuel noodle hotpot karaoke fitness music video classroom rides car mobile gas
water power billing broadband airlines airline travel agency gateway duty free transit
energy gym grocers grocery apps app the and
"""
GENERIC_EN = frozenset(_GENERIC_EN_WORDS.split())
# Kinds of shop: said alone ("how much on coffee", "话费扣了多少") they name every
# counterparty of that kind, and weigh less than any brand, so "蓝鲸咖啡" is one café.
_CATEGORY_EN_WORDS = """
coffee cafe café restaurant supermarket pharmacy cinema hotel gym grocers grocery hotpot
karaoke noodle airlines airline broadband
"""
CATEGORY_EN = frozenset(_CATEGORY_EN_WORDS.split())
CATEGORY_ZH = (
    "咖啡", "超市", "便利店", "生鲜", "餐厅", "火锅", "面馆", "影城", "健身", "服饰", "数码",
    "书店", "药房", "医院", "加油站", "地铁", "酒店", "航空", "旅行社", "客栈", "外卖", "话费",
    "宽带", "燃气", "水务", "电力", "物业",
)  # fmt: skip
CATEGORY_WEIGHT = 0.3
GENERIC_ZH = (
    "咖啡", "超市", "便利店", "生鲜市场", "市场", "餐厅", "火锅", "面馆", "影城", "健身",
    "服饰", "数码", "书店", "大药房", "药房", "医院", "加油站", "地铁", "酒店", "航空",
    "旅行社", "客栈", "会员", "外卖", "商城", "缴费", "话费", "宽带", "燃气", "水务", "电力",
    "物业管理费", "管理费", "用车", "出行", "转账", "还款", "工资", "利息", "储蓄", "消费",
    "交易", "支付", "账户", "信用卡", "银行", "公司", "花了", "多少", "上个月", "这个月",
)  # fmt: skip


def _fold(text: str) -> str:
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _squash(word: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]", "", re.sub(r"['’]s$", "", word))


def core_name(name: str) -> str:
    """Drop a trailing parenthesised place: "蓝鲸咖啡（上海）" -> "蓝鲸咖啡"."""
    return re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", name).strip()


@dataclass(frozen=True)
class NameMatch:
    """A gazetteer group found in the text: where, and how well (0..1)."""

    group: int
    start: int
    end: int
    score: float  # how much of the name was said (0..1)
    weight: float  # how much of the message matched (Chinese characters count triple)


def _tokens_equal(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) >= 5 and abs(len(a) - len(b)) <= 2:
        ratio = difflib.SequenceMatcher(None, a, b).ratio()
        return ratio if ratio >= 0.85 else 0.0
    return 0.0


Found = tuple[float, float, int, int]  # weight, score, start, end


def _latin_match(words: list[tuple[int, int, str]], name: str) -> Found | None:
    """Best run of message words equal (or nearly) to a run of the name's words."""
    tokens = [t for t in (_squash(w) for w in _WORD.findall(_fold(name))) if t]
    if not tokens:
        return None
    total = sum(len(t) for t in tokens)
    # A part of a name must include its lead word: "Copper" finds "The Copper Kettle",
    # "fee" does not find "Property Management Fee".
    lead = next((n for n, t in enumerate(tokens) if t not in GENERIC_EN and t not in STOP_EN), 0)
    best: Found | None = None
    for i in range(len(words)):
        for j in range(len(tokens)):
            k, t, matched, distinctive, exact, category = 0, j, 0, False, True, False
            while i + k < len(words) and t < len(tokens):
                word, token = words[i + k][2], tokens[t]
                similarity, width = _tokens_equal(word, token), 1
                if not similarity and t + 1 < len(tokens) and word == token + tokens[t + 1]:
                    similarity, width = 1.0, 2  # "jdcom" for "JD.com", "bluebell" for "Blue Bell"
                if not similarity:
                    break
                exact = exact and similarity == 1.0
                for part in tokens[t : t + width]:
                    if word not in STOP_EN and part not in GENERIC_EN and part not in STOP_EN:
                        distinctive = distinctive or len(part) >= 3 or len(tokens) == 1
                    category = category or part in CATEGORY_EN
                    matched += len(part)
                k, t = k + 1, t + width
            weigh = 1.0 if distinctive and (j <= lead < t or k >= 2) else 0.0
            if k and not weigh and category:
                weigh = CATEGORY_WEIGHT
            if k and weigh:
                quality = (1.0 if exact else 0.9) * weigh
                found = (
                    matched * quality,
                    matched / total * quality,
                    words[i][0],
                    words[i + k - 1][1],
                )
                if best is None or found[:2] > best[:2]:
                    best = found
    return best


def _common_run(text: str, name: str) -> tuple[int, int, int]:
    """Longest common substring: (start in text, length, start in name)."""
    matcher = difflib.SequenceMatcher(None, text, name, autojunk=False)
    m = matcher.find_longest_match(0, len(text), 0, len(name))
    return m.a, m.size, m.b


def generic_only(run: str) -> bool:
    """Return True when a Chinese run says nothing but generic shop words (咖啡, 超市)."""
    rest = run
    for word in sorted(GENERIC_ZH, key=len, reverse=True):
        rest = rest.replace(word, "")
    return len(_HAN.findall(rest)) < 2 and not re.search(r"[a-z0-9]{3}", rest)


def _han_match(folded: str, name: str) -> Found | None:
    key = _fold(core_name(name))
    key = re.sub(r"\s+", "", key)
    if len(key) < 2:
        return None
    start, size, _ = _common_run(folded, key)
    if size >= 2 and (size == len(key) or not generic_only(folded[start : start + size])):
        return 3.0 * size, size / len(key), start, start + size
    if len(key) >= 4:  # one wrong character in the whole name ("兰鲸咖啡")
        for i in range(len(folded) - len(key) + 1):
            window = folded[i : i + len(key)]
            if sum(a != b for a, b in zip(window, key, strict=True)) == 1 and _HAN.match(window):
                return 3.0 * (len(key) - 1), 0.8, i, i + len(key)
    for word in CATEGORY_ZH:  # the kind of shop alone ("话费" for 畅联通信话费)
        if word in key and (at := folded.find(word)) >= 0:
            return CATEGORY_WEIGHT * 3.0 * len(word), len(word) / len(key), at, at + len(word)
    return None


def find_names(text: str, groups: Sequence[Sequence[str]]) -> list[NameMatch]:
    """Return the groups named in TEXT, best first; groups that tie share the first place."""
    folded = _fold(text)
    words = [
        (m.start(), m.end(), _squash(m.group(0)))
        for m in _WORD.finditer(folded)
        if _squash(m.group(0))
    ]
    found: list[NameMatch] = []
    for index, names in enumerate(groups):
        best: Found | None = None
        for name in names:
            match = _han_match(folded, name) if _HAN.search(name) else _latin_match(words, name)
            if match is not None and (best is None or match[:2] > best[:2]):
                best = match
        if best is not None:
            weight, score, start, end = best
            found.append(NameMatch(index, start, end, round(score, 3), round(weight, 3)))
    return sorted(found, key=lambda m: (-m.weight, -m.score, m.start))


def best_names(text: str, groups: Sequence[Sequence[str]]) -> list[NameMatch]:
    """Return the groups that match the most of TEXT: several when the customer's words fit
    them equally ("Lanjing" for both a Lanjing café and a Lanjing supermarket), one when
    more words fit one ("Lanjing Coffee")."""
    found = find_names(text, groups)
    if not found:
        return []
    top = found[0].weight
    return [m for m in found if m.weight >= top - 1e-9]
