"""OB ``Links`` and ``Meta`` for paged and single-page listings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from wendu.openbanking.wire import iso

PAGE_SIZE = 50
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class PageRequest:
    """Where a listing is served from and which page the caller asked for."""

    url: str  # absolute URL of the resource, without a query string
    params: Mapping[str, str]  # the caller's other query parameters, kept on every link
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        """Return the number of rows before this page."""
        return (self.page - 1) * self.size

    def link(self, page: int) -> str:
        """Return the URL of ``page`` with the same filters."""
        params = {k: v for k, v in self.params.items() if k != "page"}
        if page > 1:
            params["page"] = str(page)
        return f"{self.url}?{urlencode(params)}" if params else self.url


def total_pages(count: int, size: int) -> int:
    """Return how many pages ``count`` rows fill (at least one, even when empty)."""
    return max(1, -(-count // size))


def paged_links(request: PageRequest, pages: int) -> dict[str, str]:
    """Return ``Links`` with Self, First, Prev, Next and Last as they apply."""
    links = {"Self": request.link(request.page), "First": request.link(1)}
    if request.page > 1:
        links["Prev"] = request.link(request.page - 1)
    if request.page < pages:
        links["Next"] = request.link(request.page + 1)
    links["Last"] = request.link(pages)
    return links


def envelope(
    data: dict[str, Any],
    *,
    self_url: str,
    pages: int = 1,
    links: dict[str, str] | None = None,
    first: datetime | None = None,
    last: datetime | None = None,
) -> dict[str, Any]:
    """Wrap ``data`` in the OB ``{Data, Links, Meta}`` envelope."""
    meta: dict[str, Any] = {"TotalPages": pages}
    if first is not None:
        meta["FirstAvailableDateTime"] = iso(first)
    if last is not None:
        meta["LastAvailableDateTime"] = iso(last)
    return {"Data": data, "Links": links or {"Self": self_url}, "Meta": meta}
