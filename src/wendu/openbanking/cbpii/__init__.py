"""UK OB v4.0 Confirmation of Funds under /open-banking/v4.0/cbpii."""
