"""Business errors as exception classes, rendered by one handler into the OB error body.

The Open Banking v4 error body is ``{"Code", "Id", "Message", "Errors": [{"ErrorCode",
"Message", "Path"?, "Url"?}]}``. ``ErrorCode`` is a four-character code; wendu uses the
``U0xx`` family below and keeps the meaning of each code in this one table.

An error item may also carry a ``key`` and ``args``: a stable, machine-readable name of the
use-case failure (``"ticket_transition"``) and the values its text needs
(``{"from": "new", "to": "closed"}``). They are internal — the staff console translates by
them (``wendu.console.failures``) — and never appear in the OB body partners receive.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

ERROR_CODES: dict[str, str] = {
    "U001": "A mandatory field or header is missing",
    "U002": "A field has an invalid value or format",
    "U003": "A date or date-time is invalid or out of range",
    "U004": "The resource id is unknown or not accessible",
    "U005": "The consent is not in a status that allows this request",
    "U006": "The consent has expired",
    "U007": "The consent does not grant the permission this request needs",
    "U008": "The request does not match its consent",
    "U009": "The idempotency key was reused with a different request",
    "U010": "The request signature is missing or invalid",
    "U011": "The resource was already consumed",
    "U012": "Insufficient funds",
    "U013": "The media type is not supported or acceptable",
    "U014": "Authentication failed or the token is not valid for this request",
    "U015": "The client is not allowed to perform this request",
    "U016": "Too many requests",
    "U017": "The method is not allowed on this resource",
    "U018": "The request is in conflict with the current state",
    "U019": "An unexpected error occurred",
    "U020": "The service is not available in this environment",
}


@dataclass
class ErrorItem:
    """One entry of ``Errors[]`` (``key`` and ``args`` are internal, never rendered)."""

    code: str
    message: str
    path: str | None = None
    key: str | None = None
    args: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, str]:
        """Render in the OB ``OBError1`` shape."""
        item = {"ErrorCode": self.code, "Message": self.message[:500]}
        if self.path:
            item["Path"] = self.path[:500]
        return item


@dataclass
class WenduError(Exception):
    """Base of every error the API reports; carries its HTTP status and OB error items."""

    status: int
    items: list[ErrorItem]
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{i.code} {i.message}" for i in self.items)

    def body(self, error_id: str | None = None) -> dict[str, Any]:
        """Return the OB error response body."""
        phrase = HTTPStatus(self.status).phrase.replace(" ", "")
        return {
            "Code": f"{self.status} {phrase}"[:40],
            "Id": (error_id or uuid.uuid4().hex)[:40],
            "Message": self.items[0].message[:500],
            "Errors": [i.as_json() for i in self.items],
        }


Args = Mapping[str, str | int]


def _err(
    status: int,
    code: str,
    message: str,
    path: str | None = None,
    *,
    key: str | None = None,
    args: Args | None = None,
) -> WenduError:
    values = {name: str(value) for name, value in (args or {}).items()}
    return WenduError(status, [ErrorItem(code, message, path, key, values)])


def error_code(validation_error: Mapping[str, Any]) -> str:
    """Return the ``U0xx`` code of one Pydantic validation error: U001 for a missing field,
    U003 for a date or date-time, U002 for anything else."""
    kind = str(validation_error.get("type", ""))
    if kind == "missing":
        return "U001"
    if kind.startswith(("date", "datetime", "timezone")) or "date-time" in str(
        validation_error.get("msg", "")
    ):
        return "U003"
    return "U002"


def bad_request(
    message: str,
    *,
    code: str = "U002",
    path: str | None = None,
    key: str | None = None,
    args: Args | None = None,
) -> WenduError:
    """Return a 400 with one error item (``key``/``args``: see the module docstring)."""
    return _err(400, code, message, path, key=key, args=args)


def missing_field(path: str) -> WenduError:
    """Return a 400 for a mandatory field that is absent."""
    return _err(
        400, "U001", f"{path} is required", path, key="field_required", args={"field": path}
    )


def unknown_resource(what: str = "resource") -> WenduError:
    """Return the 400 the OB spec uses for an unknown or inaccessible id (never 404)."""
    message = f"The {what} id is not valid for this request"
    kind = what.replace(" ", "_")
    return _err(400, "U004", message, key="unknown_resource", args={"kind": kind})


def unauthorized(message: str = "A valid access token is required") -> WenduError:
    """Return a 401 with a Bearer challenge."""
    err = _err(401, "U014", message)
    err.headers["WWW-Authenticate"] = 'Bearer realm="wendu"'
    return err


def forbidden(
    message: str, *, code: str = "U015", key: str | None = None, args: Args | None = None
) -> WenduError:
    """Return a 403."""
    return _err(403, code, message, key=key, args=args)


def conflict(
    message: str, *, code: str = "U018", key: str | None = None, args: Args | None = None
) -> WenduError:
    """Return a 409."""
    return _err(409, code, message, key=key, args=args)


def not_found(
    message: str = "The requested path does not exist", *, key: str | None = None
) -> WenduError:
    """Return a 404 for an unknown route (not for unknown resource ids)."""
    return _err(404, "U004", message, key=key)


def too_many_requests(retry_after: int) -> WenduError:
    """Return a 429 with ``Retry-After``."""
    err = _err(429, "U016", "Rate limit exceeded; retry later")
    err.headers["Retry-After"] = str(retry_after)
    return err


def sandbox_only() -> WenduError:
    """Return the error for sandbox features used in production."""
    return _err(403, "U020", "This endpoint is available only in sandbox mode")
