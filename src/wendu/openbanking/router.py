"""HTTP routes of wendu.openbanking: UK OB v4.0 AIS under /open-banking/v4.0/aisp.

Operation ids are the spec's, so generated clients match the published API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from wendu.config import Settings
from wendu.deps import SessionDep
from wendu.identity.deps import ClientAccess
from wendu.openbanking import ais
from wendu.openbanking.consents import (
    create_account_access_consent,
    delete_account_access_consent,
    get_account_access_consent,
)
from wendu.openbanking.deps import (
    AccountsScope,
    BalancesScope,
    BeneficiariesScope,
    CoreBankDep,
    DirectDebitsScope,
    OffersScope,
    PartyPSUScope,
    PartyScope,
    ProductsScope,
    ScheduledPaymentsScope,
    StandingOrdersScope,
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
    access: ClientAccess, session: SessionDep, self_url: SelfUrl, consent_id: ConsentId
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


# --- accounts and balances ----------------------------------------------------------------


@aisp.get(
    "/accounts",
    operation_id="GetAccounts",
    responses=ob_responses("OBReadAccount6"),
    response_class=OBJSONResponse,
)
def get_accounts(scope: AccountsScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """List the accounts the consent covers."""
    return _ok(ais.accounts(bank, scope, None, url))


@aisp.get(
    "/accounts/{AccountId}",
    operation_id="GetAccountsAccountId",
    responses=ob_responses("OBReadAccount6"),
    response_class=OBJSONResponse,
)
def get_account(
    scope: AccountsScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """Return one consented account."""
    return _ok(ais.accounts(bank, scope, account_id, url))


@aisp.get(
    "/accounts/{AccountId}/balances",
    operation_id="GetAccountsAccountIdBalances",
    responses=ob_responses("OBReadBalance1"),
    response_class=OBJSONResponse,
)
def get_account_balances(
    scope: BalancesScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """Return the balances of one consented account."""
    return _ok(ais.balances(bank, scope, account_id, url))


@aisp.get(
    "/balances",
    operation_id="GetBalances",
    responses=ob_responses("OBReadBalance1"),
    response_class=OBJSONResponse,
)
def get_balances(scope: BalancesScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """Return the balances of every consented account."""
    return _ok(ais.balances(bank, scope, None, url))


# --- transactions -------------------------------------------------------------------------


async def _page(request: Request, page: Page = 1) -> PageRequest:
    return PageRequest(
        url=_public_url(request) + request.url.path,
        params=dict(request.query_params),
        page=page,
    )


PageDep = Annotated[PageRequest, Depends(_page)]


@aisp.get(
    "/accounts/{AccountId}/transactions",
    operation_id="GetAccountsAccountIdTransactions",
    responses=ob_responses("OBReadTransaction6"),
    response_class=OBJSONResponse,
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


@aisp.get(
    "/transactions",
    operation_id="GetTransactions",
    responses=ob_responses("OBReadTransaction6"),
    response_class=OBJSONResponse,
)
def get_transactions(
    scope: TransactionsScope,
    bank: CoreBankDep,
    page: PageDep,
    from_booking: FromBooking = None,
    to_booking: ToBooking = None,
) -> OBJSONResponse:
    """Page through the transactions of every consented account, newest first."""
    return _ok(
        ais.transactions(
            bank,
            scope,
            None,
            page,
            booked_from=ais.parse_filter_datetime(from_booking, "fromBookingDateTime"),
            booked_to=ais.parse_filter_datetime(to_booking, "toBookingDateTime"),
        )
    )


# --- beneficiaries, standing orders, products, parties -----------------------------------


@aisp.get(
    "/accounts/{AccountId}/beneficiaries",
    operation_id="GetAccountsAccountIdBeneficiaries",
    responses=ob_responses("OBReadBeneficiary5"),
    response_class=OBJSONResponse,
)
def get_account_beneficiaries(
    scope: BeneficiariesScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """List the payees saved on one consented account."""
    return _ok(ais.beneficiaries(bank, scope, account_id, url))


@aisp.get(
    "/beneficiaries",
    operation_id="GetBeneficiaries",
    responses=ob_responses("OBReadBeneficiary5"),
    response_class=OBJSONResponse,
)
def get_beneficiaries(scope: BeneficiariesScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """List the payees saved on every consented account."""
    return _ok(ais.beneficiaries(bank, scope, None, url))


@aisp.get(
    "/accounts/{AccountId}/standing-orders",
    operation_id="GetAccountsAccountIdStandingOrders",
    responses=ob_responses("OBReadStandingOrder6"),
    response_class=OBJSONResponse,
)
def get_account_standing_orders(
    scope: StandingOrdersScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """List the standing orders of one consented account."""
    return _ok(ais.standing_orders(bank, scope, account_id, url))


@aisp.get(
    "/standing-orders",
    operation_id="GetStandingOrders",
    responses=ob_responses("OBReadStandingOrder6"),
    response_class=OBJSONResponse,
)
def get_standing_orders(
    scope: StandingOrdersScope, bank: CoreBankDep, url: SelfUrl
) -> OBJSONResponse:
    """List the standing orders of every consented account."""
    return _ok(ais.standing_orders(bank, scope, None, url))


@aisp.get(
    "/accounts/{AccountId}/product",
    operation_id="GetAccountsAccountIdProduct",
    responses=ob_responses("OBReadProduct2"),
    response_class=OBJSONResponse,
)
def get_account_product(
    scope: ProductsScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """Return the product behind one consented account."""
    return _ok(ais.products(bank, scope, account_id, url))


@aisp.get(
    "/products",
    operation_id="GetProducts",
    responses=ob_responses("OBReadProduct2"),
    response_class=OBJSONResponse,
)
def get_products(scope: ProductsScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """Return the products behind every consented account."""
    return _ok(ais.products(bank, scope, None, url))


@aisp.get(
    "/accounts/{AccountId}/party",
    operation_id="GetAccountsAccountIdParty",
    responses=ob_responses("OBReadParty2"),
    response_class=OBJSONResponse,
)
def get_account_party(
    scope: PartyScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl, account_id: AccountId
) -> OBJSONResponse:
    """Return the party that holds one consented account."""
    return _ok(ais.account_party(bank, scope, account_id, url, base, many=False))


@aisp.get(
    "/accounts/{AccountId}/parties",
    operation_id="GetAccountsAccountIdParties",
    responses=ob_responses("OBReadParty3"),
    response_class=OBJSONResponse,
)
def get_account_parties(
    scope: PartyScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl, account_id: AccountId
) -> OBJSONResponse:
    """List every party related to one consented account."""
    return _ok(ais.account_party(bank, scope, account_id, url, base, many=True))


@aisp.get(
    "/party",
    operation_id="GetParty",
    responses=ob_responses("OBReadParty2"),
    response_class=OBJSONResponse,
)
def get_party(
    scope: PartyPSUScope, bank: CoreBankDep, url: SelfUrl, base: BaseUrl
) -> OBJSONResponse:
    """Return the customer who authorised the consent."""
    return _ok(ais.psu_party(bank, scope, url, base))


# --- resources the sandbox ledger does not hold: valid, empty listings --------------------


@aisp.get(
    "/accounts/{AccountId}/direct-debits",
    operation_id="GetAccountsAccountIdDirectDebits",
    responses=ob_responses("OBReadDirectDebit2"),
    response_class=OBJSONResponse,
)
def get_account_direct_debits(
    scope: DirectDebitsScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """List the direct debits of one consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, account_id, url, "DirectDebit"))


