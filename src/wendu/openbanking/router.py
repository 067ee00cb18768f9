"""HTTP routes of wendu.openbanking: UK OB v4.0 AIS under /open-banking/v4.0/aisp.

Operation ids are the spec's, so generated clients match the published API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from wendu.config import Settings
from wendu.deps import SessionDep, WriteSessionDep
from wendu.identity.deps import ClientAccess
from wendu.ledger.port import CoreBank
from wendu.openbanking import ais
from wendu.openbanking.consents import (
    create_account_access_consent,
    delete_account_access_consent,
    get_account_access_consent,
)
from wendu.openbanking.deps import (
    ConsentScope,
    CoreBankDep,
    PartyPSUScope,
    PartyScope,
    Scope,
    StatementsScope,
    TransactionsScope,
)
from wendu.openbanking.pagination import MAX_PAGE, PageRequest
from wendu.openbanking.schemas import (
    ConsentRequest,
    ConsentResponse,
    OBJSONResponse,
    consent_body,
    ob_responses,
)
from wendu.openbanking.wire import catalogue_product

PREFIX = "/open-banking/v4.0/aisp"
TAG = "Account and Transaction (UK OB v4.0)"

aisp = APIRouter(prefix=PREFIX, tags=[TAG])
public = APIRouter(tags=["Products"])
router = APIRouter()

AccountId = Annotated[str, Path(alias="AccountId", min_length=1, max_length=40)]
ConsentId = Annotated[str, Path(alias="ConsentId", min_length=1, max_length=128)]
StatementId = Annotated[str, Path(alias="StatementId", min_length=1, max_length=40)]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]
FromBooking = Annotated[
    str | None, Query(alias="fromBookingDateTime", description="ISO 8601; offset ignored")
]
ToBooking = Annotated[
    str | None, Query(alias="toBookingDateTime", description="ISO 8601; offset ignored")
]
FromStatement = Annotated[str | None, Query(alias="fromStatementDateTime")]
ToStatement = Annotated[str | None, Query(alias="toStatementDateTime")]


def _public_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.public_url.rstrip("/")


async def _url(request: Request) -> str:
    """Return the absolute URL of this request (with its query) for ``Links.Self``."""
    base = _public_url(request) + request.url.path
    return f"{base}?{request.url.query}" if request.url.query else base


SelfUrl = Annotated[str, Depends(_url)]


async def _base(request: Request) -> str:
    return _public_url(request) + PREFIX


BaseUrl = Annotated[str, Depends(_base)]


def _ok(body: dict[str, Any]) -> OBJSONResponse:
    return OBJSONResponse(body)


def _get(
    path: str,
    operation_id: str,
    schema: str,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """Declare an AIS read route whose 200 body is the OB schema ``schema``."""
    return aisp.get(
        path,
        operation_id=operation_id,
        responses=ob_responses(schema),
        response_class=OBJSONResponse,
        name=name,
        description=description,
    )


# --- account-access consents (client-credentials token) -------------------------------


@aisp.post(
    "/account-access-consents",
    operation_id="CreateAccountAccessConsents",
    status_code=201,
    response_model=ConsentResponse,
    summary="Create an account-access consent",
)
def create_consent(
    access: ClientAccess,
    session: SessionDep,
    self_url: SelfUrl,
    body: Annotated[ConsentRequest, Body()],
) -> OBJSONResponse:
    """Create a consent awaiting the customer's authorisation (AWAU)."""
    consent = create_account_access_consent(
        session,
        partner_id=access.partner_id,
        permissions=body.Data.Permissions,
        expiration=body.Data.ExpirationDateTime,
        transaction_from=body.Data.TransactionFromDateTime,
        transaction_to=body.Data.TransactionToDateTime,
    )
    return OBJSONResponse(consent_body(consent, f"{self_url}/{consent.id}"), status_code=201)


