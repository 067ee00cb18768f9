"""Alembic environment: runs migrations on the connection or URL ``wendu.migrate`` hands in."""

from __future__ import annotations

from alembic import context

from wendu.models_registry import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations on the connection given in ``config.attributes`` (or the URL)."""
    connection = config.attributes.get("connection")
    if connection is None:
        from wendu.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
