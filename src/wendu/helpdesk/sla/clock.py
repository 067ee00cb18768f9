"""SLA clocks that pause while waiting on the customer, and the events they make due.

Everything here is pure: functions take a state and an instant and return a new state.
The helpdesk persists :class:`TicketSla` (``to_dict`` is JSON-safe) next to the ticket and
runs :func:`collect_events` from a periodic job; the keys recorded in ``emitted`` make each
warning, breach and escalation come out once even when the job runs late or twice.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from wendu.helpdesk.sla.calendar import BusinessCalendar
from wendu.helpdesk.sla.policy import SlaPolicy, Target, TimeBasis

ZERO = dt.timedelta(0)


class Phase(enum.StrEnum):
    """Whether a clock is counting."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class ClockState(enum.StrEnum):
    """How a clock stands against its budget."""

    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"


class EventKind(enum.StrEnum):
    """SLA events, named after the outbox event types they become."""

    WARNING = "ticket.sla_warning"
    BREACHED = "ticket.sla_breached"
    ESCALATED = "ticket.sla_escalated"


def _aware(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return t.astimezone(dt.UTC)


@dataclass(frozen=True)
class SlaClock:
    """One measured target (for next-response, one per customer message cycle)."""

    target: Target
    budget: dt.timedelta
    started_at: dt.datetime
    cycle: int = 0
    consumed: dt.timedelta = ZERO  # business time of finished running segments
    running_since: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None  # set once a finished segment crossed the budget

    @property
    def key(self) -> str:
        """Return a key unique within a ticket, e.g. ``next_response#2``."""
        return f"{self.target.value}#{self.cycle}"

    @property
    def phase(self) -> Phase:
        """Return running, paused or stopped."""
        if self.running_since is not None:
            return Phase.RUNNING
        return Phase.STOPPED if self.stopped_at is not None else Phase.PAUSED

    def consumed_at(self, now: dt.datetime, calendar: BusinessCalendar) -> dt.timedelta:
        """Return the business time consumed up to ``now``."""
        if self.running_since is None:
            return self.consumed
        return self.consumed + max(
            calendar.business_time_between(self.running_since, _aware(now)), ZERO
        )

    def remaining_at(self, now: dt.datetime, calendar: BusinessCalendar) -> dt.timedelta:
        """Return budget minus consumed (negative once breached)."""
        return self.budget - self.consumed_at(now, calendar)

    def instant_of(self, consumed: dt.timedelta, calendar: BusinessCalendar) -> dt.datetime | None:
        """Return when this running clock reaches ``consumed``, if still ahead."""
        if self.running_since is None or consumed < self.consumed:
            return None
        return calendar.add_business_time(self.running_since, consumed - self.consumed)

    def due_at(self, calendar: BusinessCalendar) -> dt.datetime | None:
        """Return the breach instant: known, or projected while running (None while paused)."""
        if self.breached_at is not None:
            return self.breached_at
        return self.instant_of(self.budget, calendar)

    def state_at(
        self, now: dt.datetime, calendar: BusinessCalendar, warn_at: dt.timedelta | None = None
    ) -> ClockState:
        """Return ok / warning / breached (met once stopped within budget)."""
        used = self.consumed_at(now, calendar)
        if used > self.budget:
            return ClockState.BREACHED
        if self.phase is Phase.STOPPED:
            return ClockState.MET
        if warn_at is not None and used >= warn_at:
            return ClockState.WARNING
        return ClockState.OK


def start_clock(target: Target, budget: dt.timedelta, at: dt.datetime, cycle: int = 0) -> SlaClock:
    """Return a running clock."""
    at = _aware(at)
    return SlaClock(target=target, budget=budget, started_at=at, cycle=cycle, running_since=at)


def _close_segment(clock: SlaClock, at: dt.datetime, calendar: BusinessCalendar) -> SlaClock:
    assert clock.running_since is not None
    breached_at = clock.breached_at
    if breached_at is None and clock.consumed_at(at, calendar) > clock.budget:
        breached_at = clock.instant_of(clock.budget, calendar)
    return replace(
        clock,
        consumed=clock.consumed_at(at, calendar),
        running_since=None,
        breached_at=breached_at,
    )


def pause_clock(clock: SlaClock, at: dt.datetime, calendar: BusinessCalendar) -> SlaClock:
    """Pause a running clock (no-op otherwise)."""
    if clock.phase is not Phase.RUNNING:
        return clock
    return _close_segment(clock, _aware(at), calendar)


def resume_clock(clock: SlaClock, at: dt.datetime) -> SlaClock:
    """Resume a paused or stopped (reopened) clock (no-op while running)."""
    if clock.phase is Phase.RUNNING:
        return clock
    return replace(clock, running_since=_aware(at), stopped_at=None)


def stop_clock(clock: SlaClock, at: dt.datetime, calendar: BusinessCalendar) -> SlaClock:
    """Stop a clock for good (target met or missed)."""
    at = _aware(at)
    if clock.phase is Phase.STOPPED:
        return clock
    if clock.phase is Phase.RUNNING:
        clock = _close_segment(clock, at, calendar)
    return replace(clock, stopped_at=at)


@dataclass(frozen=True)
class SlaEvent:
    """An SLA event that a periodic job should emit."""

    kind: EventKind
    target: Target
    cycle: int
    due_at: dt.datetime
    level: int = 0
    notify: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Return the idempotency key recorded in :attr:`TicketSla.emitted`."""
        suffix = f":{self.level}" if self.kind is EventKind.ESCALATED else ""
        return f"{self.target.value}#{self.cycle}:{self.kind.name.lower()}{suffix}"

    def to_payload(self) -> dict[str, Any]:
        """Return a JSON-safe payload for the outbox."""
        return {
            "target": self.target.value,
            "cycle": self.cycle,
            "due_at": self.due_at.isoformat(),
            "level": self.level,
            "notify": list(self.notify),
        }


@dataclass(frozen=True)
class TicketSla:
    """The SLA clocks of one ticket, the policy they were started under and emitted events."""

    policy: SlaPolicy
    clocks: tuple[SlaClock, ...] = ()
    emitted: frozenset[str] = frozenset()
    pending_customer: bool = False

    def clock(self, target: Target) -> SlaClock | None:
        """Return the latest clock for ``target``."""
        matches = [c for c in self.clocks if c.target is target]
        return max(matches, key=lambda c: c.cycle) if matches else None

    def _with(self, clock: SlaClock) -> TicketSla:
        others = tuple(c for c in self.clocks if c.key != clock.key)
        return replace(self, clocks=(*others, clock))

    def warn_threshold(self, clock: SlaClock) -> dt.timedelta | None:
        """Return the consumed time at which ``clock`` warns."""
        return self.policy.warning.threshold(clock.budget)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "policy": self.policy.to_dict(),
            "pending_customer": self.pending_customer,
            "emitted": sorted(self.emitted),
            "clocks": [
                {
                    "target": c.target.value,
                    "cycle": c.cycle,
                    "budget": c.budget.total_seconds(),
                    "started_at": c.started_at.isoformat(),
                    "consumed": c.consumed.total_seconds(),
                    "running_since": _iso(c.running_since),
                    "stopped_at": _iso(c.stopped_at),
                    "breached_at": _iso(c.breached_at),
                }
                for c in self.clocks
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketSla:
        """Rebuild the state saved by :meth:`to_dict`."""
        return cls(
            policy=SlaPolicy.from_dict(data["policy"]),
            pending_customer=bool(data.get("pending_customer", False)),
            emitted=frozenset(data.get("emitted", ())),
            clocks=tuple(
                SlaClock(
                    target=Target(c["target"]),
                    cycle=int(c["cycle"]),
                    budget=dt.timedelta(seconds=c["budget"]),
                    started_at=_parse(c["started_at"]),
                    consumed=dt.timedelta(seconds=c["consumed"]),
                    running_since=_parse_opt(c.get("running_since")),
                    stopped_at=_parse_opt(c.get("stopped_at")),
                    breached_at=_parse_opt(c.get("breached_at")),
                )
                for c in data.get("clocks", ())
            ),
        )


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _parse(s: str) -> dt.datetime:
    return _aware(dt.datetime.fromisoformat(s))


def _parse_opt(s: str | None) -> dt.datetime | None:
    return None if s is None else _parse(s)


# Ticket lifecycle -----------------------------------------------------------------------


def open_ticket(policy: SlaPolicy, at: dt.datetime) -> TicketSla:
    """Start the first-response and resolution clocks of a new ticket."""
    clocks = [
        start_clock(target, budget, at)
        for target in (Target.FIRST_RESPONSE, Target.RESOLUTION)
        if (budget := policy.budget(target)) is not None
    ]
    return TicketSla(policy=policy, clocks=tuple(clocks))


def agent_replied(state: TicketSla, at: dt.datetime, calendar: BusinessCalendar) -> TicketSla:
    """Stop the first-response clock and the current next-response clock."""
    for target in (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE):
        clock = state.clock(target)
        if clock is not None and clock.phase is not Phase.STOPPED:
            state = state._with(stop_clock(clock, at, calendar))
    return state


def customer_replied(state: TicketSla, at: dt.datetime, calendar: BusinessCalendar) -> TicketSla:
    """End a pending-customer wait and, once answered before, start a next-response cycle."""
    if state.pending_customer:
        state = resume_waiting_clocks(state, at)
    first = state.clock(Target.FIRST_RESPONSE)
    current = state.clock(Target.NEXT_RESPONSE)
    budget = state.policy.next_response
    awaiting_first = first is not None and first.phase is not Phase.STOPPED
    already_waiting = current is not None and current.phase is not Phase.STOPPED
    resolved = (res := state.clock(Target.RESOLUTION)) is not None and res.phase is Phase.STOPPED
    if budget is None or awaiting_first or already_waiting or resolved:
        return state
    cycle = 1 if current is None else current.cycle + 1
    return state._with(start_clock(Target.NEXT_RESPONSE, budget, at, cycle))


def wait_on_customer(state: TicketSla, at: dt.datetime, calendar: BusinessCalendar) -> TicketSla:
    """Pause every running clock: the ticket is pending-customer."""
    for clock in state.clocks:
        if clock.phase is Phase.RUNNING:
            state = state._with(pause_clock(clock, at, calendar))
    return replace(state, pending_customer=True)


def resume_waiting_clocks(state: TicketSla, at: dt.datetime) -> TicketSla:
    """Resume the clocks paused by :func:`wait_on_customer`."""
    for clock in state.clocks:
        if clock.phase is Phase.PAUSED:
            state = state._with(resume_clock(clock, at))
    return replace(state, pending_customer=False)


def resolve_ticket(state: TicketSla, at: dt.datetime, calendar: BusinessCalendar) -> TicketSla:
    """Stop every clock."""
    for clock in state.clocks:
        state = state._with(stop_clock(clock, at, calendar))
    return replace(state, pending_customer=False)


def reopen_ticket(state: TicketSla, at: dt.datetime) -> TicketSla:
    """Resume the resolution clock where it stopped (time already used still counts)."""
    clock = state.clock(Target.RESOLUTION)
    if clock is None:
        return state
    return state._with(resume_clock(clock, at))


def change_policy(
    state: TicketSla, policy: SlaPolicy, at: dt.datetime, calendar: BusinessCalendar
) -> TicketSla:
    """Re-budget open clocks under a new policy (e.g. priority raised), keeping time used."""
    for clock in state.clocks:
        budget = policy.budget(clock.target)
        if clock.phase is Phase.STOPPED or budget is None:
            continue
        running = clock.phase is Phase.RUNNING
        if running:
            clock = pause_clock(clock, at, calendar)
        # A breach recorded under the old budget may no longer hold under the new one; a
        # clock that the smaller budget puts over the line is breached from the change on.
        over = clock.consumed > budget
        breached_at = (clock.breached_at or _aware(at)) if over else None
        clock = replace(clock, budget=budget, breached_at=breached_at)
        if running:
            clock = resume_clock(clock, at)
        state = state._with(clock)
    return replace(state, policy=policy)


# Events --------------------------------------------------------------------------------


def due_events(state: TicketSla, now: dt.datetime, calendar: BusinessCalendar) -> list[SlaEvent]:
    """Return the events due at ``now`` that were not emitted yet, oldest first.

    Paused and stopped clocks emit only a breach that happened before they stopped; a
    warning whose breach is already due is skipped (it would arrive after the fact).
    """
    now = _aware(now)
    events: list[SlaEvent] = []
    for clock in state.clocks:
        events.extend(_clock_events(state, clock, now, calendar))
    events.sort(key=lambda e: (e.due_at, e.key))
    return [e for e in events if e.key not in state.emitted]


def _clock_events(
    state: TicketSla, clock: SlaClock, now: dt.datetime, calendar: BusinessCalendar
) -> list[SlaEvent]:
    used = clock.consumed_at(now, calendar)
    breached = used > clock.budget
    out: list[SlaEvent] = []
    if breached:
        when = clock.due_at(calendar) or now
        out.append(SlaEvent(EventKind.BREACHED, clock.target, clock.cycle, when))
    if clock.phase is not Phase.RUNNING:
        return out
    threshold = state.warn_threshold(clock)
    if not breached and threshold is not None and used >= threshold:
        when = clock.instant_of(threshold, calendar) or now
        out.append(SlaEvent(EventKind.WARNING, clock.target, clock.cycle, when))
    if breached:
        breach_at = clock.due_at(calendar) or now
        for level in state.policy.escalation:
            if level.basis is TimeBasis.CALENDAR:
                when_opt: dt.datetime | None = breach_at + level.after
            elif used >= clock.budget + level.after:
                # None means the level was reached in an earlier segment, so it became
                # emittable when the clock last resumed.
                when_opt = clock.instant_of(clock.budget + level.after, calendar)
                when_opt = when_opt or clock.running_since
            else:
                when_opt = None
            if when_opt is not None and when_opt <= now:
                out.append(
                    SlaEvent(
                        EventKind.ESCALATED,
                        clock.target,
                        clock.cycle,
                        when_opt,
                        level=level.level,
                        notify=level.notify,
                    )
                )
    return out


def collect_events(
    state: TicketSla, now: dt.datetime, calendar: BusinessCalendar
) -> tuple[TicketSla, list[SlaEvent]]:
    """Return the state with due events marked emitted, and those events.

    Persist the returned state in the same transaction as the outbox rows so an event is
    never emitted twice nor lost.
    """
    events = due_events(state, now, calendar)
    keys = {e.key for e in events}
    # A warning overtaken by its breach is marked as done so it never fires later.
    for e in events:
        if e.kind is EventKind.BREACHED:
            keys.add(SlaEvent(EventKind.WARNING, e.target, e.cycle, e.due_at).key)
    return replace(state, emitted=state.emitted | keys), events


# Breach means strictly more than the budget, so the first instant it holds is just after.
_JUST_AFTER = dt.timedelta(microseconds=1)


def next_event_at(state: TicketSla, calendar: BusinessCalendar) -> dt.datetime | None:
    """Return when :func:`due_events` will next have something new (None: nothing pending).

    Store it in an indexed column so the periodic job only loads tickets that are due.
    """
    candidates: list[dt.datetime] = []
    for clock in state.clocks:
        key = f"{clock.key}:"
        breach_pending = f"{key}breached" not in state.emitted
        if clock.phase is not Phase.RUNNING:
            if breach_pending and clock.breached_at is not None:
                candidates.append(clock.breached_at + _JUST_AFTER)
            continue
        threshold = state.warn_threshold(clock)
        if f"{key}warning" not in state.emitted and threshold is not None:
            warn = clock.instant_of(threshold, calendar)
            if warn is not None:
                candidates.append(warn)
        due = clock.due_at(calendar)
        if due is None:
            continue
        if breach_pending:
            candidates.append(due + _JUST_AFTER)
        for level in state.policy.escalation:
            if f"{key}escalated:{level.level}" in state.emitted:
                continue
            if level.basis is TimeBasis.CALENDAR:
                at: dt.datetime | None = due + level.after
            else:
                at = clock.instant_of(clock.budget + level.after, calendar)
                at = clock.running_since if at is None else at
            if at is not None:
                candidates.append(at + _JUST_AFTER)
    return min(candidates) if candidates else None


@dataclass(frozen=True)
class ClockView:
    """A clock's figures at one instant, for the SLA board."""

    key: str
    target: Target
    phase: Phase
    state: ClockState
    consumed: dt.timedelta
    remaining: dt.timedelta
    due_at: dt.datetime | None
    warn_at: dt.datetime | None = field(default=None)


def snapshot(state: TicketSla, now: dt.datetime, calendar: BusinessCalendar) -> list[ClockView]:
    """Return every clock's consumed/remaining time, due instant and state at ``now``."""
    views = []
    for clock in state.clocks:
        threshold = state.warn_threshold(clock)
        views.append(
            ClockView(
                key=clock.key,
                target=clock.target,
                phase=clock.phase,
                state=clock.state_at(now, calendar, threshold),
                consumed=clock.consumed_at(now, calendar),
                remaining=clock.remaining_at(now, calendar),
                due_at=clock.due_at(calendar),
                warn_at=None if threshold is None else clock.instant_of(threshold, calendar),
            )
        )
    return views
