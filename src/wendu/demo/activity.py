"""A customer's months of money movements, as balanced ledger transactions.

:func:`simulate` first plans the customer's events (salary, bills, standing orders,
shopping, trips, Spring Festival, transfers to friends, interest, card repayments, and —
for customers who are fading — a last transfer of their money to another bank), then
books them in time order (:mod:`wendu.demo.booking`).

Transaction kinds written: ``opening_balance``, ``salary``, ``pension``, ``transfer``,
``standing_order``, ``bill_payment``, ``card_purchase``, ``interest``,
``card_repayment``, ``card_interest``, ``own_transfer``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from operator import itemgetter

from wendu.demo.booking import (
    CREDIT,
    DEBIT,
    DEBIT_FX,
    DRAIN,
    INTEREST,
    REPAY,
    TRANSFER,
    Event,
    Txn,
    event,
    walk,
)
from wendu.demo.catalogue import MerchantRow, internal_account_id
from wendu.demo.clock import Window
from wendu.demo.market import Market
from wendu.demo.names import SPRING_FESTIVAL
from wendu.demo.people import Profile, stop_day

# Timestamp of a random moment between two local hours of a day: (day, from, to) -> epoch.
Clock = Callable[[int, int, int], int]

# Average events a month for a customer of activity level 1, and amount ranges in CNY.
RATES: dict[str, float] = {
    "grocery": 1.1,
    "dining": 0.7,
    "leisure": 0.3,
    "online": 0.8,
    "transport": 0.25,
    "health": 0.08,
    "shopping": 0.2,
}
AMOUNTS: dict[str, tuple[float, float]] = {
    "grocery": (35, 420),
    "dining": (25, 260),
    "leisure": (40, 400),
    "online": (15, 600),
    "transport": (6, 300),
    "health": (20, 500),
    "shopping": (80, 2000),
}
# Kinds a customer with a credit card often puts on the card.
_CARD_KINDS = frozenset({"dining", "leisure", "online", "shopping", "travel"})
CURRENT_RATE_BPS = 20
_FADE = 0.55  # monthly factor on activity once a customer starts to fade

_TRANSFER_NOTES = (
    ("AA 聚餐", "Dinner split"),
    ("还你的钱", "Paying you back"),
    ("生日礼物", "Birthday gift"),
    ("代购费用", "Shopping for you"),
    ("房租分摊", "Share of rent"),
)
_BILLS = (
    ("电费", "Electricity"),
    ("水费", "Water"),
    ("燃气费", "Gas"),
    ("物业费", "Property fee"),
)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _label(merchant: MerchantRow, zh: bool) -> str:
    return (merchant.name_zh or merchant.name) if zh else merchant.name


def simulate(
    p: Profile,
    w: Window,
    market: Market,
    profiles: Sequence[Profile],
    rng: random.Random,
) -> list[Txn]:
    """Return the customer's transactions in time order, each balanced across its legs."""
    events = _plan(p, w, market, profiles, rng)
    events.sort(key=itemgetter(0))
    return walk(p, events, rng)


