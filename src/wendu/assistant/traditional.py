"""Replies in the customer's script: the assistant's simplified Chinese as HK or TW Traditional.

The assistant writes simplified Chinese; a Traditional writer reads Hong Kong (OpenCC s2hk)
or Taiwan (s2twp, with Taiwan phrasing) Traditional, with a small reviewed table fixing
the words where OpenCC's choice reads wrong in a bank's reply. The chat channel converts
every reply once, when it stores it (``channels.service``), so the dialogue engine, the
knowledge quotes and the ticket notices all stay simplified in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from wendu.assistant.nlu.text import has_cjk, opencc_converter

# OpenCC's choice, then the wording a Hong Kong / Taiwan bank customer expects (reviewed on
# every reply text in ``dialogue.texts``): 并 is 並 ("and"), not 併 ("merge"), except in
# 合併/吞併; 回复 is 回覆 ("reply"), not 回復 ("restore"); 权限 stays 權限 (s2twp's 許可權
# is the computing term); quotes are 「」 as both regions print them.
_COMMON_FIXES: dict[str, str] = {
    "合併": "合併", "吞併": "吞併", "兼併": "兼併", "併購": "併購", "併": "並",
    "回復": "回覆", "“": "「", "”": "」", "‘": "『", "’": "』",
}  # fmt: skip
_HK_FIXES: dict[str, str] = {
    **_COMMON_FIXES,
    "户": "戶",  # the Hong Kong glyph list has 户, but customers and banks write 戶
    "説": "說",
    "帳户": "賬戶",
}
_TW_FIXES: dict[str, str] = {
    **_COMMON_FIXES,
    "許可權": "權限",
    "賬戶": "帳戶",
    "賬號": "帳號",
    "賬單": "帳單",
    "轉賬": "轉帳",
    "對賬單": "對帳單",
    "到賬": "入帳",
    "入賬": "入帳",
    "賬": "帳",
    "網上銀行": "網路銀行",
    "移動支付": "行動支付",
    "充值": "儲值",
    "二維碼": "QR Code",
    "質量": "品質",
}


def _fixer(table: dict[str, str]) -> Callable[[str], str]:
    pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: table[m.group(0)], text)


_FIX = {"Hant-HK": _fixer(_HK_FIXES), "Hant-TW": _fixer(_TW_FIXES)}
# A help article link in a reply opens the article in the reader's Traditional.
_HELP_LINK = re.compile(r"(/help/articles/[\w.-]+\?lang=)zh\b(?!-)")
_PAGE_LANG = {"Hant-HK": "zh-HK", "Hant-TW": "zh-TW"}
_TO_HANT = {"Hant-HK": "s2hk", "Hant-TW": "s2twp"}


def to_script(text: str, script: str) -> str:
    """Return the assistant's simplified TEXT in SCRIPT ("Hant-HK"/"Hant-TW"; else unchanged).

    English passes through unchanged (OpenCC leaves Latin text alone, and so do the fixes);
    a help article link (``/help/articles/SLUG?lang=zh``) is pointed at the Traditional page.
    """
    config = _TO_HANT.get(script)
    if config is None or not has_cjk(text):
        return text
    converted = _FIX[script](str(opencc_converter(config).convert(text)))
    return _HELP_LINK.sub(rf"\g<1>{_PAGE_LANG[script]}", converted)
