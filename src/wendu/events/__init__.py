"""Events: the transactional outbox, subscriptions, signed webhook delivery and polling.

Other domains call :func:`publish` inside their own transaction.
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
