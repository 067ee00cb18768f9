"""Entities (amounts, dates, accounts, merchants), numbers and language detection."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from wendu.assistant.nlu import detect_language, extract_entities
from wendu.assistant.nlu.entities import find_merchants
from wendu.assistant.nlu.numbers import parse_number

TODAY = date(2026, 11, 25)  # a Wednesday
MERCHANTS = ["Starbucks|星巴克", "McDonald's|麦当劳", "Tesco", "京东|JD.com", "Amazon"]


def only(text: str, kind: str, now: date = TODAY) -> dict[str, Any]:
    """Return the single entity of KIND found in TEXT."""
    found = [
        e.as_dict()
        for e in extract_entities(text, now=now, merchants=MERCHANTS)
        if e.entity == kind
    ]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "currency", "surface"),
    [
        ("transfer ¥100 to my mum", "100", "CNY", "¥100"),
        ("给妈妈转100元", "100", "CNY", "100元"),
        ("转一百元给他", "100", "CNY", "一百元"),
        ("我想贷3.5万元", "35000", "CNY", "3.5万元"),
        ("花了¥3.5万", "35000", "CNY", "¥3.5万"),
        ("上个月消费了三千五百块钱", "3500", "CNY", "三千五百块钱"),
        ("send $20 to Bob", "20", "USD", "$20"),
        ("it cost 20 pounds", "20", "GBP", "20 pounds"),
        ("I paid £12.50 for lunch", "12.50", "GBP", "£12.50"),
        ("refund of twenty five dollars", "25", "USD", "twenty five dollars"),
        ("换1,200美元", "1200", "USD", "1,200美元"),
        ("pay EUR 40 now", "40", "EUR", "EUR 40"),
        ("全角金额￥２００", "200", "CNY", "￥２００"),
    ],
)
def test_amounts(text: str, value: str, currency: str, surface: str) -> None:
    ent = only(text, "amount")
    assert (ent["value"], ent["currency"], ent["text"]) == (value, currency, surface)
    assert text[ent["start"] : ent["end"]] == surface
    assert Decimal(str(ent["value"])) > 0


def test_plain_numbers_are_not_amounts() -> None:
    found = extract_entities("card ending 1234, order 5678", now=TODAY)
    assert [e.entity for e in found] == ["account"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("what did I spend today", "2026-11-25"),
        ("payments from yesterday", "2026-11-24"),
        ("the day before yesterday", "2026-11-23"),
        ("since last Monday", "2026-11-23"),
        ("last wednesday", "2026-11-18"),
        ("3 days ago", "2026-11-22"),
        ("three weeks ago", "2026-11-04"),
        ("on 2026-11-01", "2026-11-01"),
        ("on 1 November 2026", "2026-11-01"),
        ("Nov 3rd", "2026-11-03"),
        ("今天的消费", "2026-11-25"),
        ("昨天的交易", "2026-11-24"),
        ("前天", "2026-11-23"),
        ("上周一在星巴克", "2026-11-16"),
        ("这周五", "2026-11-27"),
        ("三天前", "2026-11-22"),
        ("两个月前", "2026-09-25"),
        ("3月5日的转账", "2026-03-05"),
        ("三月五号", "2026-03-05"),
        ("2025年12月31日", "2025-12-31"),
    ],
)
def test_dates_resolve_against_now(text: str, value: str) -> None:
    assert only(text, "date")["value"] == value


def test_date_ranges_for_weeks_and_months() -> None:
    assert only("上周的消费", "date_range")["value"] == "2026-11-16/2026-11-22"
    assert only("spending last month", "date_range")["value"] == "2026-10-01/2026-10-31"
    assert only("本月", "date_range")["start_date"] == "2026-11-01"


def test_month_day_without_year_prefers_the_recent_past() -> None:
    assert only("12月20日", "date")["value"] == "2026-12-20"  # within the next month
    assert only("12月20日", "date", now=date(2026, 3, 1))["value"] == "2025-12-20"


def test_now_is_read_as_the_local_time_the_caller_gives() -> None:
    # The caller passes the bank's local now (see test_nlu_dates); its own date is used.
    late = datetime(2026, 11, 25, 4, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert extract_entities("today", now=late)[0].value == "2026-11-25"
    assert extract_entities("today", now=late.astimezone(UTC))[0].value == "2026-11-24"


@pytest.mark.parametrize(
    ("text", "value", "extras"),
    [
        ("freeze my card ending 1234", "*1234", {"kind": "card", "last4": "1234"}),
        (
            "my credit card ending in 9876",
            "*9876",
            {"kind": "card", "last4": "9876", "account_type": "credit_card"},
        ),
        ("account ending with 4321", "*4321", {"kind": "account", "last4": "4321"}),
        ("尾号1234的卡丢了", "*1234", {"kind": "card", "last4": "1234"}),
        (
            "尾号为5678的信用卡",
            "*5678",
            {"kind": "card", "last4": "5678", "account_type": "credit_card"},
        ),
        ("尾号4321的账户", "*4321", {"kind": "account", "last4": "4321"}),
        ("卡号后四位8888", "*8888", {"kind": "card", "last4": "8888"}),
        ("balance of my savings account", "savings", {"kind": "account"}),
        ("my current account", "current", {"kind": "account"}),
        ("信用卡还款", "credit_card", {"kind": "card"}),
        ("储蓄账户利息", "savings", {"kind": "account"}),
    ],
)
def test_account_and_card_references(text: str, value: str, extras: dict[str, str]) -> None:
    ent = only(text, "account")
    assert ent["value"] == value
    assert {k: ent[k] for k in extras} == extras


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("how much did I spend at Starbucks", "Starbucks", "Starbucks"),
        ("how much at starbuks last week", "Starbucks", "starbuks"),
        ("I bought a burger at mcdonalds", "McDonald's", "mcdonalds"),
        ("paid at Tesco's yesterday", "Tesco", "Tesco's"),
        ("我在星巴克花了多少", "Starbucks", "星巴克"),
        ("麦当劳的消费", "McDonald's", "麦当劳"),
        ("order from jd.com", "京东", "jd.com"),
    ],
)
def test_merchants_from_the_gazetteer(text: str, value: str, surface: str) -> None:
    ent = only(text, "merchant")
    assert (ent["value"], ent["text"]) == (value, surface)


def test_merchant_matching_is_not_too_loose() -> None:
    assert extract_entities("I want to apply for a loan", merchants=["Apple"]) == []
    assert extract_entities("amazing service", merchants=["Amazon"]) == []
    assert extract_entities("anything", merchants=[]) == []


def test_all_kinds_together_with_offsets() -> None:
    text = "Refund £12.50 from Tesco on my card ending 4821 yesterday"
    found = extract_entities(text, now=TODAY, merchants=MERCHANTS)
    assert [(e.entity, e.value) for e in found] == [
        ("amount", "12.50"),
        ("merchant", "Tesco"),
        ("account", "*4821"),
        ("date", "2026-11-24"),
    ]
    for e in found:
        assert text[e.start : e.end] == e.text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百零五", "105"),
        ("两万三千", "23000"),
        ("三千五", "3500"),
        ("一点五", "1.5"),
        ("3.5万", "35000"),
        ("20k", "20000"),
        ("two hundred and fifty", "250"),
    ],
)
def test_numbers(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我的卡丢了", "zh"),
        ("what's my balance", "en"),
        ("我的Apple Pay不能用了", "zh"),
        ("How do I say 你好 in English?", "en"),
        ("my card 丢了", "zh"),  # a tie goes to zh
        ("ＡＴＭ吞卡了", "zh"),
        ("1234", "en"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_language_default_for_text_without_letters() -> None:
    assert detect_language("1234 !!", default="zh") == "zh"


# The customer's own counterparties, as the assistant builds them from the API: the names
# the bank holds for each merchant (English and Chinese) and payees.
COUNTERPARTIES = [
    ["Lanjing Coffee", "蓝鲸咖啡"],
    ["Lanjing Supermarket", "蓝鲸超市"],
    ["Bluebell Coffee House London"],
    ["The Copper Kettle London"],
    ["Property Management Fee", "物业管理费"],
    ["DiDi", "滴滴出行"],
    ["Li Hua"],
    ["张伟"],
]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("蓝鲸咖啡花了多少", ["Lanjing Coffee"]),
        ("在兰鲸咖啡的消费", ["Lanjing Coffee"]),  # one wrong character
        ("Lanjing coffee last month", ["Lanjing Coffee"]),
        ("lanjng coffee", ["Lanjing Coffee"]),  # a typo
        ("在蓝鲸花了多少", ["Lanjing Coffee", "Lanjing Supermarket"]),  # both are 蓝鲸
        ("how much at lanjing", ["Lanjing Coffee", "Lanjing Supermarket"]),
        ("how much did I spend at Bluebell", ["Bluebell Coffee House London"]),
        ("bluebel coffee house", ["Bluebell Coffee House London"]),
        ("the copper kettle", ["The Copper Kettle London"]),
        ("物业管理费交了多少", ["Property Management Fee"]),
        ("my didi rides", ["DiDi"]),
        ("transfers to Li Hua", ["Li Hua"]),
        ("给张伟转了多少", ["张伟"]),
        # A kind of shop alone names every counterparty of that kind, a brand only its own.
        ("how much on coffee", ["Lanjing Coffee", "Bluebell Coffee House London"]),
        ("咖啡花了多少钱", ["Lanjing Coffee"]),
        ("超市的消费", ["Lanjing Supermarket"]),
    ],
)
def test_merchants_grounded_in_the_customers_counterparties(text: str, names: list[str]) -> None:
    found = find_merchants(text, COUNTERPARTIES)
    assert sorted(e.value for e in found) == sorted(names), found
    for e in found:
        assert text[e.start : e.end] == e.text


@pytest.mark.parametrize(
    "text",
    [
        "How much did I spend last month?",
        "who did I pay yesterday",
        "what did i buy",
        "转账记录",
        "信用卡还款",
        "why was I charged a fee",
        "I want to apply for a loan",
        "上个月花了多少",
        "London",
    ],
)
def test_ordinary_words_are_no_merchants(text: str) -> None:
    assert find_merchants(text, COUNTERPARTIES) == []


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("29.83", "29.83", None),
        ("那笔29.83的扣款", "29.83", None),
        ("the 129 charge", "129", None),
        ("花了129", "129", None),
        ("三百块", "300", "CNY"),
        ("HK$200", "200", "HKD"),
        ("200蚊", "200", "HKD"),
        ("兩百蚊", "200", "HKD"),
        ("1,234.50", "1234.50", None),
    ],
)
def test_amounts_with_or_without_a_currency(text: str, value: str, currency: str | None) -> None:
    ent = only(text, "amount")
    assert (ent["value"], ent.get("currency")) == (value, currency)


def test_numbers_that_are_no_amounts() -> None:
    for text in ("for 3 days", "尾号3582", "2026-11-05", "12:30", "第2张"):
        assert [e for e in extract_entities(text, now=TODAY) if e.entity == "amount"] == []


@pytest.mark.parametrize(
    ("text", "extras"),
    [
        ("末四位3582", {"last4": "3582"}),
        ("2956嗰張", {"last4": "2956"}),
        ("冻结3582那张卡", {"last4": "3582"}),
        ("尾數為2956嘅卡", {"last4": "2956"}),
        ("the Visa one", {"brand": "Visa"}),
        ("银联卡丢了", {"brand": "UnionPay"}),
        ("信用卡那张", {"account_type": "credit_card"}),
        ("my credit card", {"account_type": "credit_card"}),
    ],
)
def test_card_references(text: str, extras: dict[str, str]) -> None:
    ent = only(text, "account")
    assert {k: ent[k] for k in extras} == extras
