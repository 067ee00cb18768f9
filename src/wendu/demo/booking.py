"""Book planned events in time order with running balances, as balanced transactions.

A payment the account cannot afford is dropped, so no account ever goes below its
overdraft limit; every transaction's legs sum to zero.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from wendu.demo.catalogue import internal_account_id
from wendu.demo.clock import Window
from wendu.demo.people import Profile

# (epoch seconds, kind, description, reference, merchant id, ((account id, amount), ...))
Leg = tuple[str, int]
Txn = tuple[int, str, str, str | None, int | None, tuple[Leg, ...]]

# Planned event: (epoch seconds, op, account, counter account, amount, kind, description,
# reference, merchant id)
Event = tuple[int, int, str, str, int, str, str, str | None, int | None]

# What an event does to the customer's ``account`` and its ``counter`` account.
CREDIT, DEBIT, DEBIT_FX, TRANSFER, INTEREST, REPAY, DRAIN = range(7)

FX_FEE_PER_MILLE = 15
CARD_INTEREST_PER_MILLE = 15


def event(
    ts: int,
    op: int,
    account: str,
    counter: str,
    amount: int,
    kind: str,
    description: str,
    reference: str | None = None,
    merchant_id: int | None = None,
) -> Event:
    """Return a planned event."""
    return (ts, op, account, counter, amount, kind, description, reference, merchant_id)


def walk(p: Profile, events: list[Event], rng: random.Random) -> list[Txn]:
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
        if op == DEBIT:
            if amount <= 0 or bal[account] - amount < floor[account]:
                continue
            bal[account] -= amount
            add((ts, kind, desc, ref, merchant, ((account, -amount), (counter, amount))))
        elif op == CREDIT:
            if amount <= 0:
                continue
            bal[account] += amount
            add((ts, kind, desc, ref, merchant, ((account, amount), (counter, -amount))))
        elif op == TRANSFER:
            if amount <= 0 or bal[account] - amount < floor[account]:
                continue
            bal[account] -= amount
            if counter in bal:
                bal[counter] += amount
            add((ts, kind, desc, ref, merchant, ((account, -amount), (counter, amount))))
        elif op == DEBIT_FX:
            fee = amount * FX_FEE_PER_MILLE // 1000
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
        elif op == INTEREST:
            # ``amount`` is the annual rate in basis points; savings pay monthly, current
            # accounts quarterly.
            periods = 12 if account == p.savings_id else 4
            earned = bal[account] * amount // (10000 * periods)
            if earned <= 0:
                continue
            bal[account] += earned
            add((ts, kind, desc, ref, None, ((account, earned), (counter, -earned))))
        elif op == REPAY:
            _repay(bal, floor, ts, account, counter, fees, add)
        elif op == DRAIN:
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
    charge = unpaid * CARD_INTEREST_PER_MILLE // 1000
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
