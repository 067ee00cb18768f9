"""Pairwise subject identifiers: what a partner sees as ``sub`` for a customer.

OpenID Connect Core §8.1: each partner (sector) gets its own stable subject for a customer,
so two partners cannot join their data on it and the bank's internal customer id never
leaves the bank. The subject is an HMAC-SHA256 of the partner and the customer under the
server's subject secret (``WENDU_SUBJECT_SECRET``, else ``WENDU_SECRET_KEY``): the same
pair always gives the same subject, and changing that secret changes every subject.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from wendu.config import Settings

_PURPOSE = b"wendu pairwise subject v1"


def pairwise_subject(settings: Settings, partner_id: str, customer_id: str) -> str:
    """Return the subject of ``customer_id`` as seen by the partner ``partner_id``."""
    secret = (settings.subject_secret or settings.secret_key).encode()
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    message = f"{partner_id}\x00{customer_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
