"""`wendu sandbox consent --payment-consent` authorises a payment consent and returns its token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from payments.support import PISP, Bank, payment_body, payment_consent_body
from wendu.config import Settings, get_settings
from wendu.identity import sandbox_cli

cli = typer.Typer()
cli.add_typer(sandbox_cli.app, name="sandbox")


@pytest.fixture()
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI at the test database, with the server's issuer."""
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WENDU_ENV", "development")
    monkeypatch.setenv("WENDU_PUBLIC_URL", settings.public_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_payment_consent_token_from_the_cli_pays(cli_env: None, bank: Bank) -> None:
    tpp = bank.tpp()
    payer = bank.payer(20_00)
    request = payment_consent_body(amount="5.00")
    created = bank.post(f"{PISP}/domestic-payment-consents", request, tpp.client_token, tpp)
    consent_id = created.json()["Data"]["ConsentId"]

    result = CliRunner().invoke(
        cli,
        ["sandbox", "consent", "--client-id", tpp.client_id, "--customer", payer.customer_id,
         "--payment-consent", consent_id, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["consent_id"] == consent_id and out["account_ids"] == [payer.account_id]

    paid = bank.post(
        f"{PISP}/domestic-payments", payment_body(consent_id, request), out["access_token"], tpp
    )
    assert paid.status_code == 201, paid.text
    assert bank.balance(payer.account_id) == 15_00
