"""Dialogue: per-session state, slot filling, confirmations, topic changes and hand-off.

``engine.Turn`` decides one turn; ``wendu.assistant.channels.service`` persists the state
(``models.ChatSession``) and applies the turn's effects in one transaction.
"""
