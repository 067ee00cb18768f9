"""Domestic standing orders end to end: consents, set-up in the ledger (seen by AIS), and
the deterministic executor paying each instalment exactly once."""

from __future__ import annotations

import json
import secrets
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from factories import add_transaction
from payments.support import (
    PISP,
    STANDING_ORDER_CONSENTS,
    STANDING_ORDERS,
    Bank,
    Spec,
    ais_standing_orders,
    now_utc,
    payment_body,
    payment_consent_body,
    standing_order_consent_body,
    submit_standing_order,
)
from wendu.kit.holidays import WorkingDays, working_days
from wendu.ledger.models import Account, LedgerTransaction, StandingOrder
from wendu.openbanking.pisp.models import Instalment, Payment
from wendu.openbanking.pisp.schedule import Plan
from wendu.openbanking.pisp.standing_orders import bank_working_days, execute_standing_order
from wendu.openbanking.pisp.tasks import run_due

CONSENTS = STANDING_ORDER_CONSENTS
ORDERS = STANDING_ORDERS
CST = ZoneInfo("Asia/Shanghai")
# Monday to Friday in UTC, no holidays: the calendar of the pattern tests below.
WEEKDAYS = WorkingDays(lambda day: day.weekday() < 5)
CHINA = working_days("CN", "Asia/Shanghai")


def _code(response: httpx.Response) -> str:
    return str(response.json()["Errors"][0]["ErrorCode"])


def _first_at() -> datetime:
    return (now_utc() + timedelta(days=3)).replace(microsecond=0)


def _instalments(bank: Bank, order_id: str) -> list[tuple[int, int, str]]:
    with bank.db.session(write=False) as s:
        rows = s.execute(
            select(Instalment)
            .where(Instalment.payment_id == order_id)
            .order_by(Instalment.sequence)
        ).scalars()
        return [(i.sequence, i.amount_minor, i.status) for i in rows]


def _ledger_rows(bank: Bank, order_id: str) -> int:
    with bank.db.session(write=False) as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(LedgerTransaction.external_ref.like(f"{order_id}-%"))
            ).scalar_one()
        )


