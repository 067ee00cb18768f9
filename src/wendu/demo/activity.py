"""A customer's months of money movements, as balanced ledger transactions.

:func:`simulate` first plans the customer's events (salary, bills, standing orders,
shopping, trips, Spring Festival, transfers to friends, interest, card repayments, and —
for customers who are fading — a last transfer of their money to another bank), then
walks them in time order with running balances, dropping any payment the account could
not afford, so no account ever goes below its overdraft limit.

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

from wendu.demo.catalogue import MerchantRow, internal_account_id
from wendu.demo.clock import Window
from wendu.demo.names import SPRING_FESTIVAL
from wendu.demo.people import Profile, stop_day

# (epoch seconds, kind, description, reference, merchant id, ((account id, amount), ...))
Leg = tuple[str, int]
Txn = tuple[int, str, str, str | None, int | None, tuple[Leg, ...]]

# Planned event: (epoch seconds, op, account, counter account, amount, kind, description,
# reference, merchant id)
Event = tuple[int, int, str, str, int, str, str, str | None, int | None]

# Timestamp of a random moment between two local hours of a day: (day, from, to) -> epoch.
Clock = Callable[[int, int, int], int]

_CREDIT, _DEBIT, _DEBIT_FX, _TRANSFER, _INTEREST, _REPAY, _DRAIN = range(7)

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
_FX_FEE_PER_MILLE = 15
_CARD_INTEREST_PER_MILLE = 15
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


class Market:
    """Merchants grouped the way customers choose them: by city and kind."""

    def __init__(self, rows: Sequence[MerchantRow]) -> None:
        self.local: dict[tuple[str | None, str], list[MerchantRow]] = {}
        self.online_cn: list[MerchantRow] = []
        self.online_intl: list[MerchantRow] = []
        self.utilities: list[MerchantRow] = []
        self.flights: list[MerchantRow] = []
        self.hotels: dict[str, MerchantRow] = {}
        self.rail: MerchantRow | None = None
        self.duty_free: MerchantRow | None = None
        for row in rows:
            if row.kind == "online":
                (self.online_intl if row.name_zh in (None, row.name) else self.online_cn).append(
                    row
                )
            elif row.kind == "utility" and row.city is None:
                self.utilities.append(row)
            elif row.kind == "travel":
                if row.mcc == "7011" and row.city:
                    self.hotels[row.city] = row
                elif row.mcc == "4112":
                    self.rail = row
                elif row.mcc == "5309":
                    self.duty_free = row
                else:
                    self.flights.append(row)
            else:
                self.local.setdefault((row.city, row.kind), []).append(row)
        self.cities = sorted({city for city, _ in self.local if city})

    def pick(self, rng: random.Random, city: str, kind: str) -> MerchantRow:
        """Return a merchant of ``kind`` in ``city`` (an online one for ``online``)."""
        pool = self.local.get((city, kind)) or self.local[("上海", kind)]
        return pool[rng.randrange(len(pool))]


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
    return _walk(p, events, rng)


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
        (
            first_ts,
            _CREDIT,
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
            (
                first_ts + 1,
                _CREDIT,
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
                    (
                        at(d, 9, 20),
                        _CREDIT,
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
                    (
                        mid[d] + 2 * 3600,
                        _CREDIT,
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
                        (
                            mid[bonus_day] + 3 * 3600,
                            _CREDIT,
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
                    (
                        mid[d] + 3600,
                        _DEBIT,
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
                    (
                        mid[d] + 3600,
                        _TRANSFER,
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
                (
                    at(d, 8, 22),
                    _DEBIT,
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
                (
                    at(min(d + 9, w.days - 1), 8, 22),
                    _DEBIT,
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
                    (
                        ts,
                        _DEBIT,
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
                    (
                        at(lo + rng.randrange(span), 9, 23),
                        _TRANSFER,
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
                    (
                        mid[d] + 15 * 3600,
                        _INTEREST,
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
                (
                    mid[d] + 15 * 3600,
                    _INTEREST,
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
                    (
                        mid[d] + 4 * 3600,
                        _REPAY,
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
            (
                at(d, 10, 18),
                _DRAIN,
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
            (
                at(max(p.joined_day, start - rng.randint(7, 40)), 9, 23),
                _DEBIT,
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
        op = _DEBIT_FX if fx else _DEBIT
        if hotel:
            bill = int(rng.uniform(350, 1600) * nights * p.spend * 100)
            events.append(
                (
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
                (
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
                (
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
                (
                    at(rng.randrange(lo, hi), 9, 21),
                    _DEBIT,
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
                (
                    at(max(p.joined_day, lo - 10), 8, 10),
                    _DEBIT,
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
                    (
                        at(envelope, 8, 23),
                        _TRANSFER,
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
                    (
                        at(envelope, 8, 23),
                        _DEBIT,
                        p.current_id,
                        interbank,
                        amount,
                        "transfer",
                        f"红包 Red envelope · {p.family_external[0]}",
                        "HONGBAO",
                        None,
                    )
                )


def _walk(p: Profile, events: list[Event], rng: random.Random) -> list[Txn]:
    """Apply events in time order, skipping what the account cannot afford."""
    bal: dict[str, int] = {p.current_id: 0}
    floor: dict[str, int] = {p.current_id: 0}
    if p.savings_id:
        bal[p.savings_id] = 0
        floor[p.savings_id] = 0
    if p.card_id:
        bal[p.card_id] = 0
        floor[p.card_id] = -p.card_limit
    fees = internal_account_id("fees", p.currency)
    out: list[Txn] = []
    add = out.append
    for ts, op, account, counter, amount, kind, desc, ref, merchant in events:
        if op == _DEBIT:
            if amount <= 0 or bal[account] - amount < floor[account]:
                continue
            bal[account] -= amount
            add((ts, kind, desc, ref, merchant, ((account, -amount), (counter, amount))))
        elif op == _CREDIT:
            if amount <= 0:
                continue
            bal[account] += amount
            add((ts, kind, desc, ref, merchant, ((account, amount), (counter, -amount))))
        elif op == _TRANSFER:
            if amount <= 0 or bal[account] - amount < floor[account]:
                continue
            bal[account] -= amount
            if counter in bal:
                bal[counter] += amount
            add((ts, kind, desc, ref, merchant, ((account, -amount), (counter, amount))))
        elif op == _DEBIT_FX:
            fee = amount * _FX_FEE_PER_MILLE // 1000
            if amount <= 0 or bal[account] - amount - fee < floor[account]:
                continue
            bal[account] -= amount + fee
            add(
                (
                    ts,
                    kind,
                    desc,
                    ref,
                    merchant,
                    ((account, -amount - fee), (counter, amount), (fees, fee)),
                )
            )
        elif op == _INTEREST:
            # ``amount`` is the annual rate in basis points; savings pay monthly, current
            # accounts quarterly.
            periods = 12 if account == p.savings_id else 4
            earned = bal[account] * amount // (10000 * periods)
            if earned <= 0:
                continue
            bal[account] += earned
            add((ts, kind, desc, ref, None, ((account, earned), (counter, -earned))))
        elif op == _REPAY:
            _repay(bal, floor, ts, account, counter, fees, add)
        elif op == _DRAIN:
            _drain(p, bal, floor, ts, account, counter, desc, ref, fees, add, rng)
    return out


def _repay(
    bal: dict[str, int],
    floor: dict[str, int],
    ts: int,
    card: str,
    current: str,
    fees: str,
    add: Callable[[Txn], None],
) -> None:
    owed = -bal[card]
    if owed <= 0:
        return
    available = bal[current] - floor[current]
    if available >= owed:
        pay = owed
    elif available >= owed // 10:
        pay = available // 100 * 100
    else:
        pay = 0
    if pay > 0:
        bal[current] -= pay
        bal[card] += pay
        add(
            (
                ts,
                "card_repayment",
                "信用卡还款 Card repayment",
                None,
                None,
                ((current, -pay), (card, pay)),
            )
        )
    unpaid = owed - pay
    charge = unpaid * _CARD_INTEREST_PER_MILLE // 1000
    if charge > 0 and bal[card] - charge >= floor[card]:
        bal[card] -= charge
        add(
            (
                ts + 60,
                "card_interest",
                "信用卡利息 Card interest",
                None,
                None,
                ((card, -charge), (fees, charge)),
            )
        )


def _drain(
    p: Profile,
    bal: dict[str, int],
    floor: dict[str, int],
    ts: int,
    current: str,
    interbank: str,
    desc: str,
    ref: str | None,
    fees: str,
    add: Callable[[Txn], None],
    rng: random.Random,
) -> None:
    if p.savings_id and bal[p.savings_id] > 0:
        amount = bal[p.savings_id]
        bal[p.savings_id] = 0
        bal[current] += amount
        add(
            (
                ts - 120,
                "own_transfer",
                "转入活期 From savings",
                None,
                None,
                ((p.savings_id, -amount), (current, amount)),
            )
        )
    if p.card_id and bal[p.card_id] < 0:
        _repay(bal, floor, ts - 60, p.card_id, current, fees, add)
    amount = bal[current] - rng.randrange(0, 5000)
    if amount > 0:
        bal[current] -= amount
        add((ts, "transfer", desc, ref, None, ((current, -amount), (interbank, amount))))


def final_sweeps(
    profiles: Sequence[Profile], w: Window, balances: dict[str, int], seed: int
) -> list[Txn]:
    """Return the last transfers out of fading customers' current accounts.

    Money friends sent them arrives outside their own simulation, so whatever is left
    beyond small change moves to their other bank on the window's last evening.
    """
    out: list[Txn] = []
    ts = w.midnight[-1] + 86399
    for p in profiles:
        if p.fade_month is None:
            continue
        keep = random.Random(seed * 1_000_003 + p.index).randrange(0, 5000)
        amount = balances.get(p.current_id, 0) - keep
        if amount > 0:
            interbank = internal_account_id("interbank", p.currency)
            out.append(
                (
                    ts,
                    "transfer",
                    "转至本人他行账户 Transfer to own account at another bank",
                    "OWN ACCOUNT",
                    None,
                    ((p.current_id, -amount), (interbank, amount)),
                )
            )
    return out
