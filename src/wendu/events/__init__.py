"""Events: the transactional outbox, subscriptions, signed webhook delivery and polling.

Other domains call :func:`publish` inside their own transaction, so the change and its
event commit (or roll back) together::

    from wendu.events import RESOURCE_UPDATE, ob_subject, publish

    payment.status = "AcceptedSettlementCompleted"
    publish(
        session,
        event_type=RESOURCE_UPDATE,
        partner_id=payment.partner_id,
        subject=ob_subject(settings.public_url, "pisp/domestic-payments", payment.id,
                           "domestic-payment"),
    )

Workers (``wendu worker``, or the embedded one in ``wendu serve``) fan each event out to
its partner: pushed as a signed JWT to the subscription's callback (at least once, with
the event id as ``jti`` for de-duplication), or kept for ``POST /events`` polling.
"""

from wendu.events.service import Subject, ob_subject, publish
from wendu.events.types import (
    ACCOUNT_ACCESS_CONSENT_LINKED_ACCOUNT_UPDATE,
    CONSENT_AUTHORIZATION_REVOKED,
    RESOURCE_UPDATE,
)

__all__ = [
    "ACCOUNT_ACCESS_CONSENT_LINKED_ACCOUNT_UPDATE",
    "CONSENT_AUTHORIZATION_REVOKED",
    "RESOURCE_UPDATE",
    "Subject",
    "ob_subject",
    "publish",
]
