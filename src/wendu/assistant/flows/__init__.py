"""Task flows that act only through the customer's consent-scoped API over HTTP."""
