"""The bank API as the assistant calls it: over HTTP, with the customer's own token.

Flows never read the database: a bug in a flow can reach only what the customer's consent
lets this token read. In-process the client drives the same ASGI app; otherwise a base URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

AISP = "/open-banking/v4.0/aisp"
CUSTOMER_API = "/customer-api/v1"


class ApiRefused(Exception):
    """The API refused the call (403: the consent lacks the permission, or 401)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ApiFailed(Exception):
    """The API answered with an error the assistant cannot turn into an answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class BankApi:
    """A thin async client of the open API and the customer API, bound to one token."""

    client: httpx.AsyncClient
    token: str

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code in (401, 403):
            raise ApiRefused(response.status_code, _message(response))
        if response.status_code >= 400:
            raise ApiFailed(response.status_code, _message(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def accounts(self) -> list[dict[str, Any]]:
        """Return the consented accounts."""
        body = await self._call("GET", f"{AISP}/accounts")
        return list(body["Data"].get("Account", []))

    async def balances(self) -> list[dict[str, Any]]:
        """Return the balances of every consented account."""
        body = await self._call("GET", f"{AISP}/balances")
        return list(body["Data"].get("Balance", []))

    async def transactions(
        self, booked_from: str | None = None, booked_to: str | None = None, pages: int = 3
    ) -> list[dict[str, Any]]:
        """Return transactions of every consented account, newest first (a few pages)."""
        params: dict[str, Any] = {}
        if booked_from:
            params["fromBookingDateTime"] = booked_from
        if booked_to:
            params["toBookingDateTime"] = booked_to
        out: list[dict[str, Any]] = []
        for page in range(1, pages + 1):
            body = await self._call("GET", f"{AISP}/transactions", params={**params, "page": page})
            out.extend(body["Data"].get("Transaction", []))
            if not body.get("Links", {}).get("Next"):
                break
        return out

    async def cards(self) -> list[dict[str, Any]]:
        """Return the cards on the consented accounts."""
        return list((await self._call("GET", f"{CUSTOMER_API}/cards"))["cards"])

    async def freeze_card(self, card_id: str, reason: str) -> dict[str, Any]:
        """Freeze a card on a consented account."""
        result: dict[str, Any] = await self._call(
            "POST", f"{CUSTOMER_API}/cards/{card_id}/freeze", json={"reason": reason}
        )
        return result

    async def connected_apps(self) -> list[dict[str, Any]]:
        """Return the customer's connected apps."""
        return list((await self._call("GET", f"{CUSTOMER_API}/connected-apps"))["apps"])

    async def revoke_app(self, consent_id: str) -> None:
        """Revoke one of the customer's connected apps."""
        await self._call("DELETE", f"{CUSTOMER_API}/connected-apps/{consent_id}")

    async def products(self) -> list[dict[str, Any]]:
        """Return the public product catalogue."""
        response = await self.client.get("/api/v1/products")
        if response.status_code >= 400:
            raise ApiFailed(response.status_code, _message(response))
        return list(response.json().get("products", []))


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    errors = body.get("Errors") if isinstance(body, dict) else None
    if errors:
        return str(errors[0].get("Message", ""))
    return str(body.get("Message", "")) if isinstance(body, dict) else ""
