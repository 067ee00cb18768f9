"""The bank API as the assistant calls it: over HTTP, with the customer's own token.

Flows never read the database: a bug in a flow can reach only what the customer's consent
lets this token read. In-process the client drives the same ASGI app; otherwise a base URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

AISP = "/open-banking/v4.0/aisp"
CUSTOMER_API = "/customer-api/v1"


MAX_PAGES = 40  # at most this many pages are read for one answer (2,000 transactions)


@dataclass
class Listing:
    """Transactions of a window as the API reported them, and how many there are in all.

    ``count`` is the true number in the window (read from the API's pages, never a page
    cap); ``rows`` holds them all when ``complete``, else the newest ``len(rows)``.
    """

    rows: list[dict[str, Any]]
    count: int

    @property
    def complete(self) -> bool:
        """Return True when ``rows`` holds every transaction of the window."""
        return len(self.rows) >= self.count


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

    async def transactions_between(
        self, start: datetime | None, end: datetime | None, max_pages: int = MAX_PAGES
    ) -> Listing:
        """Return every transaction booked in [start, end) (aware instants; None: open),
        newest first, paging through the API; with more than ``max_pages`` pages, the
        newest pages and the true count (read from the last page)."""
        params: dict[str, Any] = {}
        if start is not None:
            params["fromBookingDateTime"] = api_time(start)
        if end is not None:  # the API's upper bound is inclusive
            params["toBookingDateTime"] = api_time(end - timedelta(microseconds=1))
        path = f"{AISP}/transactions"
        body = await self._call("GET", path, params=params)
        rows = list(body["Data"].get("Transaction", []))
        pages = int(body.get("Meta", {}).get("TotalPages") or 1)
        page_size = len(rows)
        for page in range(2, min(pages, max_pages) + 1):
            more = await self._call("GET", path, params={**params, "page": page})
            rows.extend(more["Data"].get("Transaction", []))
        if pages <= max_pages:
            return Listing(rows, len(rows))
        last = await self._call("GET", path, params={**params, "page": pages})
        return Listing(rows, (pages - 1) * page_size + len(last["Data"].get("Transaction", [])))

    async def cards(self) -> list[dict[str, Any]]:
        """Return the cards on the consented accounts."""
        return list((await self._call("GET", f"{CUSTOMER_API}/cards"))["cards"])

    async def merchants(self) -> list[dict[str, Any]]:
        """Return the merchants of the customer's consented transactions (English and
        Chinese names), the gazetteer the assistant grounds merchant names in."""
        return list((await self._call("GET", f"{CUSTOMER_API}/merchants"))["merchants"])

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


def api_time(moment: datetime) -> str:
    """Render an aware instant as the UTC ISO date-time the OB filters expect (they read
    any offset as UTC, so the instant is converted first)."""
    return moment.astimezone(UTC).isoformat()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    errors = body.get("Errors") if isinstance(body, dict) else None
    if errors:
        return str(errors[0].get("Message", ""))
    return str(body.get("Message", "")) if isinstance(body, dict) else ""
