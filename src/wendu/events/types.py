"""The event types wendu publishes: the Open Banking URNs and wendu's own names."""

from __future__ import annotations

RESOURCE_UPDATE = "urn:uk:org:openbanking:events:resource-update"
CONSENT_AUTHORIZATION_REVOKED = "urn:uk:org:openbanking:events:consent-authorization-revoked"
ACCOUNT_ACCESS_CONSENT_LINKED_ACCOUNT_UPDATE = (
    "urn:uk:org:openbanking:events:account-access-consent-linked-account-update"
)

OPEN_BANKING_TYPES: frozenset[str] = frozenset(
    {RESOURCE_UPDATE, CONSENT_AUTHORIZATION_REVOKED, ACCOUNT_ACCESS_CONSENT_LINKED_ACCOUNT_UPDATE}
)

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_HANDED_OFF = "conversation.handed_off"
TICKET_SLA_WARNING = "ticket.sla_warning"
TICKET_SLA_BREACHED = "ticket.sla_breached"
TICKET_RESOLVED = "ticket.resolved"
CSAT_RECEIVED = "csat.received"
REPUTATION_ALERT_RAISED = "reputation.alert_raised"
REPUTATION_ALERT_UPDATED = "reputation.alert_updated"
REPUTATION_ALERT_CLOSED = "reputation.alert_closed"

WENDU_TYPES: frozenset[str] = frozenset(
    {
        CONVERSATION_CREATED,
        CONVERSATION_HANDED_OFF,
        TICKET_SLA_WARNING,
        TICKET_SLA_BREACHED,
        TICKET_RESOLVED,
        CSAT_RECEIVED,
        REPUTATION_ALERT_RAISED,
        REPUTATION_ALERT_UPDATED,
        REPUTATION_ALERT_CLOSED,
    }
)

EVENT_TYPES: frozenset[str] = OPEN_BANKING_TYPES | WENDU_TYPES
