"""The UK OB v4 account-access permission codes and the rules a consent request must meet."""

from __future__ import annotations

from collections.abc import Iterable

from wendu.errors import bad_request

PERMISSIONS: tuple[str, ...] = (
    "ReadAccountsBasic",
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadBeneficiariesBasic",
    "ReadBeneficiariesDetail",
    "ReadDirectDebits",
    "ReadOffers",
    "ReadPAN",
    "ReadParty",
    "ReadPartyPSU",
    "ReadProducts",
    "ReadScheduledPaymentsBasic",
    "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersBasic",
    "ReadStandingOrdersDetail",
    "ReadStatementsBasic",
    "ReadStatementsDetail",
    "ReadTransactionsBasic",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
    "ReadTransactionsDetail",
)
KNOWN = frozenset(PERMISSIONS)

# Clusters whose data comes in a Basic and a Detail flavour; Detail includes Basic.
CLUSTERS: tuple[str, ...] = (
    "Accounts",
    "Beneficiaries",
    "ScheduledPayments",
    "StandingOrders",
    "Statements",
    "Transactions",
)
TRANSACTION_KINDS = frozenset({"ReadTransactionsBasic", "ReadTransactionsDetail"})
TRANSACTION_DIRECTIONS = frozenset({"ReadTransactionsCredits", "ReadTransactionsDebits"})

PATH = "Data.Permissions"


def validate_permissions(requested: Iterable[str]) -> list[str]:
    """Return the requested codes deduplicated in order, or raise 400 for a rule they break."""
    codes = list(dict.fromkeys(requested))
    if not codes:
        raise bad_request("At least one permission is required", code="U001", path=PATH)
    unknown = [c for c in codes if c not in KNOWN]
    if unknown:
        raise bad_request(f"Unknown permission code(s): {', '.join(unknown)}", path=PATH)
    granted = frozenset(codes)
    if granted & TRANSACTION_KINDS and not granted & TRANSACTION_DIRECTIONS:
        raise bad_request(
            "ReadTransactionsBasic/Detail needs ReadTransactionsCredits and/or "
            "ReadTransactionsDebits",
            path=PATH,
        )
    if granted & TRANSACTION_DIRECTIONS and not granted & TRANSACTION_KINDS:
        raise bad_request(
            "ReadTransactionsCredits/Debits needs ReadTransactionsBasic or ReadTransactionsDetail",
            path=PATH,
        )
    if granted == {"ReadPAN"}:
        # ReadPAN only changes how identifiers are shown; alone it grants no data.
        raise bad_request("ReadPAN must be requested with another permission", path=PATH)
    return codes


def detail(granted: frozenset[str], cluster: str) -> bool:
    """Return True when ``granted`` includes the Detail flavour of ``cluster``."""
    return f"Read{cluster}Detail" in granted


def any_of(granted: frozenset[str], cluster: str) -> bool:
    """Return True when ``granted`` includes the Basic or Detail flavour of ``cluster``."""
    return f"Read{cluster}Basic" in granted or f"Read{cluster}Detail" in granted
