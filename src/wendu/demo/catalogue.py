"""Reference data of the sandbox bank: products, merchants and the bank's internal accounts.

The catalogue does not depend on the seed: every sandbox bank sells the same products,
shops at the same merchants and books against the same internal accounts, so seeding
twice into one database reuses them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

CURRENCIES: tuple[str, ...] = ("CNY", "GBP", "USD", "EUR")

# How many units of each currency one CNY amount is worth, for scaling spending patterns.
CNY_PER_UNIT: dict[str, float] = {"CNY": 1.0, "GBP": 9.1, "USD": 7.2, "EUR": 7.8}

# The bank's own ledger accounts that sit on the other side of customer postings.
INTERNAL_ROLES: dict[str, str] = {
    "salary": "Employer salary clearing",
    "merchant": "Card merchant settlement",
    "utility": "Bill payment collection",
    "interbank": "Interbank clearing",
    "interest": "Interest expense",
    "fees": "Card interest and fee income",
    "opening": "Balances brought forward",
}

# Internal accounts may go as negative as the bank's books need.
INTERNAL_LIMIT_MINOR = 10**15
_BANK_OPENED = date(2015, 6, 1)


def internal_account_id(role: str, currency: str) -> str:
    """Return the id of the internal account for ``role`` in ``currency``."""
    return f"acc_int_{role}_{currency.lower()}"


def internal_accounts() -> list[dict[str, Any]]:
    """Return the rows of every internal account (balances start at zero)."""
    rows = []
    for currency in CURRENCIES:
        for role, nickname in INTERNAL_ROLES.items():
            rows.append(
                {
                    "id": internal_account_id(role, currency),
                    "customer_id": None,
                    "product_id": None,
                    "kind": "internal",
                    "currency": currency,
                    "nickname": f"{nickname} {currency}",
                    "scheme_name": "UK.OBIE.BBAN",
                    "identification": f"WDINT{currency}{role.upper()}",
                    "status": "Enabled",
                    "opened_on": _BANK_OPENED,
                    "overdraft_limit_minor": INTERNAL_LIMIT_MINOR,
                    "balance_minor": 0,
                }
            )
    return rows


def _product(
    pid: str,
    kind: str,
    name: str,
    name_zh: str,
    description: str,
    description_zh: str,
    *,
    rate_bps: int | None = None,
    risk: str | None = None,
    currency: str = "CNY",
    term_months: int | None = None,
    min_amount: int | None = None,
) -> dict[str, Any]:
    return {
        "id": pid,
        "kind": kind,
        "name": name,
        "name_zh": name_zh,
        "description": description,
        "description_zh": description_zh,
        "risk_level": risk,
        "currency": currency,
        "interest_rate_bps": rate_bps,
        "term_months": term_months,
        "min_amount_minor": min_amount * 100 if min_amount is not None else None,
        "active": True,
    }


PRODUCTS: tuple[dict[str, Any], ...] = (
    _product(
        "prd_current_cny",
        "current",
        "Everyday Current Account",
        "日常活期账户",
        "A renminbi current account with a UnionPay debit card and free domestic transfers.",
        "人民币活期账户，配银联借记卡，境内转账免费。",
        rate_bps=20,
    ),
    _product(
        "prd_current_fx",
        "current",
        "Global Current Account",
        "环球活期账户",
        "A current account in pounds, dollars or euros for customers who live or earn abroad.",
        "英镑、美元或欧元活期账户，适合在境外生活或取得收入的客户。",
        rate_bps=10,
        currency="USD",
    ),
    _product(
        "prd_savings_flex",
        "savings",
        "Flexible Saver",
        "灵活储蓄",
        "Instant-access savings; interest is paid monthly and withdrawals are free.",
        "随存随取，按月付息，取款免费。",
        rate_bps=135,
    ),
    _product(
        "prd_savings_goal",
        "savings",
        "Goal Saver",
        "目标储蓄",
        "Save towards a goal with a monthly standing order and a bonus rate.",
        "每月定投，达成储蓄目标可享奖励利率。",
        rate_bps=175,
        min_amount=100,
    ),
    _product(
        "prd_deposit_3m",
        "deposit",
        "3-Month Time Deposit",
        "三个月定期存款",
        "A fixed rate for three months; early withdrawal earns the current-account rate.",
        "三个月固定利率，提前支取按活期计息。",
        rate_bps=125,
        term_months=3,
        min_amount=50,
    ),
    _product(
        "prd_deposit_1y",
        "deposit",
        "1-Year Time Deposit",
        "一年期定期存款",
        "A fixed rate for one year, interest paid at maturity.",
        "一年期固定利率，到期一次还本付息。",
        rate_bps=165,
        term_months=12,
        min_amount=50,
    ),
    _product(
        "prd_deposit_3y",
        "deposit",
        "3-Year Large Deposit",
        "三年期大额存单",
        "A three-year certificate of deposit for larger balances.",
        "三年期大额存单，适合较大金额的稳健储蓄。",
        rate_bps=235,
        term_months=36,
        min_amount=200_000,
    ),
    _product(
        "prd_wealth_cash",
        "wealth",
        "Daily Cash Fund",
        "天天现金宝",
        "A money-market fund with same-day redemption; very low volatility.",
        "货币市场基金，当日可赎回，波动极低。",
        rate_bps=190,
        risk="R1",
        min_amount=1,
    ),
    _product(
        "prd_wealth_bond",
        "wealth",
        "Steady Bond Plan",
        "稳享债券计划",
        "A portfolio of high-grade bonds held for 180 days; returns are not guaranteed.",
        "投资高等级债券，封闭期180天，收益不保证。",
        rate_bps=310,
        risk="R2",
        term_months=6,
        min_amount=10_000,
    ),
    _product(
        "prd_wealth_balanced",
        "wealth",
        "Balanced Growth Fund",
        "平衡成长基金",
        "Bonds and equities in roughly equal parts; the value moves with the markets.",
        "股债均衡配置，净值随市场波动。",
        risk="R3",
        min_amount=1_000,
    ),
    _product(
        "prd_wealth_equity",
        "wealth",
        "China Equity Select",
        "中国优选股票基金",
        "Mainly listed Chinese equities; suited to investors who accept large swings.",
        "主要投资A股上市公司，适合能承受较大波动的投资者。",
        risk="R4",
        min_amount=1_000,
    ),
    _product(
        "prd_wealth_global",
        "wealth",
        "Global Technology QDII",
        "全球科技QDII基金",
        "Overseas technology equities with currency risk; for experienced investors.",
        "投资海外科技股票，含汇率风险，适合经验丰富的投资者。",
        risk="R5",
        min_amount=10_000,
    ),
    _product(
        "prd_loan_personal",
        "loan",
        "Personal Loan",
        "个人消费贷款",
        "Borrow up to 300,000 yuan over one to five years at a fixed rate.",
        "最高30万元，期限1至5年，固定利率。",
        rate_bps=398,
        term_months=36,
        min_amount=5_000,
    ),
    _product(
        "prd_loan_mortgage",
        "loan",
        "Home Mortgage",
        "个人住房贷款",
        "A mortgage for first and second homes, up to 30 years.",
        "首套及二套住房贷款，最长30年。",
        rate_bps=355,
        term_months=360,
        min_amount=100_000,
    ),
    _product(
        "prd_loan_car",
        "loan",
        "Car Loan",
        "汽车消费贷款",
        "Finance a new or used car over up to five years.",
        "新车或二手车贷款，最长5年。",
        rate_bps=420,
        term_months=60,
        min_amount=20_000,
    ),
    _product(
        "prd_card_classic",
        "card",
        "Classic Credit Card",
        "经典信用卡",
        "Up to 56 days interest-free and points on every purchase.",
        "最长56天免息期，消费即享积分。",
        rate_bps=1825,
    ),
    _product(
        "prd_card_platinum",
        "card",
        "Platinum Credit Card",
        "白金信用卡",
        "Higher limits, airport lounges and travel insurance.",
        "更高额度，机场贵宾厅与旅行保险。",
        rate_bps=1825,
    ),
    _product(
        "prd_card_travel",
        "card",
        "Travel Credit Card",
        "环球旅行信用卡",
        "No foreign-transaction fee and double points abroad.",
        "境外消费免货币转换费，境外消费双倍积分。",
        rate_bps=1825,
    ),
)

# Spending kinds the activity generator chooses merchants by.
KINDS: tuple[str, ...] = (
    "grocery",
    "dining",
    "leisure",
    "online",
    "travel",
    "transport",
    "utility",
    "health",
    "shopping",
)


@dataclass(frozen=True)
class MerchantType:
    """A kind of shop: its MCC, category and how its name is built."""

    kind: str
    mcc: str
    category: str
    zh: str
    en: str


MERCHANT_TYPES: tuple[MerchantType, ...] = (
    MerchantType("grocery", "5411", "Groceries", "超市", "Supermarket"),
    MerchantType("grocery", "5499", "Groceries", "便利店", "Convenience Store"),
    MerchantType("grocery", "5422", "Groceries", "生鲜市场", "Fresh Market"),
    MerchantType("dining", "5812", "Dining", "餐厅", "Restaurant"),
    MerchantType("dining", "5814", "Dining", "咖啡", "Coffee"),
    MerchantType("dining", "5812", "Dining", "火锅", "Hotpot"),
    MerchantType("dining", "5814", "Dining", "面馆", "Noodle House"),
    MerchantType("leisure", "7832", "Entertainment", "影城", "Cinema"),
    MerchantType("leisure", "7997", "Entertainment", "健身", "Fitness Club"),
    MerchantType("leisure", "7911", "Entertainment", "KTV", "Karaoke"),
    MerchantType("shopping", "5651", "Shopping", "服饰", "Fashion"),
    MerchantType("shopping", "5732", "Shopping", "数码", "Electronics"),
    MerchantType("shopping", "5942", "Shopping", "书店", "Books"),
    MerchantType("health", "5912", "Health", "大药房", "Pharmacy"),
    MerchantType("health", "8062", "Health", "医院", "Hospital"),
    MerchantType("transport", "5541", "Transport", "加油站", "Fuel Station"),
    MerchantType("transport", "4111", "Transport", "地铁", "Metro"),
)

BRANDS: tuple[tuple[str, str], ...] = (
    ("鲜丰", "Xianfeng"),
    ("佳禾", "Jiahe"),
    ("惠邻", "Huilin"),
    ("百味", "Baiwei"),
    ("金谷", "Jingu"),
    ("乐购坊", "Legoufang"),
    ("朝阳", "Zhaoyang"),
    ("青橙", "Qingcheng"),
    ("福满", "Fuman"),
    ("小野", "Xiaoye"),
    ("大熊", "Daxiong"),
    ("星语", "Xingyu"),
    ("一品", "Yipin"),
    ("半山", "Banshan"),
    ("知味", "Zhiwei"),
    ("宜家人", "Yijiaren"),
    ("沐光", "Muguang"),
    ("蓝鲸", "Lanjing"),
    ("木子", "Muzi"),
    ("月半", "Yueban"),
)

# National online and utility merchants; city is None because they are not local.
ONLINE_MERCHANTS: tuple[tuple[str, str, str, str], ...] = (
    ("淘优选商城", "Taoyouxuan Mall", "5399", "Online shopping"),
    ("拼好物", "Pinhaowu", "5399", "Online shopping"),
    ("京速达", "Jingsuda Express Store", "5732", "Online shopping"),
    ("饿不着外卖", "Ebuzhao Delivery", "5814", "Food delivery"),
    ("美味到家", "Meiwei Daojia", "5814", "Food delivery"),
    ("云听音乐会员", "Yunting Music", "5815", "Digital services"),
    ("影视通会员", "Yingshitong Video", "5815", "Digital services"),
    ("知识星球课堂", "Zhishi Classroom", "8299", "Education"),
    ("顺心出行", "Shunxin Rides", "4121", "Ride hailing"),
    ("滴答用车", "Dida Car", "4121", "Ride hailing"),
    ("Northwind Books Online", "Northwind Books Online", "5942", "Online shopping"),
    ("Pebble Apps Store", "Pebble Apps Store", "5818", "Digital services"),
)

UTILITY_MERCHANTS: tuple[tuple[str, str, str, str], ...] = (
    ("国联电力缴费", "Guolian Power Billing", "4900", "Utilities"),
    ("清源水务", "Qingyuan Water", "4900", "Utilities"),
    ("蓝焰燃气", "Lanyan Gas", "4900", "Utilities"),
    ("畅联通信话费", "Changlian Mobile", "4814", "Telecom"),
    ("宽航宽带", "Kuanhang Broadband", "4899", "Telecom"),
    ("物业管理费", "Property Management Fee", "6513", "Housing"),
)

TRAVEL_MERCHANTS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("东方云航", "Dongfang Yunhang Airlines", "4511", "Travel", None),
    ("南翔航空", "Nanxiang Airlines", "4511", "Travel", None),
    ("铁路12306购票", "Rail Ticketing Centre", "4112", "Travel", None),
    ("悦途旅行社", "Yuetu Travel Agency", "4722", "Travel", None),
    ("海景假日酒店", "Seaview Holiday Hotel", "7011", "Travel", "三亚"),
    ("古城客栈", "Old Town Inn", "7011", "Travel", "丽江"),
    ("西湖畔酒店", "Lakeside Hotel Hangzhou", "7011", "Travel", "杭州"),
    ("Kinsale Court Hotel", "Kinsale Court Hotel", "7011", "Travel", "London"),
    ("Hôtel Rive Claire", "Hôtel Rive Claire", "7011", "Travel", "Paris"),
    ("Sakura Terrace Hotel", "Sakura Terrace Hotel", "7011", "Travel", "Tokyo"),
    ("Harbour Lights Hotel", "Harbour Lights Hotel", "7011", "Travel", "Singapore"),
    ("Duty Free Gateway", "Duty Free Gateway", "5309", "Travel", None),
)

# Shops and bills where customers abroad live: (name, mcc, category, kind).
FOREIGN_SHOPS: tuple[tuple[str, str, str, str], ...] = (
    ("Maple Basket Grocers", "5411", "Groceries", "grocery"),
    ("Corner Larder", "5499", "Groceries", "grocery"),
    ("The Copper Kettle", "5812", "Dining", "dining"),
    ("Bluebell Coffee House", "5814", "Dining", "dining"),
    ("Lanternlight Cinema", "7832", "Entertainment", "leisure"),
    ("Ironbark Gym", "7997", "Entertainment", "leisure"),
    ("Threadline Outfitters", "5651", "Shopping", "shopping"),
    ("Willow Pharmacy", "5912", "Health", "health"),
    ("Citylink Transit", "4111", "Transport", "transport"),
    ("Brightwater Energy", "4900", "Utilities", "utility"),
    ("Clearline Mobile", "4814", "Telecom", "utility"),
)

MERCHANT_ID_BASE = 100_000


@dataclass(frozen=True)
class MerchantRow:
    """A merchant and the spending kind it serves."""

    id: int
    name: str
    name_zh: str | None
    mcc: str
    category: str
    city: str | None
    kind: str


def merchants(cn_cities: tuple[str, ...], foreign_cities: tuple[str, ...]) -> list[MerchantRow]:
    """Return the fixed merchant catalogue (a few hundred rows) with stable ids."""
    rng = random.Random(20261128)
    rows: list[MerchantRow] = []

    def add(
        name: str, name_zh: str | None, mcc: str, category: str, city: str | None, kind: str
    ) -> None:
        rows.append(
            MerchantRow(MERCHANT_ID_BASE + len(rows) + 1, name, name_zh, mcc, category, city, kind)
        )

    for city in cn_cities:
        for mtype in MERCHANT_TYPES:
            for brand_zh, brand_en in rng.sample(BRANDS, 1 if mtype.kind != "grocery" else 2):
                add(
                    f"{brand_en} {mtype.en}",
                    f"{brand_zh}{mtype.zh}（{city}）",
                    mtype.mcc,
                    mtype.category,
                    city,
                    mtype.kind,
                )
    for zh, en, mcc, category in ONLINE_MERCHANTS:
        add(en, zh, mcc, category, None, "online")
    for zh, en, mcc, category in UTILITY_MERCHANTS:
        add(en, zh, mcc, category, None, "utility")
    for zh, en, mcc, category, where in TRAVEL_MERCHANTS:
        add(en, zh if zh != en else None, mcc, category, where, "travel")
    for city in foreign_cities:
        for name, mcc, category, kind in FOREIGN_SHOPS:
            add(f"{name} {city}", None, mcc, category, city, kind)
    return rows
