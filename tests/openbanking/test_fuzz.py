"""Schemathesis over the app's own OpenAPI for the Open Banking routes: never a 5xx.

Bounded to a few generated cases per operation so it runs in seconds. Requests carry a
real customer token (AIS resources) or client token (consents) so generation reaches the
handlers, not only the authentication layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from factories import add_transaction, make_account, make_card, make_customer
from wendu.db import Database
from wendu.identity.models import Partner

PATHS = r"^/(open-banking/v4\.0/aisp|api/v1/products)"


def test_generated_requests_never_cause_a_server_error(
    own_app: FastAPI,
    client: TestClient,
    db: Database,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    client_token: Callable[[Partner], str],
) -> None:
    with db.session() as s:
        customer = make_customer(s)
        account = make_account(s, customer)
        for amount in (1500, -250, -99):
            add_transaction(s, account, amount)
        make_card(s, account)
        customer_id, account_id = customer.id, account.id
    partner = new_partner()
    customer_headers = grant(partner, customer_id, [account_id]).headers
    client_headers = {"Authorization": f"Bearer {client_token(partner)}"}

    schema = schemathesis.openapi.from_asgi("/openapi.json", own_app).include(path_regex=PATHS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    for operation in operations:
        headers = client_headers if "consents" in operation.path else customer_headers
        _fuzz(operation, headers, account_id, failures, statuses)

    assert not failures, failures
    # Generation reaches the handlers, not only the authentication and validation layers.
    assert statuses[200] >= 10, statuses


def _fuzz(
    operation: Any,
    headers: dict[str, str],
    account_id: str,
    failures: list[str],
    statuses: Counter[int],
) -> None:
    """Run a few generated cases of ``operation``, recording any 5xx."""
    calls = 0

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        if case.path_parameters and "AccountId" in case.path_parameters and calls % 2:
            # Every other case uses the real account so handlers run past the scope check.
            case.path_parameters["AccountId"] = account_id
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

    run()
