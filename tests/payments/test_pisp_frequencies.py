"""Standing order frequencies beyond the daily and interval patterns: ``WkInMnthDay``,
``QtrDay`` and the ISO 20022 codes of ``OBFrequency6Code``, with real calendar dates, through
the schedule and through the API (consent, order, executor, AIS), and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from payments.support import (
    STANDING_ORDER_CONSENTS,
    Bank,
    Spec,
    ais_standing_orders,
    standing_order_consent_body,
    submit_standing_order,
)
from wendu.identity.models import Consent
from wendu.kit.holidays import WorkingDays, working_days
from wendu.ledger.models import StandingOrder
from wendu.openbanking.pisp.models import Instalment, Payment
from wendu.openbanking.pisp.schedule import Plan, week_in_month
from wendu.openbanking.pisp.tasks import run_due

CONSENTS = STANDING_ORDER_CONSENTS
CST = ZoneInfo("Asia/Shanghai")
WEEKDAYS = WorkingDays(lambda day: day.weekday() < 5)  # UTC, no holidays
CHINA = working_days("CN", "Asia/Shanghai")
FREQUENCY = "Data.Initiation.MandateRelatedInformation.Frequency"


def _dates(
    frequency: str,
    first: datetime,
    count: int,
    *,
    calendar: WorkingDays = WEEKDAYS,
    recurring: datetime | None = None,
) -> list[str]:
    """The local dates (in ``calendar``'s zone) of the first ``count`` instalments."""
    plan = Plan(
        frequency,
        first.astimezone(UTC),
        1,
        1,
        recurring_at=recurring.astimezone(UTC) if recurring else None,
        count=count,
        working_days=calendar,
    )
    due = [item[0] for item in map(plan.instalment, range(count + 1)) if item is not None]
    assert len(due) == count
    return [d.astimezone(calendar.zone).date().isoformat() for d in due]


@pytest.mark.parametrize(
    ("frequency", "first", "expected"),
    [
        # MNTH from 31 January: short months pay on their last day, then back to the 31st.
        ("MNTH", date(2030, 1, 31), "2030-01-31 2030-02-28 2030-03-31 2030-04-30 2030-05-31"),
        # ... and in a leap year, 29 February.
        ("MNTH", date(2032, 1, 31), "2032-01-31 2032-02-29 2032-03-31 2032-04-30 2032-05-31"),
        # YEAR from 29 February: 28 February in common years, 29 February in the next leap year.
        ("YEAR", date(2028, 2, 29), "2028-02-29 2029-02-28 2030-02-28 2031-02-28 2032-02-29"),
        # QURT from 30 November: 28/29 February, then the 30th again.
        ("QURT", date(2030, 11, 30), "2030-11-30 2031-02-28 2031-05-30 2031-08-30 2031-11-30"),
        # MIAN (half-yearly) from 31 August.
        ("MIAN", date(2031, 8, 31), "2031-08-31 2032-02-29 2032-08-31 2033-02-28 2033-08-31"),
        # WEEK and FRTN keep the first payment's weekday (Friday 4 January 2030).
        ("WEEK", date(2030, 1, 4), "2030-01-04 2030-01-11 2030-01-18 2030-01-25 2030-02-01"),
        ("FRTN", date(2030, 1, 4), "2030-01-04 2030-01-18 2030-02-01 2030-02-15 2030-03-01"),
        # DAIL is every calendar day, weekends included.
        ("DAIL", date(2030, 1, 4), "2030-01-04 2030-01-05 2030-01-06 2030-01-07 2030-01-08"),
        # The last Friday: January, February and April 2030 have four Fridays, March and
        # May five. The first payment (a Wednesday) is paid as given.
        (
            "WkInMnthDay:05:05",
            date(2030, 1, 2),
            "2030-01-02 2030-01-25 2030-02-22 2030-03-29 2030-04-26 2030-05-31",
        ),
        # The first Monday of each month.
        ("WkInMnthDay:01:01", date(2030, 1, 7), "2030-01-07 2030-02-04 2030-03-04 2030-04-01"),
        # The second Sunday (September 2030 begins on a Sunday).
        ("WkInMnthDay:02:07", date(2030, 8, 11), "2030-08-11 2030-09-08 2030-10-13"),
        # English quarter days, from a date between two of them.
        (
            "QtrDay:ENGLISH",
            date(2030, 5, 1),
            "2030-05-01 2030-06-24 2030-09-29 2030-12-25 2031-03-25 2031-06-24",
        ),
        # Starting on a quarter day: the next one, not the same day again.
        ("QtrDay:ENGLISH", date(2030, 12, 25), "2030-12-25 2031-03-25 2031-06-24"),
        ("QtrDay:SCOTTISH", date(2030, 12, 1), "2030-12-01 2031-02-02 2031-05-15 2031-08-01"),
        ("QtrDay:RECEIVED", date(2030, 1, 1), "2030-01-01 2030-03-20 2030-06-19 2030-09-24"),
    ],
)
def test_new_frequencies_make_the_expected_dates(
    frequency: str, first: date, expected: str
) -> None:
    start = datetime.combine(first, time(9), UTC)
    assert _dates(frequency, start, len(expected.split())) == expected.split()


def test_week_05_is_the_last_such_weekday_of_the_month() -> None:
    # February 2030 has four Fridays (1, 8, 15, 22); March 2030 five (1 ... 29).
    assert week_in_month(2030, 2, 5, 5) == week_in_month(2030, 2, 4, 5) == date(2030, 2, 22)
    assert week_in_month(2030, 3, 5, 5) == date(2030, 3, 29)
    assert week_in_month(2030, 3, 4, 5) == date(2030, 3, 22)
    # A month starting on the weekday asked for: the 1st is week 01.
    assert week_in_month(2030, 3, 1, 5) == date(2030, 3, 1)


def test_iso_codes_anchor_on_the_first_recurring_date() -> None:
    # A first payment on 10 January and recurring payments from 31 January: MNTH counts
    # from 31 January.
    first = datetime(2030, 1, 10, 9, tzinfo=UTC)
    recurring = datetime(2030, 1, 31, 9, tzinfo=UTC)
    assert _dates("MNTH", first, 4, recurring=recurring) == [
        "2030-01-10",
        "2030-01-31",
        "2030-02-28",
        "2030-03-31",
    ]


def test_calendar_dates_are_the_bank_s_local_dates() -> None:
    # 07:00 in Shanghai is 23:00 UTC the day before: the rules work on the Shanghai date.
    first = datetime(2030, 1, 15, 7, tzinfo=CST)
    assert _dates("IntrvlMnthDay:01:15", first, 3, calendar=CHINA) == [
        "2030-01-15",
        "2030-02-15",
        "2030-03-15",
    ]
    # Monday 7 January 2030 in Shanghai is still Sunday in UTC.
    monday = datetime(2030, 1, 7, 7, tzinfo=CST)
    assert _dates("WkInMnthDay:01:01", monday, 3, calendar=CHINA) == [
        "2030-01-07",
        "2030-02-04",
        "2030-03-04",
    ]
    assert _dates("IntrvlWkDay:01:01", monday, 3, calendar=CHINA) == [
        "2030-01-07",
        "2030-01-14",
        "2030-01-21",
    ]
    end_of_month = datetime(2030, 1, 31, 7, tzinfo=CST)
    assert _dates("MNTH", end_of_month, 3, calendar=CHINA) == [
        "2030-01-31",
        "2030-02-28",
        "2030-03-31",
    ]
    plan = Plan("MNTH", end_of_month.astimezone(UTC), 1, 1, count=3, working_days=CHINA)
    due = [item[0] for item in map(plan.instalment, range(3)) if item is not None]
    assert {d.astimezone(CST).time() for d in due} == {time(7)}


# --- through the API ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ais_spec(shared_dir: Path) -> Spec:
    """Return the official Account and Transaction spec."""
    path = shared_dir / "specs" / "uk-openbanking-4.0" / "account-info-openapi.json"
    return Spec(path, "urn:uk-openbanking-4.0:account-info")


def _listed(bank: Bank, ais_spec: Spec, tpp: Any, payer: Any) -> dict[str, Any]:
    listed = ais_standing_orders(bank, tpp, payer)
    ais_spec.check_response("/accounts/{AccountId}/standing-orders", "get", listed)
    [order] = listed.json()["Data"]["StandingOrder"]
    return dict(order)


def _paid(bank: Bank, order_id: str) -> list[tuple[int, str, str]]:
    """(sequence, Shanghai due date, status) of the order's instalments."""
    with bank.db.session(write=False) as s:
        rows = s.execute(
            select(Instalment)
            .where(Instalment.payment_id == order_id)
            .order_by(Instalment.sequence)
        ).scalars()
        return [(i.sequence, i.due_at.astimezone(CST).date().isoformat(), i.status) for i in rows]


def _at(day: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), CST)


