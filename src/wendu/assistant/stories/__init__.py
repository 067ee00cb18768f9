"""Conversation stories: customer conversations with outcomes checked against the bank.

A story (``format``) is a customer's turns plus checks; the runner (``runner``) plays each
one through the real chat API on a fresh demo bank (``bank``), reads the outcome back
through the bank's API and database (``oracle``, ``checks``) and the report (``report``)
gives task success per language and per flow. ``wendu assistant test --stories DIR``.
"""