@aisp.get(
    "/direct-debits",
    operation_id="GetDirectDebits",
    responses=ob_responses("OBReadDirectDebit2"),
    response_class=OBJSONResponse,
)
def get_direct_debits(scope: DirectDebitsScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """List the direct debits of every consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, None, url, "DirectDebit"))


@aisp.get(
    "/accounts/{AccountId}/scheduled-payments",
    operation_id="GetAccountsAccountIdScheduledPayments",
    responses=ob_responses("OBReadScheduledPayment3"),
    response_class=OBJSONResponse,
)
def get_account_scheduled_payments(
    scope: ScheduledPaymentsScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """List the scheduled payments of one consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, account_id, url, "ScheduledPayment"))


@aisp.get(
    "/scheduled-payments",
    operation_id="GetScheduledPayments",
    responses=ob_responses("OBReadScheduledPayment3"),
    response_class=OBJSONResponse,
)
def get_scheduled_payments(
    scope: ScheduledPaymentsScope, bank: CoreBankDep, url: SelfUrl
) -> OBJSONResponse:
    """List the scheduled payments of every consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, None, url, "ScheduledPayment"))


@aisp.get(
    "/accounts/{AccountId}/offers",
    operation_id="GetAccountsAccountIdOffers",
    responses=ob_responses("OBReadOffer1"),
    response_class=OBJSONResponse,
)
def get_account_offers(
    scope: OffersScope, bank: CoreBankDep, url: SelfUrl, account_id: AccountId
) -> OBJSONResponse:
    """List the offers on one consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, account_id, url, "Offer"))


