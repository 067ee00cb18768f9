"""UK OB v4.0 Payment Initiation (domestic payments) under /open-banking/v4.0/pisp."""
