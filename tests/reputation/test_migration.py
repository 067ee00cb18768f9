"""The reputation tables the migration builds match the ORM models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wendu.db import Database
from wendu.models_registry import metadata


def test_migrated_reputation_tables_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if "reputation" in repr(d)]
    assert ours == []
