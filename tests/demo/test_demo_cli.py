"""``wendu demo seed`` on a fresh database, driven through the real command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from wendu.cli import app
from wendu.config import get_settings
from wendu.db import Database
from wendu.demo.seed import bank_digest, seed_bank
from wendu.ledger.models import Customer
from wendu.migrate import upgrade


@pytest.fixture()
def cli_url(fresh_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the command line's settings at a new, empty database."""
    url = fresh_url()
    monkeypatch.setenv("WENDU_DATABASE_URL", url)
    monkeypatch.setenv("WENDU_ENV", "development")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_demo_seed_builds_and_refuses_to_reseed(cli_url: str) -> None:
    runner = CliRunner()
    args = ["demo", "seed", "--customers", "8", "--seed", "5", "--months", "3", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["customers"] == 8 and report["transactions"] > 0
    assert report["demo_username"] == "demo00001" and report["demo_password"] == "wendu-demo"

    database = Database(cli_url)
    try:
        with database.session(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Customer)) == 8
        digest = bank_digest(database)
    finally:
        database.dispose()

    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--reset" in again.output

    reset = runner.invoke(app, [*args, "--reset"])
    assert reset.exit_code == 0, reset.output
    database = Database(cli_url)
    try:
        assert bank_digest(database) == digest  # rebuilt from scratch, identical
    finally:
        database.dispose()


def test_demo_seed_matches_the_library_call(cli_url: str, fresh_db: Callable[[], Database]) -> None:
    result = CliRunner().invoke(
        app, ["demo", "seed", "--customers", "6", "--seed", "9", "--months", "2", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "demo00001 / wendu-demo" in result.output
    library = fresh_db()
    seed_bank(library, customers=6, seed=9, months=2)
    upgrade(cli_url)
    cli_db = Database(cli_url)
    try:
        assert bank_digest(cli_db) == bank_digest(library)
    finally:
        cli_db.dispose()


def test_demo_seed_is_refused_in_production(cli_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENDU_ENV", "production")
    monkeypatch.setenv("WENDU_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["demo", "seed", "--customers", "3"])
    assert result.exit_code == 2
    assert "production" in result.output
