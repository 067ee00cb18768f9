"""Customers of the sandbox bank: who they are, what they hold and how they tend to behave.

A :class:`Profile` carries the behaviour the activity generator needs; the rows for
customers, logins, accounts, cards, beneficiaries and standing orders are built from it.
Everything is drawn from random generators seeded by ``(seed, customer index)``, so the
same seed yields the same people with the same ids.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any, NamedTuple

from wendu.demo.catalogue import CNY_PER_UNIT
from wendu.demo.clock import Window, add_months
from wendu.demo.names import (
    CN_CITIES,
    EMAIL_DOMAINS,
    EMPLOYERS,
    GIVEN_CHARS,
    INTERNATIONAL,
    PAYEE_NAMES,
    SURNAMES,
)


class Segment(NamedTuple):
    """How customers of one segment earn, what they hold and how they spend."""

    weight: float
    income: tuple[int, int]  # monthly, in CNY
    income_kind: str  # salary|pension|allowance
    p_savings: float
    p_card: float
    p_renter: float
    trips: float  # holidays a year
    activity: float  # how often they spend
    spend: float  # how much they spend
    risk_weights: tuple[float, ...]  # C1..C5
    ages: tuple[int, int]


# A table reads better than one value per line. Columns: weight, income (CNY a month),
# income kind, P(savings), P(credit card), P(renting), trips a year, activity, spend,
# risk weights C1..C5, ages.
# fmt: off
SEGMENTS: dict[str, Segment] = {
    "student":            Segment(0.10, (1_500, 3_500),    "allowance", 0.3,  0.1,  0.2,  0.5, 0.8,  0.6, (1, 3, 4, 2, 1),       (18, 24)),  # noqa: E501
    "young_professional": Segment(0.22, (8_000, 22_000),   "salary",    0.6,  0.6,  0.75, 1.5, 1.05, 1.0, (0.5, 2, 4, 3, 1.5),   (23, 33)),  # noqa: E501
    "mass":               Segment(0.35, (5_000, 14_000),   "salary",    0.55, 0.4,  0.45, 0.8, 1.0,  0.9, (1, 3, 4, 1.5, 0.5),   (25, 60)),  # noqa: E501
    "affluent":           Segment(0.15, (22_000, 55_000),  "salary",    0.9,  0.8,  0.25, 2.5, 1.1,  1.6, (0.5, 2, 3.5, 3, 1.5), (30, 62)),  # noqa: E501
    "private":            Segment(0.05, (70_000, 200_000), "salary",    1.0,  0.9,  0.05, 4.0, 1.15, 2.8, (0.5, 1.5, 3, 3, 2),   (35, 72)),  # noqa: E501
    "retiree":            Segment(0.13, (3_000, 9_000),    "pension",   0.8,  0.15, 0.05, 1.2, 0.65, 0.8, (4, 4, 2, 0.5, 0.2),   (60, 85)),  # noqa: E501
}
# fmt: on

# Share of customers who wind their relationship down over the last months, and who joined
# during the window; the rest are steady customers.
FADING_SHARE = 0.18
NEWCOMER_SHARE = 0.08
INTERNATIONAL_SHARE = 0.09

SANDBOX_PASSWORD = "wendu-demo"

_SEGMENT_NAMES = tuple(SEGMENTS)
_SEGMENT_CUM = tuple(accumulate(v.weight for v in SEGMENTS.values()))
_SURNAME_CUM = tuple(accumulate(w for _, _, w in SURNAMES))
_CITY_CUM = tuple(accumulate(w for _, w in CN_CITIES))
_RISK = ("C1", "C2", "C3", "C4", "C5")
_TZ = {"CN": 8, "GB": 0, "US": -5, "DE": 1, "FR": 1, "IN": 5, "JP": 9, "KR": 9, "ES": 1}
_PHONE = {
    "GB": "+44",
    "US": "+1",
    "DE": "+49",
    "FR": "+33",
    "IN": "+91",
    "JP": "+81",
    "KR": "+82",
    "ES": "+34",
}


@dataclass(slots=True)
class Profile:
    """One customer's identity and habits, as the activity generator sees them."""

    index: int
    customer_id: str
    full_name: str
    language: str
    currency: str
    city: str
    tz_hours: int
    segment: str
    income: int  # monthly, minor units of ``currency``
    income_kind: str  # salary|pension|allowance
    payer: str
    pay_day: int
    spend: float  # multiplier on spending amounts (already in ``currency``)
    level: float  # multiplier on how often the customer spends
    trips: float
    abroad: bool  # lives outside China (spends with foreign merchants)
    joined_day: int  # day index of joining; 0 when the customer predates the window
    fade_month: int | None
    current_id: str = ""
    current_ident: str = ""
    current_scheme: str = "UK.OBIE.BBAN"
    savings_id: str | None = None
    savings_ident: str = ""
    savings_scheme: str = ""
    savings_rate_bps: int = 0
    card_id: str | None = None
    card_limit: int = 0
    rent: int = 0
    rent_day: int = 0
    landlord: tuple[str, str] = ("", "")
    save_amount: int = 0
    save_day: int = 0
    opening_current: int = 0
    opening_savings: int = 0
    own_external: str | None = None
    family_external: tuple[str, str] = ("", "")
    contacts: list[int] = field(default_factory=list)


