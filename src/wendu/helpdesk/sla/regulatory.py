"""Regulatory complaint deadlines per complaint category.

The rule type is explicit because regulators count differently: calendar days (with the
last day moved off a public holiday, as Chinese law counts periods), official working days,
or business hours on the desk's calendar. The default table is configuration owned by the
bank's consumer-protection team, not legal advice.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from wendu.helpdesk.sla.calendar import BusinessCalendar


class DeadlineBasis(enum.StrEnum):
    """How a regulatory period is counted."""

    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    BUSINESS_HOURS = "business_hours"


@dataclass(frozen=True)
class DeadlineRule:
    """A period after receipt within which the bank must decide and tell the complainant."""

    basis: DeadlineBasis
    amount: int
    # Allowed for complex cases, with notice to the customer.
    extended_amount: int | None = None
    # Calendar days: a last day falling on a day off moves to the next working day.
    roll_off_holiday: bool = True
    source: str = ""

    def deadline(
        self, received_at: dt.datetime, calendar: BusinessCalendar, *, extended: bool = False
    ) -> dt.datetime:
        """Return the UTC instant by which the complaint must be answered."""
        if received_at.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        amount = self.amount
        if extended:
            if self.extended_amount is None:
                raise ValueError("this rule allows no extension")
            amount = self.extended_amount
        if self.basis is DeadlineBasis.BUSINESS_HOURS:
            return calendar.add_business_time(received_at, dt.timedelta(hours=amount))
        received_day = calendar.local_date(received_at)
        if self.basis is DeadlineBasis.WORKING_DAYS:
            # The day of receipt is not counted, as for calendar days.
            return calendar.end_of_day(calendar.add_working_days(received_day, amount))
        last = received_day + dt.timedelta(days=amount)
        if self.roll_off_holiday and not calendar.is_working_day(last):
            last = calendar.add_working_days(last, 1)
        return calendar.end_of_day(last)


NFRA_15_DAYS = DeadlineRule(
    DeadlineBasis.CALENDAR_DAYS,
    15,
    extended_amount=30,
    source="银行保险机构消费投诉处理管理办法: decide within 15 days of receipt, 30 if complex",
)


@dataclass(frozen=True)
class RegulatoryRules:
    """Deadline rules looked up by category code, then issue, then product, then default."""

    default: DeadlineRule = NFRA_15_DAYS
    by_category: Mapping[str, DeadlineRule] = field(default_factory=dict)
    by_issue: Mapping[str, DeadlineRule] = field(default_factory=dict)
    by_product: Mapping[str, DeadlineRule] = field(default_factory=dict)

    def rule_for(self, category: str) -> DeadlineRule:
        """Return the most specific rule for a ``product.issue`` category code."""
        if category in self.by_category:
            return self.by_category[category]
        product, _, issue = category.partition(".")
        if issue in self.by_issue:
            return self.by_issue[issue]
        if product in self.by_product:
            return self.by_product[product]
        return self.default

    def deadline(
        self,
        category: str,
        received_at: dt.datetime,
        calendar: BusinessCalendar,
        *,
        extended: bool = False,
    ) -> dt.datetime:
        """Return the regulatory deadline of a complaint in ``category``."""
        return self.rule_for(category).deadline(received_at, calendar, extended=extended)


def default_regulatory_rules() -> RegulatoryRules:
    """Return the starting table: 15 calendar days, tighter house rules for fraud and privacy."""
    return RegulatoryRules(
        by_issue={
            # Unauthorised debits and lost cards: the bank commits to a decision within
            # 7 working days so that provisional refunds are not held over a holiday block.
            "unauthorised_transaction": DeadlineRule(
                DeadlineBasis.WORKING_DAYS, 7, extended_amount=15, source="house rule"
            ),
            "card_lost_stolen": DeadlineRule(
                DeadlineBasis.WORKING_DAYS, 7, extended_amount=15, source="house rule"
            ),
            "data_privacy": DeadlineRule(
                DeadlineBasis.WORKING_DAYS,
                15,
                source="house rule for personal-information requests (个人信息保护法)",
            ),
        },
        by_product={
            # Partner-app complaints need the TPP's input, so the full period applies.
            "open_banking": NFRA_15_DAYS,
        },
    )