def test_standing_order_is_set_up_seen_by_ais_and_pays_each_instalment_once(
    clock: datetime, bank: Bank, pis_spec: Spec
) -> None:
    first_at = _first_at()
    request = standing_order_consent_body(
        first_at, "EvryDay", first="10.00", recurring="5.00", final="7.00", count=3
    )
    tpp, payer, order_id = submit_standing_order(bank, pis_spec, request)

    got = bank.get(f"{ORDERS}/{order_id}", tpp.client_token)
    pis_spec.check_response("/domestic-standing-orders/{DomesticStandingOrderId}", "get", got)
    assert got.json()["Data"]["Status"] == "INCO"
    assert got.json()["Data"]["Initiation"] == request["Data"]["Initiation"] | {
        "MandateRelatedInformation": got.json()["Data"]["Initiation"]["MandateRelatedInformation"]
    }
    consent_id = got.json()["Data"]["ConsentId"]
    consent = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    pis_spec.check_response("/domestic-standing-order-consents/{ConsentId}", "get", consent)

    # AIS: the customer's account now has the standing order.
    listed = ais_standing_orders(bank, tpp, payer)
    [order] = listed.json()["Data"]["StandingOrder"]
    assert order["MandateRelatedInformation"]["Frequency"]["Type"] == "EvryDay"
    assert order["CreditorAccount"]["Identification"] == "60161331926819"
    assert (
        order["FirstPaymentAmount"],
        order["NextPaymentAmount"],
        order["FinalPaymentAmount"],
    ) == (
        {"Amount": "10.00", "Currency": "CNY"},
        {"Amount": "10.00", "Currency": "CNY"},
        {"Amount": "7.00", "Currency": "CNY"},
    )

    # Nothing before the first date; the first instalment once, however often it runs.
    run_due(bank.db, bank.settings, first_at - timedelta(seconds=1))
    assert _instalments(bank, order_id) == []
    run_due(bank.db, bank.settings, first_at)
    run_due(bank.db, bank.settings, first_at + timedelta(hours=1))
    assert _instalments(bank, order_id) == [(0, 10_00, "ACSC")]
    assert bank.balance(payer.account_id) == 90_00
    listed = ais_standing_orders(bank, tpp, payer)
    [order] = listed.json()["Data"]["StandingOrder"]
    assert order["NextPaymentDateTime"].startswith(
        (first_at + timedelta(days=1)).date().isoformat()
    )
    assert order["NextPaymentAmount"] == {"Amount": "5.00", "Currency": "CNY"}

    # The second day's instalment with four executors at once.
    second = first_at + timedelta(days=1)
    barrier = threading.Barrier(4)

    def executor(direct: bool) -> None:
        barrier.wait()
        if direct:
            with bank.db.session() as s:
                execute_standing_order(
                    s, order_id, second, working_days=bank_working_days(bank.settings)
                )
        else:
            run_due(bank.db, bank.settings, second)

    threads = [threading.Thread(target=executor, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _instalments(bank, order_id) == [(0, 10_00, "ACSC"), (1, 5_00, "ACSC")]
    assert bank.balance(payer.account_id) == 85_00

    # Long after the end: only the final instalment remains, then the order has expired.
    run_due(bank.db, bank.settings, first_at + timedelta(days=30))
    run_due(bank.db, bank.settings, first_at + timedelta(days=31))
    assert _instalments(bank, order_id)[-1] == (2, 7_00, "ACSC")
    assert len(_instalments(bank, order_id)) == 3
    assert bank.balance(payer.account_id) == 78_00
    assert _ledger_rows(bank, order_id) == 3
    with bank.db.session(write=False) as s:
        payment = s.get(Payment, order_id)
        assert payment is not None and payment.standing_order_id is not None
        ledger_order = s.get(StandingOrder, payment.standing_order_id)
        assert ledger_order is not None
        assert (ledger_order.status, ledger_order.next_payment_at) == ("Expired", None)

    details = bank.get(f"{ORDERS}/{order_id}/payment-details", tpp.client_token)
    pis_spec.check_response(
        "/domestic-standing-orders/{DomesticStandingOrderId}/payment-details", "get", details
    )
    statuses = [s["Status"] for s in details.json()["Data"]["PaymentStatus"]]
    assert statuses == ["ACCP", "ACSC", "ACSC", "ACSC"]


@pytest.mark.parametrize(
    ("frequency", "first", "expected"),
    [
        # Friday 2030-01-04: working days skip the weekend.
        ("EvryWorkgDay", datetime(2030, 1, 4, 9), [(2030, 1, 4), (2030, 1, 7), (2030, 1, 8)]),
        # Every week on Wednesday (03), starting on a Friday.
        ("IntrvlWkDay:01:03", datetime(2030, 1, 4, 9), [(2030, 1, 4), (2030, 1, 9), (2030, 1, 16)]),
        # Every month on the 31st: short months pay on their last day.
        (
            "IntrvlMnthDay:01:31",
            datetime(2030, 1, 31, 9),
            [(2030, 1, 31), (2030, 2, 28), (2030, 3, 31)],
        ),
        (
            "IntrvlMnthDay:01:15",
            datetime(2030, 1, 20, 9),
            [(2030, 1, 20), (2030, 2, 15), (2030, 3, 15)],
        ),
    ],
)
def test_supported_frequencies_make_the_expected_dates(
    frequency: str, first: datetime, expected: list[tuple[int, int, int]]
) -> None:
    plan = Plan(frequency, first.replace(tzinfo=UTC), 1, 1, count=3, working_days=WEEKDAYS)
    dates = [plan.instalment(i) for i in range(4)]
    assert dates[3] is None
    assert [(d.year, d.month, d.day) for d, _ in filter(None, dates)] == expected


def _local_dates(plan: Plan, count: int) -> list[str]:
    dates = [plan.instalment(i) for i in range(count)]
    return [d.astimezone(CST).date().isoformat() for d, _ in filter(None, dates)]


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        # 2025 National Day: Sun 09-28 was worked (调休), Oct 1-8 were off, Sat 10-11 worked.
        (
            datetime(2025, 9, 26, 9, tzinfo=CST),
            "2025-09-26 2025-09-28 2025-09-29 2025-09-30 2025-10-09 2025-10-10 2025-10-11 "
            "2025-10-13",
        ),
        # 2026 Spring Festival: Sat 02-14 worked, Feb 15-23 off, Sat 02-28 worked.
        (
            datetime(2026, 2, 13, 9, tzinfo=CST),
            "2026-02-13 2026-02-14 2026-02-24 2026-02-25 2026-02-26 2026-02-27 2026-02-28 "
            "2026-03-02",
        ),
    ],
)
def test_every_working_day_skips_chinese_holidays_and_pays_on_make_up_days(
    first: datetime, expected: str
) -> None:
    plan = Plan("EvryWorkgDay", first.astimezone(UTC), 1, 1, count=8, working_days=CHINA)
    assert _local_dates(plan, 9) == expected.split()
    # Every instalment keeps the first payment's time of day.
    due = [item[0] for item in map(plan.instalment, range(8)) if item is not None]
    assert {d.astimezone(CST).time() for d in due} == {time(9)}


