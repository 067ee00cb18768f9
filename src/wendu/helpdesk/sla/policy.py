"""SLA policies: targets per priority and customer segment, warnings, escalation chains.

Policies are plain frozen dataclasses so the helpdesk can keep them in configuration or a
table; ``to_dict``/``from_dict`` give a JSON-safe form.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Priority(enum.StrEnum):
    """Ticket priority, most urgent first."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Return 0 for urgent … 3 for low."""
        return list(Priority).index(self)


class Target(enum.StrEnum):
    """What an SLA clock measures."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class TimeBasis(enum.StrEnum):
    """Whether a duration counts only open hours of the calendar or every minute."""

    BUSINESS = "business"
    CALENDAR = "calendar"


ANY_SEGMENT = "*"


def _seconds(d: dt.timedelta | None) -> float | None:
    return None if d is None else d.total_seconds()


def _delta(s: float | None) -> dt.timedelta | None:
    return None if s is None else dt.timedelta(seconds=s)


@dataclass(frozen=True)
class WarningRule:
    """Warn when a share of the budget is consumed or a margin before breach is reached.

    Whichever condition is met first triggers the (single) warning.
    """

    at_fraction: float | None = 0.75
    before_breach: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if self.at_fraction is not None and not 0 < self.at_fraction < 1:
            raise ValueError("at_fraction must be between 0 and 1")

    def threshold(self, budget: dt.timedelta) -> dt.timedelta | None:
        """Return the consumed business time at which the warning is due."""
        candidates: list[dt.timedelta] = []
        if self.at_fraction is not None:
            candidates.append(budget * self.at_fraction)
        if self.before_breach is not None:
            candidates.append(max(budget - self.before_breach, dt.timedelta(0)))
        return min(candidates) if candidates else None


@dataclass(frozen=True)
class EscalationLevel:
    """Notify ``notify`` (roles or team keys) once ``after`` has passed since the breach."""

    level: int
    after: dt.timedelta
    notify: tuple[str, ...]
    basis: TimeBasis = TimeBasis.BUSINESS


@dataclass(frozen=True)
class SlaPolicy:
    """Targets (business time) for one priority and customer segment."""

    priority: Priority
    first_response: dt.timedelta | None
    next_response: dt.timedelta | None
    resolution: dt.timedelta | None
    segment: str = ANY_SEGMENT
    warning: WarningRule = field(default_factory=WarningRule)
    escalation: tuple[EscalationLevel, ...] = ()
    calendar: str = "default"

    def __post_init__(self) -> None:
        levels = [e.level for e in self.escalation]
        if levels != sorted(set(levels)):
            raise ValueError("escalation levels must be unique and ascending")

    def budget(self, target: Target) -> dt.timedelta | None:
        """Return the business-time budget of a target (None: not measured)."""
        return {
            Target.FIRST_RESPONSE: self.first_response,
            Target.NEXT_RESPONSE: self.next_response,
            Target.RESOLUTION: self.resolution,
        }[target]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (durations in seconds)."""
        return {
            "priority": self.priority.value,
            "segment": self.segment,
            "first_response": _seconds(self.first_response),
            "next_response": _seconds(self.next_response),
            "resolution": _seconds(self.resolution),
            "warning": {
                "at_fraction": self.warning.at_fraction,
                "before_breach": _seconds(self.warning.before_breach),
            },
            "escalation": [
                {
                    "level": e.level,
                    "after": e.after.total_seconds(),
                    "notify": list(e.notify),
                    "basis": e.basis.value,
                }
                for e in self.escalation
            ],
            "calendar": self.calendar,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """Rebuild a policy from :meth:`to_dict` output."""
        warning = data.get("warning") or {}
        return cls(
            priority=Priority(data["priority"]),
            segment=data.get("segment", ANY_SEGMENT),
            first_response=_delta(data.get("first_response")),
            next_response=_delta(data.get("next_response")),
            resolution=_delta(data.get("resolution")),
            warning=WarningRule(
                at_fraction=warning.get("at_fraction"),
                before_breach=_delta(warning.get("before_breach")),
            ),
            escalation=tuple(
                EscalationLevel(
                    level=int(e["level"]),
                    after=dt.timedelta(seconds=e["after"]),
                    notify=tuple(e["notify"]),
                    basis=TimeBasis(e.get("basis", TimeBasis.BUSINESS)),
                )
                for e in data.get("escalation", ())
            ),
            calendar=data.get("calendar", "default"),
        )


class PolicySet:
    """Look up the policy for a priority and segment, falling back to the any-segment one."""

    def __init__(self, policies: Iterable[SlaPolicy]) -> None:
        self._by_key: dict[tuple[Priority, str], SlaPolicy] = {}
        for p in policies:
            key = (p.priority, p.segment)
            if key in self._by_key:
                raise ValueError(f"duplicate SLA policy for {p.priority}/{p.segment}")
            self._by_key[key] = p
        missing = [p for p in Priority if (p, ANY_SEGMENT) not in self._by_key]
        if missing:
            raise ValueError(f"no any-segment policy for {', '.join(missing)}")

    def resolve(self, priority: Priority | str, segment: str | None = None) -> SlaPolicy:
        """Return the segment's policy for ``priority``, else the any-segment policy."""
        prio = Priority(priority)
        if segment is not None and (prio, segment) in self._by_key:
            return self._by_key[(prio, segment)]
        return self._by_key[(prio, ANY_SEGMENT)]

    def __iter__(self) -> Any:
        return iter(self._by_key.values())


def _h(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


def _standard_chain(first_after: dt.timedelta) -> tuple[EscalationLevel, ...]:
    return (
        EscalationLevel(1, dt.timedelta(0), ("team_lead",)),
        EscalationLevel(2, first_after, ("supervisor",)),
        EscalationLevel(3, first_after * 4, ("service_quality_manager", "consumer_protection")),
    )


def default_policies() -> PolicySet:
    """Return the bank's starting SLA table (business hours; private banking is faster)."""
    # Urgent tickets (fraud in progress, vulnerable customers) are measured on the 24x7
    # calendar: a card being drained on Saturday night cannot wait for Monday.
    policies = [
        SlaPolicy(
            Priority.URGENT,
            dt.timedelta(minutes=15),
            dt.timedelta(minutes=30),
            _h(8),
            warning=WarningRule(0.5, dt.timedelta(minutes=5)),
            escalation=_standard_chain(dt.timedelta(minutes=30)),
            calendar="24x7",
        ),
        SlaPolicy(
            Priority.HIGH,
            _h(1),
            _h(2),
            _h(16),
            warning=WarningRule(0.75, dt.timedelta(minutes=15)),
            escalation=_standard_chain(_h(1)),
        ),
        SlaPolicy(
            Priority.NORMAL,
            _h(4),
            _h(8),
            _h(40),
            escalation=_standard_chain(_h(4)),
        ),
        SlaPolicy(Priority.LOW, _h(8), _h(16), _h(80), escalation=_standard_chain(_h(8))),
        SlaPolicy(
            Priority.HIGH,
            dt.timedelta(minutes=30),
            _h(1),
            _h(8),
            segment="private_banking",
            warning=WarningRule(0.75, dt.timedelta(minutes=10)),
            escalation=_standard_chain(dt.timedelta(minutes=30)),
        ),
        SlaPolicy(
            Priority.NORMAL,
            _h(1),
            _h(4),
            _h(24),
            segment="private_banking",
            escalation=_standard_chain(_h(2)),
        ),
    ]
    return PolicySet(policies)
