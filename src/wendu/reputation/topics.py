"""What a public mention is about: app outages, fees, cards, rumours, praise, ...

A transparent cue list per topic, in simplified Chinese and English; Traditional Chinese
is read through OpenCC (``t2s``) first, so one list serves Hong Kong and Taiwan posts too.
A mention may be about several topics; one about none is ``other``. Cue lists are small
on purpose: staff can read why a post was filed where it was.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Topic ids and their zh/en labels, in the order the console lists them.
TOPIC_LABELS: dict[str, dict[str, str]] = {
    "app_outage": {"zh": "App 与系统故障", "en": "App & outages"},
    "fees": {"zh": "收费", "en": "Fees"},
    "card": {"zh": "银行卡", "en": "Cards"},
    "transfer": {"zh": "转账汇款", "en": "Transfers"},
    "wealth_mis_selling": {"zh": "理财误导销售", "en": "Wealth mis-selling"},
    "staff": {"zh": "员工与服务", "en": "Staff & service"},
    "fraud_scam": {"zh": "诈骗与盗刷", "en": "Fraud & scams"},
    "solvency_rumour": {"zh": "兑付与挤兑传言", "en": "Solvency rumours"},
    "praise": {"zh": "好评", "en": "Praise"},
    "other": {"zh": "其他", "en": "Other"},
}

_CUES: dict[str, tuple[str, ...]] = {
    "app_outage": (
        "闪退", "登不上", "登录不了", "打不开", "崩了", "宕机", "系统故障", "系统维护", "转圈",
        "白屏", "无法登录", "网银用不了", "app挂了", "服务器", "验证码收不到",
        "outage", "app down", "is down", "crash", "can't log in", "cannot log in",
        "won't load", "not loading", "error message", "maintenance", "login fail",
    ),
    "fees": (
        "手续费", "年费", "管理费", "乱收费", "扣费", "收费", "小额账户", "费用",
        "fee", "fees", "charge", "charged", "overdraft", "commission",
    ),
    "card": (
        "信用卡", "借记卡", "银行卡", "卡被冻结", "冻卡", "额度", "刷卡", "补卡",
        "credit card", "debit card", "my card", "card declined", "card blocked", "limit",
    ),
    "transfer": (
        "转账", "汇款", "到账", "跨行", "转数快", "收款",
        "transfer", "wire", "payment pending", "not arrived", "hasn't arrived",
    ),
    "wealth_mis_selling": (
        "理财", "基金", "亏损", "保本", "误导", "飞单", "收益率", "风险评估", "爆雷",
        "wealth product", "investment", "mis-sold", "missold", "mis-selling", "guaranteed return",
        "fund lost",
    ),
    "staff": (
        "柜员", "客服", "经理", "态度", "排队", "服务差", "工作人员", "大堂",
        "staff", "teller", "customer service", "rude", "queue", "waited", "hold for",
    ),
    "fraud_scam": (
        "诈骗", "骗子", "盗刷", "被盗", "钓鱼", "冒充", "假客服", "短信链接",
        "scam", "fraud", "phishing", "stolen", "impersonat", "fake text", "hacked",
    ),
    "solvency_rumour": (
        "挤兑", "倒闭", "破产", "取不出", "冻结取款", "限制取款", "暴雷", "跑路", "兑付",
        "bank run", "collapse", "insolvent", "bankrupt", "withdrawals frozen",
        "freezing withdrawals", "can't withdraw", "cannot withdraw", "going under",
    ),
    "praise": (
        "点赞", "好评", "给力", "贴心", "方便", "快捷", "感谢", "专业", "赞",
        "great service", "love the", "thank you", "thanks to", "smooth", "well done", "impressed",
        "helpful", "best bank",
    ),
}  # fmt: skip


@lru_cache(maxsize=1)
def _to_simplified() -> object:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    out = {}
    for topic, cues in _CUES.items():
        parts = [re.escape(c) if not c.isascii() else r"\b" + re.escape(c) for c in cues]
        out[topic] = re.compile("|".join(parts), re.IGNORECASE)
    return out


def normalise(text: str) -> str:
    """Return ``text`` in simplified script (Traditional posts read the same cues)."""
    return str(_to_simplified().convert(text))  # type: ignore[attr-defined]


def topics_of(text: str) -> list[str]:
    """Return the topics a mention is about, in ``TOPIC_LABELS`` order (``["other"]`` if none)."""
    simple = normalise(text)
    found = [topic for topic, pattern in _patterns().items() if pattern.search(simple)]
    return found or ["other"]
