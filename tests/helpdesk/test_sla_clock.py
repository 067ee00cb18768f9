"""SLA clocks: pauses, due times, warning/breach/escalation events emitted exactly once."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from wendu.helpdesk.sla import (
    BusinessCalendar,
    ClockState,
    EscalationLevel,
    EventKind,
    Phase,
    Priority,
    SlaPolicy,
    Target,
    TicketSla,
    TimeBasis,
    WarningRule,
    agent_replied,
    change_policy,
    china_calendar,
    collect_events,
    customer_replied,
    default_policies,
    due_events,
    next_event_at,
    open_ticket,
    reopen_ticket,
    resolve_ticket,
    snapshot,
    wait_on_customer,
)

UTC = dt.UTC
CST = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return china_calendar(("09:00-12:00", "13:00-18:00"))


def policy(**overrides: object) -> SlaPolicy:
    base: dict[str, object] = {
        "priority": Priority.NORMAL,
        "first_response": 4 * H,
        "next_response": 2 * H,
        "resolution": 8 * H,
        "warning": WarningRule(0.75),
        "escalation": (
            EscalationLevel(1, dt.timedelta(0), ("team_lead",)),
            EscalationLevel(2, H, ("supervisor",)),
            EscalationLevel(3, 2 * H, ("quality_manager",), basis=TimeBasis.CALENDAR),
        ),
    }
    base.update(overrides)
    return SlaPolicy(**base)  # type: ignore[arg-type]


def kinds(events: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(e.kind.name, e.target.value, e.level) for e in events]


def test_warning_breach_and_escalation_each_emitted_once(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(resolution=None), cst(2025, 3, 3, 9, 0))
    (fr,) = state.clocks
    assert fr.due_at(cal) == cst(2025, 3, 3, 14, 0)  # 3 h morning + lunch + 1 h
    state, events = collect_events(state, cst(2025, 3, 3, 11, 59), cal)
    assert events == []
    state, events = collect_events(state, cst(2025, 3, 3, 12, 30), cal)
    assert kinds(events) == [("WARNING", "first_response", 0)]
    assert events[0].due_at == cst(2025, 3, 3, 12, 0)
    assert events[0].kind.value == "ticket.sla_warning"
    state, events = collect_events(state, cst(2025, 3, 3, 13, 30), cal)
    assert events == []
    state, events = collect_events(state, cst(2025, 3, 3, 14, 1), cal)
    assert kinds(events) == [("BREACHED", "first_response", 0), ("ESCALATED", "first_response", 1)]
    assert events[1].notify == ("team_lead",)
    state, events = collect_events(state, cst(2025, 3, 3, 15, 0), cal)
    assert kinds(events) == [("ESCALATED", "first_response", 2)]
    assert events[0].due_at == cst(2025, 3, 3, 15, 0)
    state, events = collect_events(state, cst(2025, 3, 3, 16, 0), cal)
    assert kinds(events) == [("ESCALATED", "first_response", 3)]
    state, events = collect_events(state, cst(2025, 3, 4, 16, 0), cal)
    assert events == []


def test_periodic_job_over_a_holiday_fortnight_emits_each_event_once(
    cal: BusinessCalendar,
) -> None:
    state = open_ticket(policy(), cst(2025, 9, 26, 16, 0))
    now = cst(2025, 9, 26, 16, 0)
    seen: Counter[str] = Counter()
    while now < cst(2025, 10, 14):
        if now == cst(2025, 9, 28, 10, 0):
            state = agent_replied(state, now, cal)
        if now == cst(2025, 9, 28, 11, 0):
            state = customer_replied(state, now, cal)
        state, events = collect_events(state, now, cal)
        seen.update(e.key for e in events)
        now += dt.timedelta(minutes=10)
    assert seen and set(seen.values()) == {1}
    # First response answered on the make-up Sunday within 4 business hours: no breach.
    assert not any(k.startswith("first_response#0:breached") for k in seen)
    assert "next_response#1:breached" in seen
    assert "resolution#0:breached" in seen
    # Resolution: 2 h Friday + 6 h on make-up Sunday 28 Sep (09-12, 13-16).
    res = state.clock(Target.RESOLUTION)
    assert res is not None and res.due_at(cal) == cst(2025, 9, 28, 16, 0)


def test_pending_customer_pauses_the_clock(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(), cst(2025, 3, 3, 9, 0))
    state = agent_replied(state, cst(2025, 3, 3, 9, 30), cal)
    state = wait_on_customer(state, cst(2025, 3, 3, 11, 0), cal)
    res = state.clock(Target.RESOLUTION)
    assert res is not None and res.phase is Phase.PAUSED and res.consumed == 2 * H
    assert res.due_at(cal) is None
    # Paused for two days: no warning or breach however long the customer takes.
    assert due_events(state, cst(2025, 3, 5, 9, 0), cal) == []
    state = customer_replied(state, cst(2025, 3, 5, 10, 0), cal)
    res = state.clock(Target.RESOLUTION)
    assert res is not None and res.phase is Phase.RUNNING
    assert res.due_at(cal) == cst(2025, 3, 5, 17, 0)  # 6 h left: 10-12, 13-17
    nxt = state.clock(Target.NEXT_RESPONSE)
    assert nxt is not None and nxt.cycle == 1 and nxt.due_at(cal) == cst(2025, 3, 5, 12, 0)
    view = {v.key: v for v in snapshot(state, cst(2025, 3, 5, 16, 0), cal)}
    assert view["resolution#0"].state is ClockState.WARNING
    assert view["resolution#0"].remaining == H
    assert view["first_response#0"].state is ClockState.MET


def test_job_running_late_skips_the_warning_for_good(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(next_response=None, resolution=None), cst(2025, 3, 3, 9, 0))
    state, events = collect_events(state, cst(2025, 3, 3, 14, 30), cal)
    assert kinds(events) == [("BREACHED", "first_response", 0), ("ESCALATED", "first_response", 1)]
    state, events = collect_events(state, cst(2025, 3, 3, 14, 40), cal)
    assert events == []


def test_breach_before_resolution_is_still_reported_once(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(first_response=None), cst(2025, 3, 3, 9, 0))
    state = resolve_ticket(state, cst(2025, 3, 4, 10, 0), cal)  # 9 business hours used
    res = state.clock(Target.RESOLUTION)
    assert res is not None and res.breached_at == cst(2025, 3, 3, 18, 0)
    state, events = collect_events(state, cst(2025, 3, 4, 11, 0), cal)
    assert kinds(events) == [("BREACHED", "resolution", 0)]  # no escalation once resolved
    _, events = collect_events(state, cst(2025, 3, 10, 11, 0), cal)
    assert events == []


def test_reopen_continues_the_resolution_clock(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(first_response=None), cst(2025, 3, 3, 9, 0))
    state = resolve_ticket(state, cst(2025, 3, 3, 14, 0), cal)  # 4 h used
    state = reopen_ticket(state, cst(2025, 3, 6, 9, 0))
    res = state.clock(Target.RESOLUTION)
    assert res is not None and res.due_at(cal) == cst(2025, 3, 6, 14, 0)


def test_raising_priority_shrinks_open_budgets(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(), cst(2025, 3, 3, 9, 0))
    urgent = policy(priority=Priority.HIGH, first_response=H, resolution=4 * H)
    state = change_policy(state, urgent, cst(2025, 3, 3, 10, 30), cal)
    fr = state.clock(Target.FIRST_RESPONSE)
    assert fr is not None and fr.budget == H
    _, events = collect_events(state, cst(2025, 3, 3, 10, 31), cal)
    assert ("BREACHED", "first_response", 0) in kinds(events)
    # 1.5 h were used under a 1 h budget: breached from the moment priority was raised.
    assert all(e.due_at == cst(2025, 3, 3, 10, 30) for e in events)


def test_state_round_trips_through_json(cal: BusinessCalendar) -> None:
    state = open_ticket(default_policies().resolve("high"), cst(2025, 3, 3, 9, 0))
    state = agent_replied(state, cst(2025, 3, 3, 9, 20), cal)
    state = wait_on_customer(state, cst(2025, 3, 3, 10, 0), cal)
    state, _ = collect_events(state, cst(2025, 3, 3, 10, 0), cal)
    restored = TicketSla.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_policy_lookup_by_segment_with_fallback() -> None:
    policies = default_policies()
    assert policies.resolve("high", "private_banking").first_response == 30 * M
    assert policies.resolve("high", "mass").first_response == H
    assert policies.resolve(Priority.URGENT).calendar == "24x7"
    assert SlaPolicy.from_dict(policies.resolve("low").to_dict()) == policies.resolve("low")


def test_warning_margin_before_breach_wins_when_earlier() -> None:
    rule = WarningRule(at_fraction=0.9, before_breach=30 * M)
    assert rule.threshold(2 * H) == 90 * M
    assert WarningRule(at_fraction=None, before_breach=3 * H).threshold(H) == dt.timedelta(0)


def test_events_carry_the_outbox_type() -> None:
    assert {k.value for k in EventKind} >= {"ticket.sla_warning", "ticket.sla_breached"}


def test_waking_only_at_next_event_at_emits_what_polling_emits(cal: BusinessCalendar) -> None:
    opened = cst(2025, 1, 24, 16, 0)  # Friday before the 2025 Spring Festival make-up Sunday
    base = open_ticket(policy(), opened)
    horizon = cst(2025, 2, 12)

    polled, now, seen_poll = base, opened, set()
    while now < horizon:
        polled, events = collect_events(polled, now, cal)
        seen_poll |= {e.key for e in events}
        now += dt.timedelta(minutes=5)

    woken, seen_wake, wakeups = base, set(), 0
    while (at := next_event_at(woken, cal)) is not None and at < horizon:
        woken, events = collect_events(woken, at, cal)
        assert events, f"woke at {at} for nothing"
        seen_wake |= {e.key for e in events}
        wakeups += 1
    assert seen_wake == seen_poll
    assert wakeups <= len(seen_wake)
    assert next_event_at(resolve_ticket(woken, horizon, cal), cal) is None


def test_paused_ticket_has_no_next_event(cal: BusinessCalendar) -> None:
    state = open_ticket(policy(), cst(2025, 3, 3, 9, 0))
    state = agent_replied(state, cst(2025, 3, 3, 9, 10), cal)
    state = wait_on_customer(state, cst(2025, 3, 3, 9, 20), cal)
    assert next_event_at(state, cal) is None
