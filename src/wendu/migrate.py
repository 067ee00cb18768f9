"""Run and create Alembic migrations without an alembic.ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from wendu.db import normalise_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config pointing at wendu's migrations and ``database_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Upgrade the database to ``revision`` (every domain's head by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def revision(
    database_url: str, message: str, *, head: str = "heads", autogenerate: bool = True
) -> None:
    """Create a new migration file by comparing the models with the database."""
    command.revision(
        alembic_config(database_url), message=message, autogenerate=autogenerate, head=head
    )
