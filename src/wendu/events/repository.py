"""Every query of the events domain, including the claims workers race for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, update

from wendu.events.models import DeliveryAttempt, EventDelivery, EventSubscription, OutboxEvent
from wendu.kit.repository import Repository

FINAL_STATUSES = ("delivered", "dead", "acked", "rejected")


class OutboxRepository(Repository[OutboxEvent]):
    """Queries on the outbox."""

    model = OutboxEvent

    def lock_undispatched(self, limit: int) -> Sequence[OutboxEvent]:
        """Lock up to ``limit`` undispatched events, skipping rows another worker holds.

        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the caller's IMMEDIATE
        transaction already makes it the only writer, and the clause is omitted.
        """
        return self.list(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def has_undispatched(self) -> bool:
        """Return True if any event waits to be dispatched (a cheap read, no locks)."""
        return (
            self.session.execute(
                select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).limit(1)
            ).first()
            is not None
        )

    def purge_dispatched(self, before: datetime) -> int:
        """Delete events dispatched before ``before`` that no delivery refers to any more."""
        result = self.session.execute(
            delete(OutboxEvent).where(
                OutboxEvent.dispatched_at < before,
                ~exists().where(EventDelivery.event_id == OutboxEvent.id),
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def by_ids(self, event_ids: Sequence[str]) -> dict[str, OutboxEvent]:
        """Return the events ``event_ids`` keyed by id."""
        if not event_ids:
            return {}
        rows = self.list(select(OutboxEvent).where(OutboxEvent.id.in_(list(event_ids))))
        return {row.id: row for row in rows}


class SubscriptionRepository(Repository[EventSubscription]):
    """Queries on event subscriptions."""

    model = EventSubscription

    def for_partner(self, partner_id: str) -> EventSubscription | None:
        """Return the partner's subscription, if any."""
        return self.get_one_or_none(
            select(EventSubscription).where(EventSubscription.partner_id == partner_id)
        )

    def for_partners(self, partner_ids: set[str]) -> dict[str, EventSubscription]:
        """Return the subscriptions of ``partner_ids`` keyed by partner."""
        if not partner_ids:
            return {}
        rows = self.list(
            select(EventSubscription).where(EventSubscription.partner_id.in_(partner_ids))
        )
        return {row.partner_id: row for row in rows}


class DeliveryRepository(Repository[EventDelivery]):
    """Queries on deliveries and their attempt log."""

    model = EventDelivery

    def lock_due(self, now: datetime, limit: int) -> Sequence[EventDelivery]:
        """Lock up to ``limit`` push deliveries that are due and not held under a live lease."""
        return self.list(
            select(EventDelivery)
            .where(
                EventDelivery.status == "pending",
                EventDelivery.mode == "push",
                EventDelivery.next_attempt_at <= now,
                or_(EventDelivery.locked_until.is_(None), EventDelivery.locked_until < now),
            )
            .order_by(EventDelivery.next_attempt_at, EventDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def has_due(self, now: datetime) -> bool:
        """Return True if any push delivery is due (a cheap read, no locks)."""
        return (
            self.session.execute(
                select(EventDelivery.id)
                .where(
                    EventDelivery.status == "pending",
                    EventDelivery.mode == "push",
                    EventDelivery.next_attempt_at <= now,
                    or_(EventDelivery.locked_until.is_(None), EventDelivery.locked_until < now),
                )
                .limit(1)
            ).first()
            is not None
        )

    def lock_one(self, delivery_id: str) -> EventDelivery | None:
        """Return the delivery locked for an update (waits for another holder)."""
        return self.get_one_or_none(
            select(EventDelivery).where(EventDelivery.id == delivery_id).with_for_update()
        )

    def pending_poll(self, partner_id: str, limit: int) -> Sequence[EventDelivery]:
        """Return the partner's oldest unacknowledged poll deliveries."""
        return self.list(
            select(EventDelivery)
            .where(
                EventDelivery.partner_id == partner_id,
                EventDelivery.mode == "poll",
                EventDelivery.status == "pending",
            )
            .order_by(EventDelivery.created_at, EventDelivery.id)
            .limit(limit)
        )

    def count_pending_poll(self, partner_id: str) -> int:
        """Count the partner's unacknowledged poll deliveries."""
        return int(
            self.session.execute(
                select(func.count())
                .select_from(EventDelivery)
                .where(
                    EventDelivery.partner_id == partner_id,
                    EventDelivery.mode == "poll",
                    EventDelivery.status == "pending",
                )
            ).scalar_one()
        )

    def poll_by_events(self, partner_id: str, event_ids: Sequence[str]) -> Sequence[EventDelivery]:
        """Return the partner's pending poll deliveries of ``event_ids`` (others are ignored)."""
        if not event_ids:
            return []
        return self.list(
            select(EventDelivery).where(
                EventDelivery.partner_id == partner_id,
                EventDelivery.mode == "poll",
                EventDelivery.status == "pending",
                EventDelivery.event_id.in_(list(event_ids)),
            )
        )

    def mark_interrupted(self, delivery_id: str) -> None:
        """Label attempts still "sending" as interrupted: their worker lost its lease."""
        self.session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery_id, DeliveryAttempt.outcome == "sending")
            .values(outcome="interrupted")
        )

    def attempts(self, delivery_id: str) -> Sequence[DeliveryAttempt]:
        """Return the attempt log of one delivery, oldest first."""
        return (
            self.session.execute(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.id)
            )
            .scalars()
            .all()
        )

    def by_status(self, status: str, limit: int) -> Sequence[EventDelivery]:
        """Return deliveries in ``status``, newest first."""
        return self.list(
            select(EventDelivery)
            .where(EventDelivery.status == status)
            .order_by(EventDelivery.created_at.desc())
            .limit(limit)
        )

    def purge_completed(self, before: datetime) -> int:
        """Delete finished deliveries (and their attempt log) completed before ``before``."""
        done = (
            select(EventDelivery.id)
            .where(
                EventDelivery.status.in_(FINAL_STATUSES),
                EventDelivery.completed_at < before,
            )
            .scalar_subquery()
        )
        self.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(done)))
        result = self.session.execute(delete(EventDelivery).where(EventDelivery.id.in_(done)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