@aisp.get(
    "/account-access-consents/{ConsentId}",
    operation_id="GetAccountAccessConsentsConsentId",
    response_model=ConsentResponse,
    summary="Get an account-access consent",
)
def get_consent(
    access: ClientAccess, session: WriteSessionDep, self_url: SelfUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Return one of the partner's consents (expired ones read as EXPD)."""
    consent = get_account_access_consent(
        session, partner_id=access.partner_id, consent_id=consent_id
    )
    return OBJSONResponse(consent_body(consent, self_url))


@aisp.delete(
    "/account-access-consents/{ConsentId}",
    operation_id="DeleteAccountAccessConsentsConsentId",
    status_code=204,
    response_class=Response,
    summary="Delete (revoke) an account-access consent",
)
def delete_consent(access: ClientAccess, session: SessionDep, consent_id: ConsentId) -> Response:
    """Revoke the consent and every token bound to it, effective at once."""
    delete_account_access_consent(session, partner_id=access.partner_id, consent_id=consent_id)
    return Response(status_code=204)


# --- listings read per account and across every consented account -----------------------

Reader = Callable[[CoreBank, Scope, str | None, str], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One route of a listing: path, the spec's operation id, handler name and description.

    FastAPI derives the documented summary from the name (``get_balances``: "Get Balances").
    """

    path: str
    operation_id: str
    name: str
    description: str


def _route(operation: Operation, schema: str) -> Callable[[Callable[..., Any]], Any]:
    """Declare ``operation`` as an AIS read route whose 200 body is the OB schema ``schema``."""
    return _get(
        operation.path,
        operation.operation_id,
        schema,
        name=operation.name,
        description=operation.description,
    )


@dataclass(frozen=True)
class Listing:
    """A resource read from one consented account (``one``) or from all of them (``every``)."""

    scope: ConsentScope
    schema: str
    read: Reader
    one: Operation
    every: Operation


def _register(listing: Listing, *, every_first: bool = False) -> None:
    """Add the per-account and the bulk route of ``listing`` to the AIS router."""
    permission = Depends(listing.scope)

    def read_one(
        *,
        scope: Scope = permission,
        bank: CoreBankDep,
        url: SelfUrl,
        account_id: AccountId,
    ) -> OBJSONResponse:
        return _ok(listing.read(bank, scope, account_id, url))

    def read_every(*, scope: Scope = permission, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
        return _ok(listing.read(bank, scope, None, url))

    routes: list[tuple[Operation, Callable[..., OBJSONResponse]]] = [
        (listing.one, read_one),
        (listing.every, read_every),
    ]
    if every_first:
        routes.reverse()
    for operation, handler in routes:
        _route(operation, listing.schema)(handler)


# --- accounts and balances ----------------------------------------------------------------

# The spec lists /accounts before /accounts/{AccountId}; the other listings the other way.
_register(
    Listing(
        ConsentScope("ReadAccountsBasic", "ReadAccountsDetail"),
        "OBReadAccount6",
        ais.accounts,
        one=Operation(
            "/accounts/{AccountId}",
            "GetAccountsAccountId",
            "get_account",
            "Return one consented account.",
        ),
        every=Operation(
            "/accounts", "GetAccounts", "get_accounts", "List the accounts the consent covers."
        ),
    ),
    every_first=True,
)
_register(
    Listing(
        ConsentScope("ReadBalances"),
        "OBReadBalance1",
        ais.balances,
        one=Operation(
            "/accounts/{AccountId}/balances",
            "GetAccountsAccountIdBalances",
            "get_account_balances",
            "Return the balances of one consented account.",
        ),
        every=Operation(
            "/balances",
            "GetBalances",
            "get_balances",
            "Return the balances of every consented account.",
        ),
    )
)


# --- transactions -------------------------------------------------------------------------


async def _page(request: Request, page: Page = 1) -> PageRequest:
    return PageRequest(
        url=_public_url(request) + request.url.path,
        params=dict(request.query_params),
        page=page,
    )


PageDep = Annotated[PageRequest, Depends(_page)]


def _transactions(
    bank: CoreBank,
    scope: Scope,
    account_id: str | None,
    page: PageRequest,
    from_booking: str | None,
    to_booking: str | None,
) -> OBJSONResponse:
    """Return one page of transactions within the booking-date filters."""
    return _ok(
        ais.transactions(
            bank,
            scope,
            account_id,
            page,
            booked_from=ais.parse_filter_datetime(from_booking, "fromBookingDateTime"),
            booked_to=ais.parse_filter_datetime(to_booking, "toBookingDateTime"),
        )
    )


@_get(
    "/accounts/{AccountId}/transactions",
    "GetAccountsAccountIdTransactions",
    "OBReadTransaction6",
)
def get_account_transactions(
    scope: TransactionsScope,
    bank: CoreBankDep,
    page: PageDep,
    account_id: AccountId,
    from_booking: FromBooking = None,
    to_booking: ToBooking = None,
) -> OBJSONResponse:
    """Page through one consented account's transactions, newest first."""
    return _transactions(bank, scope, account_id, page, from_booking, to_booking)


@_get("/transactions", "GetTransactions", "OBReadTransaction6")
def get_transactions(
    scope: TransactionsScope,
    bank: CoreBankDep,
    page: PageDep,
    from_booking: FromBooking = None,
    to_booking: ToBooking = None,
) -> OBJSONResponse:
    """Page through the transactions of every consented account, newest first."""
    return _transactions(bank, scope, None, page, from_booking, to_booking)


# --- beneficiaries, standing orders, products, parties -----------------------------------

_register(
    Listing(
        ConsentScope("ReadBeneficiariesBasic", "ReadBeneficiariesDetail"),
        "OBReadBeneficiary5",
        ais.beneficiaries,
        one=Operation(
            "/accounts/{AccountId}/beneficiaries",
            "GetAccountsAccountIdBeneficiaries",
            "get_account_beneficiaries",
            "List the payees saved on one consented account.",
        ),
        every=Operation(
            "/beneficiaries",
            "GetBeneficiaries",
            "get_beneficiaries",
            "List the payees saved on every consented account.",
        ),
    )
)
_register(
    Listing(
        ConsentScope("ReadStandingOrdersBasic", "ReadStandingOrdersDetail"),
        "OBReadStandingOrder6",
        ais.standing_orders,
        one=Operation(
            "/accounts/{AccountId}/standing-orders",
            "GetAccountsAccountIdStandingOrders",
            "get_account_standing_orders",
            "List the standing orders of one consented account.",
        ),
        every=Operation(
            "/standing-orders",
            "GetStandingOrders",
            "get_standing_orders",
            "List the standing orders of every consented account.",
        ),
    )
)
_register(
    Listing(
        ConsentScope("ReadProducts"),
        "OBReadProduct2",
        ais.products,
        one=Operation(
            "/accounts/{AccountId}/product",
            "GetAccountsAccountIdProduct",
            "get_account_product",
            "Return the product behind one consented account.",
        ),
        every=Operation(
            "/products",
            "GetProducts",
            "get_products",
            "Return the products behind every consented account.",
        ),
    )
)


@_get("/accounts/{AccountId}/party", "GetAccountsAccountIdParty", "OBReadParty2")
def get_account_party(
    scope: PartyScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl, account_id: AccountId
) -> OBJSONResponse:
    """Return the party that holds one consented account."""
    return _ok(ais.account_party(bank, scope, account_id, url, base, many=False))


@_get("/accounts/{AccountId}/parties", "GetAccountsAccountIdParties", "OBReadParty3")
def get_account_parties(
    scope: PartyScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl, account_id: AccountId
) -> OBJSONResponse:
    """List every party related to one consented account."""
    return _ok(ais.account_party(bank, scope, account_id, url, base, many=True))


@_get("/party", "GetParty", "OBReadParty2")
def get_party(
    scope: PartyPSUScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl
) -> OBJSONResponse:
    """Return the customer who authorised the consent."""
    return _ok(ais.psu_party(bank, scope, url, base))


# --- resources the sandbox ledger does not hold: valid, empty listings --------------------

_register(
    Listing(
        ConsentScope("ReadDirectDebits"),
        "OBReadDirectDebit2",
        partial(ais.empty, key="DirectDebit"),
        one=Operation(
            "/accounts/{AccountId}/direct-debits",
            "GetAccountsAccountIdDirectDebits",
            "get_account_direct_debits",
            "List the direct debits of one consented account (the sandbox has none).",
        ),
        every=Operation(
            "/direct-debits",
            "GetDirectDebits",
            "get_direct_debits",
            "List the direct debits of every consented account (the sandbox has none).",
        ),
    )
)
_register(
    Listing(
        ConsentScope("ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail"),
        "OBReadScheduledPayment3",
        partial(ais.empty, key="ScheduledPayment"),
        one=Operation(
            "/accounts/{AccountId}/scheduled-payments",
            "GetAccountsAccountIdScheduledPayments",
            "get_account_scheduled_payments",
            "List the scheduled payments of one consented account (the sandbox has none).",
        ),
        every=Operation(
            "/scheduled-payments",
            "GetScheduledPayments",
            "get_scheduled_payments",
            "List the scheduled payments of every consented account (the sandbox has none).",
        ),
    )
)
_register(
    Listing(
        ConsentScope("ReadOffers"),
        "OBReadOffer1",
        partial(ais.empty, key="Offer"),
        one=Operation(
            "/accounts/{AccountId}/offers",
            "GetAccountsAccountIdOffers",
            "get_account_offers",
            "List the offers on one consented account (the sandbox has none).",
        ),
        every=Operation(
            "/offers",
            "GetOffers",
            "get_offers",
            "List the offers on every consented account (the sandbox has none).",
        ),
    )
)


def _statements(
    bank: CoreBank,
    scope: Scope,
    account_id: str | None,
    url: str,
    from_statement: str | None,
    to_statement: str | None,
) -> OBJSONResponse:
    """Check the statement-date filters and return the (empty) statement listing."""
    ais.parse_filter_datetime(from_statement, "fromStatementDateTime")
    ais.parse_filter_datetime(to_statement, "toStatementDateTime")
    return _ok(ais.empty(bank, scope, account_id, url, "Statement"))


@_get("/accounts/{AccountId}/statements", "GetAccountsAccountIdStatements", "OBReadStatement2")
def get_account_statements(
    scope: StatementsScope,
    bank: CoreBankDep,
    url: SelfUrl,
    account_id: AccountId,
    from_statement: FromStatement = None,
    to_statement: ToStatement = None,
) -> OBJSONResponse:
    """List the statements of one consented account (the sandbox issues none)."""
    return _statements(bank, scope, account_id, url, from_statement, to_statement)


@_get("/statements", "GetStatements", "OBReadStatement2")
def get_statements(
    scope: StatementsScope,
    bank: CoreBankDep,
    url: SelfUrl,
    from_statement: FromStatement = None,
    to_statement: ToStatement = None,
) -> OBJSONResponse:
    """List the statements of every consented account (the sandbox issues none)."""
    return _statements(bank, scope, None, url, from_statement, to_statement)


def _no_statement(operation: Operation, schema: str) -> None:
    """Add a route under a statement id: always 400 U004, as the sandbox issues none."""

    def read(
        scope: StatementsScope, bank: CoreBankDep, account_id: AccountId, statement_id: StatementId
    ) -> OBJSONResponse:
        ais.no_statement(bank, scope, account_id)

    _route(operation, schema)(read)


_no_statement(
    Operation(
        "/accounts/{AccountId}/statements/{StatementId}",
        "GetAccountsAccountIdStatementsStatementId",
        "get_account_statement",
        "Return one statement: always 400 U004, as the sandbox issues none.",
    ),
    "OBReadStatement2",
)
_no_statement(
    Operation(
        "/accounts/{AccountId}/statements/{StatementId}/file",
        "GetAccountsAccountIdStatementsStatementIdFile",
        "get_account_statement_file",
        "Return a statement file: always 400 U004, as the sandbox issues none.",
    ),
    "File",
)
_no_statement(
    Operation(
        "/accounts/{AccountId}/statements/{StatementId}/transactions",
        "GetAccountsAccountIdStatementsStatementIdTransactions",
        "get_account_statement_transactions",
        "Return a statement's transactions: always 400 U004, as the sandbox issues none.",
    ),
    "OBReadTransaction6",
)


# --- public product catalogue (no authentication) ----------------------------------------


@public.get("/api/v1/products", operation_id="ListCatalogueProducts")
def list_catalogue(
    bank: CoreBankDep,
    kind: Annotated[
        str | None, Query(max_length=20, description="current, savings, wealth, loan, card…")
    ] = None,
) -> OBJSONResponse:
    """List the bank's products on offer, in English and Chinese, with wealth risk levels."""
    return OBJSONResponse({"products": [catalogue_product(p) for p in bank.catalogue(kind=kind)]})


router.include_router(aisp)
router.include_router(public)