@dataclass
class People:
    """The customers and every row that describes them (before any activity)."""

    profiles: list[Profile]
    customers: list[dict[str, Any]]
    logins: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    cards: list[dict[str, Any]]
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)
    standing_orders: list[dict[str, Any]] = field(default_factory=list)


def customer_rng(seed: int, index: int, stream: int = 0) -> random.Random:
    """Return the generator for one customer, independent of every other customer."""
    return random.Random((seed * 1_000_003 + index) * 7 + stream)


def hex_id(rng: random.Random, prefix: str) -> str:
    """Return an id shaped like ``kit.ids.new_id`` but drawn from ``rng``."""
    return f"{prefix}_{rng.getrandbits(96):024x}"


def luhn_digit(body: str) -> str:
    """Return the Luhn check digit that completes ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(pan: str) -> bool:
    """Return True when ``pan`` passes the Luhn check."""
    return pan.isdigit() and luhn_digit(pan[:-1]) == pan[-1]


def _iban(bank: str, sort_code: str, account: str) -> str:
    bban = bank + sort_code + account
    digits = "".join(str(int(c, 36)) for c in bban + "GB00")
    return f"GB{98 - int(digits) % 97:02d}{bban}"


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def _pick_cum(rng: random.Random, cum: tuple[float, ...]) -> int:
    x = rng.random() * cum[-1]
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class _Identifications:
    """Unique account identifications and card numbers for one seeding run."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def account(self, rng: random.Random, currency: str) -> tuple[str, str]:
        while True:
            if currency == "CNY":
                scheme, ident = "UK.OBIE.BBAN", "6217" + _digits(rng, 15)
            elif currency == "GBP":
                scheme, ident = "UK.OBIE.SortCodeAccountNumber", "608371" + _digits(rng, 8)
            else:
                scheme, ident = "UK.OBIE.IBAN", _iban("WEND", "608371", _digits(rng, 8))
            if ident not in self.seen:
                self.seen.add(ident)
                return scheme, ident

    def pan(self, rng: random.Random, brand: str) -> str:
        prefix = {"UnionPay": "625917", "Visa": "492936", "Mastercard": "541275"}[brand]
        while True:
            body = prefix + _digits(rng, 9)
            if body not in self.seen:
                self.seen.add(body)
                return body + luhn_digit(body)


def _name(rng: random.Random) -> tuple[str, str, str, str]:
    """Return (full name, latin name, email stem, country) of a Chinese customer."""
    surname, surname_py, _ = SURNAMES[_pick_cum(rng, _SURNAME_CUM)]
    chars = [GIVEN_CHARS[rng.randrange(len(GIVEN_CHARS))] for _ in range(rng.choice((1, 2, 2)))]
    given = "".join(c for c, _ in chars)
    given_py = "".join(p for _, p in chars)
    return (
        surname + given,
        f"{surname_py} {given_py.capitalize()}",
        f"{given_py}.{surname_py.lower()}",
        "CN",
    )