def _plan(
    p: Profile, w: Window, market: Market, profiles: Sequence[Profile], rng: random.Random
) -> list[Event]:
    cur = p.currency
    zh = p.language == "zh"
    tz = p.tz_hours * 3600
    mid = w.midnight
    joined = p.joined_day
    events: list[Event] = []
    add = events.append
    merchant_acct = internal_account_id("merchant", cur)
    interbank = internal_account_id("interbank", cur)
    months = w.months
    level = [
        p.level
        * (1.0 if p.fade_month is None or m < p.fade_month else _FADE ** (m - p.fade_month + 1))
        for m in range(months)
    ]
    stop = stop_day(w, p)
    last_day = w.days if stop is None else stop
    salary_until = w.days
    if p.fade_month is not None:
        # Fading customers move their salary elsewhere a month after they start to fade.
        salary_until = w.first_day_of_month(min(months - 1, p.fade_month + 1))

    def at(day: int, lo_hour: int, hi_hour: int) -> int:
        return mid[day] + rng.randrange(lo_hour * 3600, hi_hour * 3600) - tz

    # Money the customer already had when the window opens (or brings when joining).
    first_ts = mid[joined] + 60 if joined == 0 else at(joined, 9, 17)
    if joined == 0:
        source, note = internal_account_id("opening", cur), "承前余额 Balance brought forward"
    else:
        source, note = interbank, "开户存入 Initial deposit"
    add(
        event(
            first_ts,
            CREDIT,
            p.current_id,
            source,
            p.opening_current,
            "opening_balance",
            note,
            None,
            None,
        )
    )
    if p.savings_id and p.opening_savings:
        add(
            event(
                first_ts + 1,
                CREDIT,
                p.savings_id,
                source,
                p.opening_savings,
                "opening_balance",
                note,
                None,
                None,
            )
        )

    # Income.
    if p.income_kind == "allowance":
        for d in w.monthly(1):
            if joined <= d < salary_until:
                add(
                    event(
                        at(d, 9, 20),
                        CREDIT,
                        p.current_id,
                        interbank,
                        p.income,
                        "transfer",
                        f"生活费 Living allowance · {p.payer}",
                        "ALLOWANCE",
                        None,
                    )
                )
    else:
        kind = p.income_kind
        source = internal_account_id("salary", cur)
        label = ("工资 Salary" if kind == "salary" else "养老金 Pension") + f" · {p.payer}"
        for d in w.monthly(p.pay_day):
            if joined <= d < salary_until:
                when = w.date_of(d)
                amount = p.income + rng.randrange(-p.income // 20, p.income // 20 + 1) // 100 * 100
                add(
                    event(
                        mid[d] + 2 * 3600,
                        CREDIT,
                        p.current_id,
                        source,
                        amount,
                        kind,
                        label,
                        f"SAL {when:%Y-%m}",
                        None,
                    )
                )
        if kind == "salary":
            for year, (month, day) in SPRING_FESTIVAL.items():
                bonus_day = w.index_of(date(year, month, day) - timedelta(days=12))
                if joined <= bonus_day < salary_until:
                    bonus = int(p.income * rng.uniform(0.5, 2.5)) // 100 * 100
                    add(
                        event(
                            mid[bonus_day] + 3 * 3600,
                            CREDIT,
                            p.current_id,
                            source,
                            bonus,
                            "salary",
                            f"年终奖 Year-end bonus · {p.payer}",
                            f"BONUS {year}",
                            None,
                        )
                    )

    # Standing orders: rent to a landlord at another bank, and saving into the savings account.
    if p.rent:
        for d in w.monthly(p.rent_day):
            if joined <= d < last_day:
                add(
                    event(
                        mid[d] + 3600,
                        DEBIT,
                        p.current_id,
                        interbank,
                        p.rent,
                        "standing_order",
                        f"房租 Rent · {p.landlord[0]}",
                        f"RENT {w.date_of(d):%Y-%m}",
                        None,
                    )
                )
    if p.savings_id and p.save_amount:
        for d in w.monthly(p.save_day):
            if joined <= d < last_day:
                add(
                    event(
                        mid[d] + 3600,
                        TRANSFER,
                        p.current_id,
                        p.savings_id,
                        p.save_amount,
                        "standing_order",
                        "储蓄 Savings",
                        "SAVINGS",
                        None,
                    )
                )

    # Bills: the phone every month and one household bill in rotation.
    utility_acct = internal_account_id("utility", cur)
    if p.abroad:
        bill_pool = market.local.get((p.city, "utility"), market.utilities)
    else:
        bill_pool = market.utilities
    phone = next((m for m in bill_pool if m.mcc == "4814"), bill_pool[0])
    others = [m for m in bill_pool if m.mcc != "4814"] or bill_pool
    phone_day = rng.randint(3, 12)
    for i, d in enumerate(w.monthly(phone_day)):
        if joined <= d < w.days and rng.random() < min(1.0, 0.5 + level[w.month_of_day[d]]):
            amount = int(rng.uniform(39, 199) * p.spend * 100)
            add(
                event(
                    at(d, 8, 22),
                    DEBIT,
                    p.current_id,
                    utility_acct,
                    amount,
                    "bill_payment",
                    f"话费 Mobile bill · {_label(phone, zh)}",
                    None,
                    phone.id,
                )
            )
            if i % 2:
                continue  # household bills come every other month
            zh_bill, en_bill = _BILLS[i // 2 % len(_BILLS)]
            biller = others[i // 2 % len(others)]
            amount = int(rng.uniform(40, 450) * p.spend * 100)
            add(
                event(
                    at(min(d + 9, w.days - 1), 8, 22),
                    DEBIT,
                    p.current_id,
                    utility_acct,
                    amount,
                    "bill_payment",
                    f"{zh_bill} {en_bill} · {_label(biller, zh)}",
                    None,
                    biller.id,
                )
            )

    # Everyday spending, month by month.
    card = p.card_id
    for m in range(months):
        lam_level = level[m]
        if lam_level < 0.02:
            continue
        lo = w.first_day_of_month(m)
        hi = w.first_day_of_month(m + 1) if m + 1 < months else w.days
        lo = max(lo, joined)
        if lo >= hi:
            continue
        span = hi - lo
        for kind, rate in RATES.items():
            for _ in range(_poisson(rng, rate * lam_level)):
                d = lo + rng.randrange(span)
                if kind == "leisure":
                    wd = w.weekday[d]
                    if wd < 5 and d + (5 - wd) < hi:
                        d += 5 - wd
                if kind == "online":
                    pool = market.online_intl if p.abroad else market.online_cn
                    merchant = pool[rng.randrange(len(pool))]
                    ts = at(d, 8, 24)
                else:
                    merchant = market.pick(rng, p.city, kind)
                    ts = at(d, 10, 21) if kind != "dining" else at(d, 11, 21)
                a_lo, a_hi = AMOUNTS[kind]
                amount = int(rng.uniform(a_lo, a_hi) * p.spend * 100)
                account = (
                    card if card and kind in _CARD_KINDS and rng.random() < 0.6 else (p.current_id)
                )
                add(
                    event(
                        ts,
                        DEBIT,
                        account,
                        merchant_acct,
                        amount,
                        "card_purchase",
                        _label(merchant, zh),
                        None,
                        merchant.id,
                    )
                )
        if p.contacts:
            for _ in range(_poisson(rng, 0.3 * lam_level)):
                other = profiles[p.contacts[rng.randrange(len(p.contacts))]]
                note_zh, note_en = _TRANSFER_NOTES[rng.randrange(len(_TRANSFER_NOTES))]
                amount = int(rng.uniform(30, 800) * p.spend) * 100
                add(
                    event(
                        at(lo + rng.randrange(span), 9, 23),
                        TRANSFER,
                        p.current_id,
                        other.current_id,
                        amount,
                        "transfer",
                        f"{note_zh} {note_en} · {other.full_name}",
                        "AA",
                        None,
                    )
                )

    _trips(p, w, market, rng, events, level, at)
    if cur == "CNY":
        _spring_festival(p, w, market, profiles, rng, events, level, at)

    # Interest and card servicing.
    interest = internal_account_id("interest", cur)
    if p.savings_id:
        for d in w.month_ends:
            if d >= joined:
                add(
                    event(
                        mid[d] + 15 * 3600,
                        INTEREST,
                        p.savings_id,
                        interest,
                        p.savings_rate_bps,
                        "interest",
                        "利息 Interest",
                        None,
                        None,
                    )
                )
    for d in w.quarter_days:
        if d >= joined:
            add(
                event(
                    mid[d] + 15 * 3600,
                    INTEREST,
                    p.current_id,
                    interest,
                    CURRENT_RATE_BPS,
                    "interest",
                    "结息 Quarterly interest",
                    None,
                    None,
                )
            )
    if card:
        for d in w.monthly(25):
            if d >= joined:
                add(
                    event(
                        mid[d] + 4 * 3600,
                        REPAY,
                        card,
                        p.current_id,
                        0,
                        "card_repayment",
                        "信用卡还款 Card repayment",
                        None,
                        None,
                    )
                )
    if p.fade_month is not None:
        drain_month = min(months - 1, p.fade_month + 2)
        first = w.first_day_of_month(drain_month)
        d = min(w.days - 1, first + rng.randrange(3, 20))
        add(
            event(
                at(d, 10, 18),
                DRAIN,
                p.current_id,
                interbank,
                0,
                "transfer",
                "转至本人他行账户 Transfer to own account at another bank",
                "OWN ACCOUNT",
                None,
            )
        )
    return events


def _trips(
    p: Profile,
    w: Window,
    market: Market,
    rng: random.Random,
    events: list[Event],
    level: list[float],
    at: Clock,
) -> None:
    """Plan holidays: a flight or train, a hotel and meals at the destination."""
    zh = p.language == "zh"
    cur = p.currency
    merchant_acct = internal_account_id("merchant", cur)
    count = _poisson(rng, p.trips * w.months / 12 * (sum(level) / max(1, len(level)) / p.level))
    for _ in range(count):
        start = rng.randrange(max(p.joined_day, 0), w.days)
        if level[w.month_of_day[start]] < 0.2:
            continue
        nights = rng.randint(2, 7)
        abroad = p.abroad or rng.random() < (0.5 if p.segment in ("affluent", "private") else 0.15)
        if abroad:
            city = rng.choice(("London", "Paris", "Tokyo", "Singapore"))
        else:
            city = rng.choice(("三亚", "丽江", "杭州"))
        account = p.card_id or p.current_id
        flight = market.flights[rng.randrange(len(market.flights))]
        if not abroad and market.rail and rng.random() < 0.4:
            flight = market.rail
        fare = int(rng.uniform(500, 4500 if abroad else 1800) * p.spend * 100)
        events.append(
            event(
                at(max(p.joined_day, start - rng.randint(7, 40)), 9, 23),
                DEBIT,
                account,
                merchant_acct,
                fare,
                "card_purchase",
                _label(flight, zh),
                None,
                flight.id,
            )
        )
        end = min(w.days - 1, start + nights)
        hotel = market.hotels.get(city)
        fx = abroad and not p.abroad
        op = DEBIT_FX if fx else DEBIT
        if hotel:
            bill = int(rng.uniform(350, 1600) * nights * p.spend * 100)
            events.append(
                event(
                    at(end, 8, 12),
                    op,
                    account,
                    merchant_acct,
                    bill,
                    "card_purchase",
                    _label(hotel, zh),
                    None,
                    hotel.id,
                )
            )
        local_city = city if (city, "dining") in market.local else p.city
        for _ in range(rng.randint(1, 3)):
            d = rng.randint(start, end)
            meal = market.pick(rng, local_city, "dining")
            amount = int(rng.uniform(60, 600) * p.spend * 100)
            events.append(
                event(
                    at(d, 11, 22),
                    op,
                    account,
                    merchant_acct,
                    amount,
                    "card_purchase",
                    _label(meal, zh),
                    None,
                    meal.id,
                )
            )
        if fx and market.duty_free:
            amount = int(rng.uniform(300, 3000) * p.spend * 100)
            events.append(
                event(
                    at(end, 6, 10),
                    op,
                    account,
                    merchant_acct,
                    amount,
                    "card_purchase",
                    _label(market.duty_free, zh),
                    None,
                    market.duty_free.id,
                )
            )


def _spring_festival(
    p: Profile,
    w: Window,
    market: Market,
    profiles: Sequence[Profile],
    rng: random.Random,
    events: list[Event],
    level: list[float],
    at: Clock,
) -> None:
    """Plan the weeks before Chinese New Year: feasts, gifts, train tickets, red envelopes."""
    zh = p.language == "zh"
    merchant_acct = internal_account_id("merchant", "CNY")
    interbank = internal_account_id("interbank", "CNY")
    for year, (month, day) in SPRING_FESTIVAL.items():
        new_year = w.index_of(date(year, month, day))
        if not (21 <= new_year < w.days + 21) or new_year - 21 < p.joined_day:
            continue
        factor = level[w.month_of_day[min(w.days - 1, max(0, new_year))]]
        if factor < 0.2:
            continue
        lo, hi = new_year - 21, min(w.days, new_year)
        for _ in range(_poisson(rng, 3.0 * factor)):
            kind = rng.choice(("grocery", "shopping", "dining"))
            merchant = market.pick(rng, p.city, kind)
            amount = int(rng.uniform(200, 1500) * p.spend * 100)
            events.append(
                event(
                    at(rng.randrange(lo, hi), 9, 21),
                    DEBIT,
                    p.current_id,
                    merchant_acct,
                    amount,
                    "card_purchase",
                    _label(merchant, zh),
                    None,
                    merchant.id,
                )
            )
        if market.rail and rng.random() < 0.6:
            fare = int(rng.uniform(150, 900) * 100)
            events.append(
                event(
                    at(max(p.joined_day, lo - 10), 8, 10),
                    DEBIT,
                    p.current_id,
                    merchant_acct,
                    fare,
                    "card_purchase",
                    _label(market.rail, zh),
                    None,
                    market.rail.id,
                )
            )
        envelope = min(hi - 1, new_year - 1)
        for _ in range(rng.randint(1, 3)):
            amount = rng.choice((200, 288, 500, 666, 888, 1000, 2000)) * 100
            if p.contacts and rng.random() < 0.5:
                other = profiles[p.contacts[rng.randrange(len(p.contacts))]]
                events.append(
                    event(
                        at(envelope, 8, 23),
                        TRANSFER,
                        p.current_id,
                        other.current_id,
                        amount,
                        "transfer",
                        f"红包 Red envelope · {other.full_name}",
                        "HONGBAO",
                        None,
                    )
                )
            else:
                events.append(
                    event(
                        at(envelope, 8, 23),
                        DEBIT,
                        p.current_id,
                        interbank,
                        amount,
                        "transfer",
                        f"红包 Red envelope · {p.family_external[0]}",
                        "HONGBAO",
                        None,
                    )
                )