def test_every_working_day_counts_the_bank_s_local_date_not_the_utc_date() -> None:
    # 00:30 in Shanghai is 16:30 UTC the day before: Saturday 27 September in Shanghai is
    # still Friday in UTC, and Wednesday 1 October (a holiday) is Tuesday 30 September.
    first = datetime(2025, 9, 27, 0, 30, tzinfo=CST).astimezone(UTC)
    plan = Plan("EvryWorkgDay", first, 1, 1, count=5, working_days=CHINA)
    assert _local_dates(plan, 5) == [
        "2025-09-27",  # the first payment, paid when asked
        "2025-09-28",  # the make-up Sunday
        "2025-09-29",
        "2025-09-30",
        "2025-10-09",
    ]


def test_an_explicit_first_payment_on_a_holiday_is_paid_when_asked() -> None:
    first = datetime(2025, 10, 1, 9, tzinfo=CST).astimezone(UTC)  # National Day
    plan = Plan("EvryWorkgDay", first, 1, 1, count=3, working_days=CHINA)
    assert _local_dates(plan, 3) == ["2025-10-01", "2025-10-09", "2025-10-10"]
    # Holidays only move EvryWorkgDay: EvryDay still pays on every calendar day.
    every_day = Plan("EvryDay", first, 1, 1, count=3, working_days=CHINA)
    assert _local_dates(every_day, 3) == ["2025-10-01", "2025-10-02", "2025-10-03"]


def test_the_bank_s_country_decides_the_working_days() -> None:
    # England: Christmas Day and Boxing Day 2025 (Thu, Fri) are bank holidays.
    england = working_days("GB", "Europe/London", "ENG")
    first = datetime(2025, 12, 24, 9, tzinfo=UTC)
    plan = Plan("EvryWorkgDay", first, 1, 1, count=3, working_days=england)
    assert [d.date() for d, _ in filter(None, map(plan.instalment, range(3)))] == [
        date(2025, 12, 24),
        date(2025, 12, 29),
        date(2025, 12, 30),
    ]


def _next_new_years_eve() -> datetime:
    """09:00 in Shanghai on the next 31 December (at least a day away) before a weekday
    New Year's Day, a public holiday in China every year."""
    year = (now_utc() + timedelta(days=1)).astimezone(CST).year
    while True:
        eve = datetime(year, 12, 31, 9, tzinfo=CST)
        if eve > now_utc() + timedelta(days=1) and date(year + 1, 1, 1).weekday() < 5:
            return eve.astimezone(UTC)
        year += 1


