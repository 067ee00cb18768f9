"""Alembic migrations; run them with ``wendu db upgrade``."""