@pytest.mark.parametrize(
    ("frequency", "dates"),
    [
        # The last Friday of the month: 26 January 2035 (four Fridays), 23 February (four),
        # 30 March (five).
        ("WkInMnthDay:05:05", ["2035-01-26", "2035-02-23", "2035-03-30"]),
        # MNTH from 31 January: 28 February, 31 March.
        ("MNTH", ["2035-01-31", "2035-02-28", "2035-03-31"]),
    ],
)
def test_an_order_with_a_new_frequency_pays_on_its_dates(
    bank: Bank, pis_spec: Spec, ais_spec: Spec, frequency: str, dates: list[str]
) -> None:
    request = standing_order_consent_body(_at(dates[0]), frequency, count=3)
    tpp, payer, order_id = submit_standing_order(bank, pis_spec, request, balance=1_000_00)
    order = _listed(bank, ais_spec, tpp, payer)
    assert order["MandateRelatedInformation"]["Frequency"] == {"Type": frequency}
    assert datetime.fromisoformat(order["NextPaymentDateTime"]) == _at(dates[0])
    # The final instalment's date, worked out at submission, is the third date.
    assert datetime.fromisoformat(
        order["MandateRelatedInformation"]["FinalPaymentDateTime"]
    ) == _at(dates[2])

    run_due(bank.db, bank.settings, _at(dates[0]))
    assert _paid(bank, order_id) == [(0, dates[0], "ACSC")]
    order = _listed(bank, ais_spec, tpp, payer)
    assert datetime.fromisoformat(order["NextPaymentDateTime"]) == _at(dates[1])

    # Nothing an hour before the second date, then exactly on it.
    run_due(bank.db, bank.settings, _at(dates[1], 8))
    assert len(_paid(bank, order_id)) == 1
    run_due(bank.db, bank.settings, _at(dates[1]))
    run_due(bank.db, bank.settings, _at(dates[2]))
    assert _paid(bank, order_id) == [
        (0, dates[0], "ACSC"),
        (1, dates[1], "ACSC"),
        (2, dates[2], "ACSC"),
    ]
    with bank.db.session(write=False) as s:
        payment = s.get(Payment, order_id)
        assert payment is not None
        ledger_order = s.get(StandingOrder, payment.standing_order_id)
        assert ledger_order is not None and ledger_order.status == "Expired"
    order = _listed(bank, ais_spec, tpp, payer)
    assert order["MandateRelatedInformation"]["Frequency"] == {"Type": frequency}