def test_an_every_working_day_order_skips_new_year_s_day(
    clock: datetime, bank: Bank, pis_spec: Spec
) -> None:
    first_at = _next_new_years_eve()
    new_year = date(first_at.astimezone(CST).year + 1, 1, 1)
    request = standing_order_consent_body(first_at, "EvryWorkgDay", first="10.00", count=3)
    tpp, payer, order_id = submit_standing_order(bank, pis_spec, request)
    run_due(bank.db, bank.settings, first_at)
    assert _instalments(bank, order_id) == [(0, 10_00, "ACSC")]

    # Nothing is paid on New Year's Day, a weekday.
    run_due(bank.db, bank.settings, datetime.combine(new_year, time(12), CST))
    assert _instalments(bank, order_id) == [(0, 10_00, "ACSC")]

    listed = ais_standing_orders(bank, tpp, payer)
    [order] = listed.json()["Data"]["StandingOrder"]
    upcoming = datetime.fromisoformat(order["NextPaymentDateTime"]).astimezone(CST)
    assert upcoming.time() == time(9)
    assert upcoming.date() > new_year
    # It is the first working day after the holiday on the official calendar.
    between = [new_year + timedelta(days=i) for i in range((upcoming.date() - new_year).days)]
    assert not any(CHINA.is_working_day(day) for day in between)
    assert CHINA.is_working_day(upcoming.date())

    run_due(bank.db, bank.settings, upcoming)
    assert _instalments(bank, order_id) == [(0, 10_00, "ACSC"), (1, 5_00, "ACSC")]


@pytest.mark.parametrize(
    "frequency",
    [
        "NotKnown",
        "ADHO",
        "INDA",
        "NONE",
        "WODL",
        "WkInMnthDay:06:01",
        "QtrDay:IRISH",
        "IntrvlMnthDay:07:01",
        "Weekly",
    ],
)
def test_unsupported_frequencies_are_refused(bank: Bank, pis_spec: Spec, frequency: str) -> None:
    tpp = bank.tpp()
    response = bank.post(
        CONSENTS, standing_order_consent_body(_first_at(), frequency), tpp.client_token, tpp
    )
    assert (response.status_code, _code(response)) == (400, "U002"), response.text
    assert response.json()["Errors"][0]["Path"] == (
        "Data.Initiation.MandateRelatedInformation.Frequency.Type"
    )
    assert "not supported" in response.json()["Errors"][0]["Message"]
    pis_spec.check_response("/domestic-standing-order-consents", "post", response)