def build_people(seed: int, count: int, window: Window, password_hash: str) -> People:
    """Return ``count`` customers with their accounts, cards and habits."""
    ids = _Identifications()
    profiles: list[Profile] = []
    customers: list[dict[str, Any]] = []
    logins: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    for index in range(count):
        rng = customer_rng(seed, index)
        profile, customer = _customer(rng, index, window)
        profiles.append(profile)
        customers.append(customer)
        logins.append(
            {
                "customer_id": profile.customer_id,
                "username": f"demo{index + 1:05d}",
                "password_hash": password_hash,
            }
        )
        _accounts(rng, profile, window, ids, accounts, cards)
    people = People(profiles, customers, logins, accounts, cards)
    _relationships(seed, window, people)
    return people


def _customer(rng: random.Random, index: int, window: Window) -> tuple[Profile, dict[str, Any]]:
    showcase = index == 0  # demo00001: a steady, well-equipped customer for the tour
    segment = "young_professional" if showcase else _SEGMENT_NAMES[_pick_cum(rng, _SEGMENT_CUM)]
    traits = SEGMENTS[segment]
    income_kind = traits.income_kind
    international = not showcase and rng.random() < INTERNATIONAL_SHARE
    currency, abroad, language = "CNY", False, "zh"
    if international:
        givens, families, country, home_currency, home_city = rng.choice(INTERNATIONAL)
        given, family = rng.choice(givens), rng.choice(families)
        full_name = latin = f"{given} {family}"
        stem = _ascii(f"{given}.{family}")
        language = "zh" if rng.random() < 0.1 else "en"
        abroad = rng.random() < 0.6
        if abroad:
            currency, city = home_currency, home_city
        else:
            country, city = "CN", CN_CITIES[_pick_cum(rng, _CITY_CUM)][0]
    else:
        full_name, latin, stem, country = _name(rng)
        city = CN_CITIES[_pick_cum(rng, _CITY_CUM)][0]
        if rng.random() < 0.04:
            language = "en"
    unit = CNY_PER_UNIT[currency]
    income_cny = rng.randint(*traits.income)
    income = int(income_cny / unit) * 100
    age = rng.randint(*traits.ages)
    birth = window.end - timedelta(days=age * 365 + rng.randrange(365))
    newcomer = not showcase and rng.random() < NEWCOMER_SHARE and window.days > 120
    joined_day = rng.randrange(30, window.days - 90) if newcomer else 0
    fading = not showcase and not newcomer and window.months >= 3 and rng.random() < FADING_SHARE
    fade_month = None
    if fading:
        last = window.months - 1
        fade_month = max(1, last - rng.choice((2, 3, 3, 4)))
    if income_kind == "salary":
        payer = rng.choice(EMPLOYERS)[0]
    elif income_kind == "pension":
        payer = "城镇职工养老保险 Pension fund"
    else:
        payer = rng.choice(PAYEE_NAMES[:8])
    joined = (
        window.date_of(joined_day)
        if newcomer
        else window.start - timedelta(days=rng.randrange(200, 3650))
    )
    customer_id = hex_id(rng, "cus")
    risk_grade = _RISK[_pick_cum(rng, tuple(accumulate(traits.risk_weights)))]
    phone_prefix = _PHONE.get(country, "+86")
    if country == "GB":
        phone = f"+447700900{rng.randrange(1000):03d}"
    elif country == "US":
        phone = f"+1202555{rng.randrange(100, 200):04d}"
    elif country == "CN":
        phone = "+861" + rng.choice("3456789") + _digits(rng, 9)
    else:
        phone = phone_prefix + _digits(rng, 9)
    profile = Profile(
        index=index,
        customer_id=customer_id,
        full_name=full_name,
        language=language,
        currency=currency,
        city=city,
        tz_hours=_TZ.get(country if abroad else "CN", 8),
        segment=segment,
        income=income,
        income_kind=income_kind,
        payer=payer,
        pay_day=rng.choice((5, 10, 10, 15, 15, 20, 25)),
        spend=traits.spend * rng.uniform(0.75, 1.3) / unit,
        level=traits.activity * rng.uniform(0.7, 1.3),
        trips=traits.trips,
        abroad=abroad,
        joined_day=joined_day,
        fade_month=fade_month,
    )
    customer = {
        "id": customer_id,
        "full_name": full_name,
        "name_latin": latin,
        "kind": "individual",
        "email": f"{stem}{rng.randrange(10, 1000)}@{rng.choice(EMAIL_DOMAINS)}",
        "phone": phone,
        "country": country,
        "city": city,
        "birth_date": birth,
        "preferred_language": language,
        "risk_grade": risk_grade,
        "risk_assessed_on": window.end - timedelta(days=rng.randrange(20, 1000)),
        "segment": segment,
        "status": "active",
        "created_at": datetime(joined.year, joined.month, joined.day, 2, tzinfo=UTC)
        + timedelta(minutes=rng.randrange(600)),
    }
    return profile, customer