def _counts(bank: Bank, partner_id: str) -> tuple[int, int]:
    with bank.db.session(write=False) as s:
        consents = s.execute(
            select(func.count()).select_from(Consent).where(Consent.partner_id == partner_id)
        ).scalar_one()
        orders = s.execute(select(func.count()).select_from(StandingOrder)).scalar_one()
    return int(consents), int(orders)


@pytest.mark.parametrize(
    ("frequency", "extra", "field", "words"),
    [
        ("ADHO", {}, "Type", "ad hoc"),
        ("INDA", {}, "Type", "intra-day"),
        ("NONE", {}, "Type", "sets no dates"),
        ("NotKnown", {}, "Type", "sets no dates"),
        ("FOWK", {}, "Type", "does not define"),
        ("MNTH", {"CountPerPeriod": 2}, "CountPerPeriod", "once per period"),
        ("MNTH", {"CountPerPeriod": 0}, "CountPerPeriod", "once per period"),
        ("WEEK", {"PointInTime": "03"}, "PointInTime", "PointInTime is not supported"),
    ],
)
def test_frequencies_without_a_schedule_are_refused_and_create_nothing(
    bank: Bank, pis_spec: Spec, frequency: str, extra: dict[str, Any], field: str, words: str
) -> None:
    tpp = bank.tpp()
    body = standing_order_consent_body(_at("2035-01-31"), frequency)
    body["Data"]["Initiation"]["MandateRelatedInformation"]["Frequency"] |= extra
    pis_spec.check_request("/domestic-standing-order-consents", "post", body)  # valid OB
    before = _counts(bank, tpp.partner_id)
    response = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 400, response.text
    pis_spec.check_response("/domestic-standing-order-consents", "post", response)
    [error] = response.json()["Errors"]
    assert (error["ErrorCode"], error["Path"]) == ("U002", f"{FREQUENCY}.{field}")
    assert words in error["Message"]
    if field == "Type":
        assert "WkInMnthDay:0W:0D" in error["Message"]
        assert "MNTH, QURT, MIAN or YEAR" in error["Message"]
    assert _counts(bank, tpp.partner_id) == before == (0, before[1])


def test_count_per_period_1_is_accepted(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    body = standing_order_consent_body(_at("2035-01-31"), "QURT")
    body["Data"]["Initiation"]["MandateRelatedInformation"]["Frequency"]["CountPerPeriod"] = 1
    response = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 201, response.text
    pis_spec.check_response("/domestic-standing-order-consents", "post", response)
