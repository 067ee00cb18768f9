"""The partner and sandbox commands, run through Typer against the test database."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import jwt
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from identity.flow import Flow, World
from wendu.config import Settings, get_settings
from wendu.identity import partner_cli, sandbox_cli

runner = CliRunner()
# The same groups `wendu` mounts (see wendu.cli.GROUPS), without importing other domains' CLIs.
cli = typer.Typer()
cli.add_typer(partner_cli.app, name="partner")
cli.add_typer(sandbox_cli.app, name="sandbox")


@pytest.fixture()
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's settings at the test database (sandbox mode)."""
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WENDU_ENV", "development")
    # Tokens name their issuer; the CLI and the server must agree on it, as in a deployment.
    monkeypatch.setenv("WENDU_PUBLIC_URL", settings.public_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture()
def production_env(cli_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENDU_ENV", "production")
    monkeypatch.setenv("WENDU_SECRET_KEY", secrets.token_hex(32))
    get_settings.cache_clear()


def _run(*args: str) -> object:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_partner_create_prints_credentials_and_a_signing_key(
    cli_env: None, browser: TestClient
) -> None:
    out = _run(
        "partner", "create", "--name", "Payroll Co", "--redirect-uri",
        "https://payroll.example.com/cb", "--json",
    )  # fmt: skip
    assert isinstance(out, dict)
    assert set(out) >= {
        "partner_id", "client_id", "client_secret", "name", "redirect_uris", "roles", "kid",
        "private_key_pem",
    }  # fmt: skip
    assert out["redirect_uris"] == ["https://payroll.example.com/cb"]
    assert out["roles"] == ["AISP", "PISP", "CBPII"]
    assert out["private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    signed = jwt.encode({"a": 1}, out["private_key_pem"], algorithm="PS256")
    assert jwt.get_unverified_header(signed)["alg"] == "PS256" and out["kid"]
    token = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        auth=(out["client_id"], out["client_secret"]),
    )
    assert token.status_code == 200


def test_partner_create_without_signing_and_list(cli_env: None) -> None:
    out = _run("partner", "create", "--name", "Plain", "--no-signing", "--role", "AISP", "--json")
    assert isinstance(out, dict)
    assert out["kid"] is None and out["private_key_pem"] is None and out["roles"] == ["AISP"]
    listed = _run("partner", "list", "--json")
    assert isinstance(listed, list)
    mine = [p for p in listed if p["client_id"] == out["client_id"]]
    assert len(mine) == 1 and "client_secret" not in mine[0]


def test_partner_create_refuses_bad_input(cli_env: None) -> None:
    result = runner.invoke(
        cli, ["partner", "create", "--name", "X", "--redirect-uri", "nope", "--json"]
    )
    assert result.exit_code == 2 and "Redirect URI" in result.output


def test_sandbox_customers_lists_login_and_accounts(cli_env: None, world: World) -> None:
    out = _run("sandbox", "customers", "--limit", "100000", "--json")
    assert isinstance(out, list)
    mine = next(c for c in out if c["customer_id"] == world.customer_id)
    assert mine["username"] == world.username
    assert sorted(mine["account_ids"]) == sorted(world.account_ids)
    assert mine["name"]
    assert len(_run("sandbox", "customers", "--limit", "1", "--json")) == 1  # type: ignore[arg-type]


def test_sandbox_consent_yields_tokens_that_read_accounts(
    cli_env: None, flow: Flow, world: World
) -> None:
    out = _run(
        "sandbox", "consent", "--client-id", world.client_id, "--customer", world.customer_id,
        "--permissions", "ReadAccountsBasic,ReadBalances", "--accounts", world.account_ids[0],
        "--json",
    )  # fmt: skip
    assert isinstance(out, dict)
    assert set(out) == {"consent_id", "access_token", "refresh_token", "account_ids"}
    assert out["account_ids"] == world.account_ids[:1]
    accounts = flow.browser.get(
        "/open-banking/v4.0/aisp/accounts",
        headers={"Authorization": f"Bearer {out['access_token']}", "Accept": "application/json"},
    )
    assert accounts.status_code == 200, accounts.text
    assert [a["AccountId"] for a in accounts.json()["Data"]["Account"]] == world.account_ids[:1]
    refreshed = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": out["refresh_token"]},
        auth=(world.client_id, world.secret),
    )
    assert refreshed.status_code == 200


def test_sandbox_consent_all_accounts_and_bad_permissions(cli_env: None, world: World) -> None:
    out = _run(
        "sandbox", "consent", "--client-id", world.client_id, "--customer", world.customer_id,
        "--permissions", "ReadAccountsDetail", "--json",
    )  # fmt: skip
    assert isinstance(out, dict) and sorted(out["account_ids"]) == sorted(world.account_ids)
    bad = runner.invoke(
        cli,
        ["sandbox", "consent", "--client-id", world.client_id, "--customer", world.customer_id,
         "--permissions", "ReadTransactionsBasic", "--json"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "ReadTransactionsCredits" in bad.output
    foreign = runner.invoke(
        cli,
        ["sandbox", "consent", "--client-id", world.client_id, "--customer", world.customer_id,
         "--permissions", "ReadAccountsBasic", "--accounts", "acc_not_theirs", "--json"],
    )  # fmt: skip
    assert foreign.exit_code == 2


def test_sandbox_commands_are_refused_in_production(production_env: None, world: World) -> None:
    for args in (
        ["sandbox", "customers", "--limit", "1", "--json"],
        ["sandbox", "consent", "--client-id", world.client_id, "--customer", world.customer_id,
         "--permissions", "ReadAccountsBasic", "--json"],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 2
        assert "refused when WENDU_ENV=production" in result.output


def test_every_command_has_help() -> None:
    for args in (
        ["partner", "--help"], ["partner", "create", "--help"], ["partner", "list", "--help"],
        ["sandbox", "--help"], ["sandbox", "customers", "--help"], ["sandbox", "consent", "--help"],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "Usage" in result.output, args
