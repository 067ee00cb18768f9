"""The synthetic sandbox bank: a deterministic generator of customers, accounts and activity."""
