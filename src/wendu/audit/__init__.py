"""The append-only, hash-chained audit trail of every API call and staff action."""
