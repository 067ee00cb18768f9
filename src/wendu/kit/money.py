"""Money in integer minor units; Decimal strings only on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MINOR_UNITS = {"CNY": 2, "GBP": 2, "USD": 2, "EUR": 2, "JPY": 0, "HKD": 2}
# ISO 4217 codes that name no money a bank account holds: "no currency" (XXX), the testing
# code (XTS), precious metals, and units of account or settlement.
NOT_MONEY = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}
)


def is_money(currency: str) -> bool:
    """Return False for ISO 4217 codes that are not a currency (``XXX``, metals, units)."""
    return currency.upper() not in NOT_MONEY


def minor_units(currency: str) -> int:
    """Return the number of decimal places of ``currency``."""
    return MINOR_UNITS.get(currency, 2)


def to_minor(amount: str | Decimal, currency: str) -> int:
    """Parse an OB amount string into integer minor units, refusing extra precision."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a decimal amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    places = minor_units(currency)
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimal places for {currency}")
    return int(scaled)


def to_amount(minor: int, currency: str) -> str:
    """Render minor units as the OB amount string, e.g. ``1234`` CNY → ``"12.34"``."""
    places = minor_units(currency)
    value = Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
    return f"{abs(value):.{places}f}" if places else f"{abs(value):.0f}"