def _accounts(
    rng: random.Random,
    profile: Profile,
    window: Window,
    ids: _Identifications,
    accounts: list[dict[str, Any]],
    cards: list[dict[str, Any]],
) -> None:
    segment = SEGMENTS[profile.segment]
    showcase = profile.index == 0
    opened = (
        window.date_of(profile.joined_day)
        if profile.joined_day
        else window.start - timedelta(days=rng.randrange(200, 3650))
    )
    customer_id = profile.customer_id

    def account(kind: str, product: str, nickname: str, limit: int = 0) -> str:
        scheme, ident = ids.account(rng, profile.currency)
        account_id = hex_id(rng, "acc")
        accounts.append(
            {
                "id": account_id,
                "customer_id": customer_id,
                "product_id": product,
                "kind": kind,
                "currency": profile.currency,
                "nickname": nickname,
                "scheme_name": scheme,
                "identification": ident,
                "status": "Enabled",
                "opened_on": opened,
                "overdraft_limit_minor": limit,
                "balance_minor": 0,
            }
        )
        if kind == "current":
            profile.current_ident, profile.current_scheme = ident, scheme
        elif kind == "savings":
            profile.savings_ident, profile.savings_scheme = ident, scheme
        return account_id

    def card(account_id: str, kind: str, brand: str) -> None:
        cards.append(
            {
                "id": hex_id(rng, "card"),
                "account_id": account_id,
                "customer_id": customer_id,
                "pan": ids.pan(rng, brand),
                "brand": brand,
                "kind": kind,
                "expiry": f"{rng.randint(1, 12):02d}/{rng.randint(27, 31)}",
                "status": "active",
                "status_reason": None,
                "updated_at": datetime(opened.year, opened.month, opened.day, 3, tzinfo=UTC),
            }
        )

    cny = profile.currency == "CNY"
    zh = profile.language == "zh"
    current_product = "prd_current_cny" if cny else "prd_current_fx"
    profile.current_id = account(
        "current", current_product, "日常账户" if zh else f"Everyday {profile.currency}"
    )
    debit_brand = "UnionPay" if cny and rng.random() < 0.85 else rng.choice(("Visa", "Mastercard"))
    card(profile.current_id, "debit", debit_brand)
    if showcase or rng.random() < segment.p_savings:
        goal = rng.random() < 0.35
        profile.savings_id = account(
            "savings",
            "prd_savings_goal" if goal else "prd_savings_flex",
            ("目标储蓄" if goal else "灵活储蓄") if zh else "Savings",
        )
        profile.savings_rate_bps = 175 if goal else 135
        profile.save_amount = int(profile.income * rng.uniform(0.08, 0.25)) // 10000 * 10000
        profile.save_day = min(28, profile.pay_day + 2)
        profile.opening_savings = int(profile.income * rng.uniform(1, 10))
    if showcase or rng.random() < segment.p_card:
        limit = max(5_000_00, int(profile.income * rng.uniform(1.5, 4)) // 100_000 * 100_000)
        product = rng.choice(
            ("prd_card_classic", "prd_card_classic", "prd_card_platinum", "prd_card_travel")
        )
        profile.card_id = account("credit_card", product, "信用卡" if zh else "Credit card", limit)
        profile.card_limit = limit
        card(profile.card_id, "credit", rng.choice(("UnionPay", "Visa", "Mastercard")))
    if showcase or rng.random() < segment.p_renter:
        profile.rent = int(profile.income * rng.uniform(0.18, 0.35)) // 10000 * 10000
        profile.rent_day = rng.choice((1, 1, 5, 15, 28))
        profile.landlord = (rng.choice(PAYEE_NAMES), "6228" + _digits(rng, 15))
    profile.opening_current = int(profile.income * rng.uniform(0.3, 2.5))
    if rng.random() < 0.3 or profile.fade_month is not None:
        profile.own_external = "6230" + _digits(rng, 15)
    profile.family_external = (rng.choice(PAYEE_NAMES[:8]), "6212" + _digits(rng, 15))


def _relationships(seed: int, window: Window, people: People) -> None:
    """Link customers who pay each other and write payees and standing orders."""
    rng = random.Random(seed * 31 + 17)
    profiles = people.profiles
    by_currency: dict[str, list[int]] = {}
    for p in profiles:
        by_currency.setdefault(p.currency, []).append(p.index)
    for p in profiles:
        peers = by_currency[p.currency]
        if len(peers) > 1:
            wanted = min(len(peers) - 1, rng.choice((0, 1, 2, 2, 3, 4)))
            chosen: list[int] = []
            while len(chosen) < wanted:
                other = peers[rng.randrange(len(peers))]
                if other != p.index and other not in chosen:
                    chosen.append(other)
            p.contacts = chosen
    for p in profiles:
        _payees(customer_rng(seed, p.index, 1), window, p, people)


def _payees(rng: random.Random, window: Window, p: Profile, people: People) -> None:
    zh = p.language == "zh"

    def beneficiary(
        name: str, ident: str, reference: str, trusted: bool, scheme: str = "UK.OBIE.BBAN"
    ) -> None:
        people.beneficiaries.append(
            {
                "id": hex_id(rng, "ben"),
                "account_id": p.current_id,
                "name": name,
                "scheme_name": scheme,
                "identification": ident,
                "reference": reference,
                "trusted": trusted,
            }
        )

    for other_index in p.contacts:
        other = people.profiles[other_index]
        beneficiary(
            other.full_name,
            other.current_ident,
            "朋友转账" if zh else "Friends",
            False,
            other.current_scheme,
        )
    if p.rent:
        beneficiary(p.landlord[0], p.landlord[1], "房租" if zh else "Rent", True)
    if p.currency == "CNY":
        beneficiary(*p.family_external, "家人" if zh else "Family", True)
    if p.own_external:
        beneficiary(p.full_name, p.own_external, "本人他行账户" if zh else "Own account", True)
    if p.rent:
        _standing_order(
            rng, window, p, people, p.rent_day, p.rent, p.landlord[0], p.landlord[1], "房租 Rent"
        )
    if p.save_amount and p.savings_id:
        scheme, ident = p.savings_scheme, p.savings_ident
        _standing_order(
            rng,
            window,
            p,
            people,
            p.save_day,
            p.save_amount,
            p.full_name,
            ident,
            "储蓄 Savings",
            scheme,
        )


def stop_day(window: Window, p: Profile) -> int | None:
    """Return the day index from which a fading customer's standing orders stop."""
    if p.fade_month is None:
        return None
    return window.first_day_of_month(min(window.months - 1, p.fade_month + 2))


def _standing_order(
    rng: random.Random,
    window: Window,
    p: Profile,
    people: People,
    day_of_month: int,
    amount: int,
    creditor: str,
    ident: str,
    reference: str,
    scheme: str = "UK.OBIE.BBAN",
) -> None:
    dom = min(28, day_of_month)
    first = (
        window.date_of(p.joined_day)
        if p.joined_day
        else window.start - timedelta(days=rng.randrange(60, 1500))
    )
    first = first.replace(day=dom) if first.day <= dom else add_months(first.replace(day=dom), 1)
    stop = stop_day(window, p)
    paid = [d for d in window.monthly(dom) if d >= p.joined_day]
    if stop is not None:
        last_paid = [d for d in paid if d < stop]
        final: date | None = window.date_of(last_paid[-1]) if last_paid else first
        upcoming: date | None = None
        status = "Inactive"
    else:
        final = None
        upcoming = add_months(window.end.replace(day=dom), 1 if window.end.day >= dom else 0)
        status = "Active"
    people.standing_orders.append(
        {
            "id": hex_id(rng, "so"),
            "account_id": p.current_id,
            "frequency": f"IntrvlMnthDay:01:{dom:02d}",
            "reference": reference,
            "first_payment_at": _at(first, 1),
            "next_payment_at": _at(upcoming, 1) if upcoming else None,
            "final_payment_at": _at(final, 1) if final else None,
            "amount_minor": amount,
            "currency": p.currency,
            "creditor_name": creditor,
            "creditor_scheme": scheme,
            "creditor_identification": ident,
            "status": status,
            "details": None,
        }
    )


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