@aisp.get(
    "/offers",
    operation_id="GetOffers",
    responses=ob_responses("OBReadOffer1"),
    response_class=OBJSONResponse,
)
def get_offers(scope: OffersScope, bank: CoreBankDep, url: SelfUrl) -> OBJSONResponse:
    """List the offers on every consented account (the sandbox has none)."""
    return _ok(ais.empty(bank, scope, None, url, "Offer"))


@aisp.get(
    "/accounts/{AccountId}/statements",
    operation_id="GetAccountsAccountIdStatements",
    responses=ob_responses("OBReadStatement2"),
    response_class=OBJSONResponse,
)
def get_account_statements(
    scope: StatementsScope,
    bank: CoreBankDep,
    url: SelfUrl,
    account_id: AccountId,
    from_statement: FromStatement = None,
    to_statement: ToStatement = None,
) -> OBJSONResponse:
    """List the statements of one consented account (the sandbox issues none)."""
    ais.parse_filter_datetime(from_statement, "fromStatementDateTime")
    ais.parse_filter_datetime(to_statement, "toStatementDateTime")
    return _ok(ais.empty(bank, scope, account_id, url, "Statement"))


@aisp.get(
    "/statements",
    operation_id="GetStatements",
    responses=ob_responses("OBReadStatement2"),
    response_class=OBJSONResponse,
)
def get_statements(
    scope: StatementsScope,
    bank: CoreBankDep,
    url: SelfUrl,
    from_statement: FromStatement = None,
    to_statement: ToStatement = None,
) -> OBJSONResponse:
    """List the statements of every consented account (the sandbox issues none)."""
    ais.parse_filter_datetime(from_statement, "fromStatementDateTime")
    ais.parse_filter_datetime(to_statement, "toStatementDateTime")
    return _ok(ais.empty(bank, scope, None, url, "Statement"))


@aisp.get(
    "/accounts/{AccountId}/statements/{StatementId}",
    operation_id="GetAccountsAccountIdStatementsStatementId",
    responses=ob_responses("OBReadStatement2"),
    response_class=OBJSONResponse,
)
def get_account_statement(
    scope: StatementsScope, bank: CoreBankDep, account_id: AccountId, statement_id: StatementId
) -> OBJSONResponse:
    """Return one statement: always 400 U004, as the sandbox issues none."""
    ais.no_statement(bank, scope, account_id)


@aisp.get(
    "/accounts/{AccountId}/statements/{StatementId}/file",
    operation_id="GetAccountsAccountIdStatementsStatementIdFile",
    responses=ob_responses("File"),
    response_class=OBJSONResponse,
)
def get_account_statement_file(
    scope: StatementsScope, bank: CoreBankDep, account_id: AccountId, statement_id: StatementId
) -> OBJSONResponse:
    """Return a statement file: always 400 U004, as the sandbox issues none."""
    ais.no_statement(bank, scope, account_id)


@aisp.get(
    "/accounts/{AccountId}/statements/{StatementId}/transactions",
    operation_id="GetAccountsAccountIdStatementsStatementIdTransactions",
    responses=ob_responses("OBReadTransaction6"),
    response_class=OBJSONResponse,
)
def get_account_statement_transactions(
    scope: StatementsScope,
    bank: CoreBankDep,
    account_id: AccountId,
    statement_id: StatementId,
) -> OBJSONResponse:
    """Return a statement's transactions: always 400 U004, as the sandbox issues none."""
    ais.no_statement(bank, scope, account_id)


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