def test_bad_dates_and_amounts_are_refused(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    first = _first_at()
    past = standing_order_consent_body(now_utc() - timedelta(hours=1))
    final_before_first = standing_order_consent_body(
        first, count=None, final_at=first - timedelta(days=1)
    )
    both_ends = standing_order_consent_body(first, count=3, final_at=first + timedelta(days=9))
    mixed = standing_order_consent_body(first)
    mixed["Data"]["Initiation"]["RecurringPaymentAmount"]["Currency"] = "GBP"
    no_first_date = standing_order_consent_body(first)
    del no_first_date["Data"]["Initiation"]["MandateRelatedInformation"]["FirstPaymentDateTime"]
    zero = standing_order_consent_body(first, first="0.00")
    for body, code in (
        (past, "U003"),
        (final_before_first, "U003"),
        (both_ends, "U002"),
        (mixed, "U002"),
        (no_first_date, "U001"),
        (zero, "U002"),
    ):
        response = bank.post(CONSENTS, body, tpp.client_token, tpp)
        assert (response.status_code, _code(response)) == (400, code), response.text
        pis_spec.check_response("/domestic-standing-order-consents", "post", response)


def test_an_unfunded_instalment_fails_alone(bank: Bank, pis_spec: Spec) -> None:
    first_at = _first_at()
    request = standing_order_consent_body(
        first_at, "IntrvlWkDay:01:0" + str(first_at.isoweekday()), first="8.00", recurring="8.00"
    )
    tpp, payer, order_id = submit_standing_order(bank, pis_spec, request, balance=5_00)
    run_due(bank.db, bank.settings, first_at)
    assert _instalments(bank, order_id) == [(0, 8_00, "RJCT")]
    assert _ledger_rows(bank, order_id) == 0
    assert bank.balance(payer.account_id) == 5_00
    got = bank.get(f"{ORDERS}/{order_id}", tpp.client_token)
    pis_spec.check_response("/domestic-standing-orders/{DomesticStandingOrderId}", "get", got)
    assert got.json()["Data"]["StatusReason"][0]["StatusReasonCode"] == "AM04"
    details = bank.get(f"{ORDERS}/{order_id}/payment-details", tpp.client_token)
    pis_spec.check_response(
        "/domestic-standing-orders/{DomesticStandingOrderId}/payment-details", "get", details
    )

    # Funded before the next week's date, the order goes on.
    with bank.db.session() as s:
        account = s.get(Account, payer.account_id)
        assert account is not None
        add_transaction(s, account, 20_00, kind="deposit")
    run_due(bank.db, bank.settings, first_at + timedelta(days=7))
    assert _instalments(bank, order_id) == [(0, 8_00, "RJCT"), (1, 8_00, "ACSC")]
    assert bank.balance(payer.account_id) == 17_00


def test_wrong_consent_type_and_replays(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = standing_order_consent_body(_first_at())
    key = secrets.token_hex(8)
    first = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    replay = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    consent_id = first.json()["Data"]["ConsentId"]
    assert replay.json()["Data"]["ConsentId"] == consent_id
    body = payment_body(consent_id, request)

    domestic = payment_consent_body(amount="1.00")
    domestic_id = bank.post(f"{PISP}/domestic-payment-consents", domestic, tpp.client_token, tpp)
    domestic_token = bank.authorise(tpp, payer, domestic_id.json()["Data"]["ConsentId"])
    wrong = bank.post(ORDERS, body, domestic_token, tpp)
    assert (wrong.status_code, _code(wrong)) == (403, "U007"), wrong.text
    pis_spec.check_response("/domestic-standing-orders", "post", wrong)
    assert bank.post(ORDERS, body, tpp.client_token, tpp).status_code == 403

    token = bank.authorise(tpp, payer, consent_id)
    order_key = secrets.token_hex(8)
    made = bank.post(ORDERS, body, token, tpp, key=order_key)
    again = bank.post(ORDERS, body, token, tpp, key=order_key)
    assert (made.status_code, again.status_code) == (201, 201)
    order_id = made.json()["Data"]["DomesticStandingOrderId"]
    assert again.json()["Data"]["DomesticStandingOrderId"] == order_id
    different = json.loads(json.dumps(body))
    different["Data"]["Initiation"]["FirstPaymentAmount"]["Amount"] = "11.00"
    reused = bank.post(ORDERS, different, token, tpp, key=order_key)
    assert (reused.status_code, _code(reused)) == (400, "U009")
    used = bank.post(ORDERS, body, token, tpp)
    assert (used.status_code, _code(used)) == (400, "U011")
    with bank.db.session(write=False) as s:
        count = s.execute(
            select(func.count()).select_from(Payment).where(Payment.consent_id == consent_id)
        ).scalar_one()
        orders = s.execute(
            select(func.count())
            .select_from(StandingOrder)
            .where(StandingOrder.account_id == payer.account_id)
        ).scalar_one()
    assert (count, orders) == (1, 1)

    stranger = bank.tpp()
    for path, unknown in (
        (f"{CONSENTS}/{consent_id}", f"{CONSENTS}/pso-{'0' * 32}"),
        (f"{ORDERS}/{order_id}", f"{ORDERS}/dso_{'0' * 32}"),
        (f"{ORDERS}/{order_id}/payment-details", f"{ORDERS}/dso_{'0' * 32}/payment-details"),
    ):
        foreign = bank.get(path, stranger.client_token)
        missing = bank.get(unknown, stranger.client_token)
        assert (foreign.status_code, _code(foreign)) == (400, "U004"), path
        assert foreign.json()["Errors"] == missing.json()["Errors"]
        assert bank.get(path, tpp.client_token).status_code == 200
