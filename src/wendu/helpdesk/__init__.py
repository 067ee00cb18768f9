"""Helpdesk: conversations, tickets and complaints, SLA clocks, incidents and surveys."""
