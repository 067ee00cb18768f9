"""The sandbox core bank: customers, accounts, double-entry postings, cards, products."""
