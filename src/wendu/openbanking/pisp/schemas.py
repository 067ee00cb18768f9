"""Pydantic wire models of the domestic payment requests (``OBWriteDomesticConsent4``,
``OBWriteDomestic2``), the scheduled ones (``OBWriteDomesticScheduledConsent4``,
``OBWriteDomesticScheduled2``), the standing-order ones (``OBWriteDomesticStandingOrderConsent5``,
``OBWriteDomesticStandingOrder3``) and the parsing that turns a raw body into one, with OB errors.

Only fields wendu interprets are typed closely; the rest keep the spec's shape limits so
that what is stored and echoed back stays valid against the spec.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wendu.errors import ErrorItem, WenduError, bad_request, error_code
from wendu.kit.instants import WireDateTime
from wendu.kit.money import is_money

# ASCII digits only: in the validator's regex (as in Python's) \d also matches "١٢" or "１２".
AMOUNT_PATTERN = r"^[0-9]{1,13}$|^[0-9]{1,13}\.[0-9]{1,5}$"
CURRENCY_PATTERN = r"^[A-Z]{3,3}$"
ACCOUNT_SCHEMES = frozenset(
    {
        "UK.OBIE.BBAN",
        "UK.OBIE.IBAN",
        "UK.OBIE.PAN",
        "UK.OBIE.Paym",
        "UK.OBIE.SortCodeAccountNumber",
        "UK.OBIE.Wallet",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OBAmount(_Strict):
    """``OBActiveOrHistoricCurrencyAndAmount``."""

    Amount: str = Field(pattern=AMOUNT_PATTERN)
    Currency: str = Field(pattern=CURRENCY_PATTERN)

    @field_validator("Currency")
    @classmethod
    def _money(cls, value: str) -> str:
        if not is_money(value):
            raise ValueError(f"{value} is not a currency that can be paid")
        return value


class OBDebtorAccount(_Strict):
    """``OBCashAccountDebtor4`` as sent in an initiation."""

    SchemeName: str = Field(min_length=1, max_length=40)
    Identification: str = Field(min_length=1, max_length=256)
    Name: str | None = Field(default=None, min_length=1, max_length=350)
    SecondaryIdentification: str | None = Field(default=None, min_length=1, max_length=34)


class OBCreditorAccount(_Strict):
    """``OBCashAccountCreditor3``."""

    SchemeName: str = Field(min_length=1, max_length=40)
    Identification: str = Field(min_length=1, max_length=256)
    Name: str = Field(min_length=1, max_length=350)
    SecondaryIdentification: str | None = Field(default=None, min_length=1, max_length=34)


class Remittance(_Strict):
    """``OBRemittanceInformation2`` (unstructured lines only)."""

    Unstructured: list[str] | None = Field(default=None, max_length=10)


class OBInitiation(_Strict):
    """The payment order itself (``OBWriteDomestic2.Data.Initiation``)."""

    InstructionIdentification: str = Field(min_length=1, max_length=35)
    EndToEndIdentification: str = Field(min_length=1, max_length=35)
    LocalInstrument: str | None = Field(default=None, min_length=1, max_length=50)
    InstructedAmount: OBAmount
    DebtorAccount: OBDebtorAccount | None = None
    CreditorAccount: OBCreditorAccount
    RemittanceInformation: Remittance | None = None
    SupplementaryData: dict[str, Any] | None = None


class OBScheduledInitiation(OBInitiation):
    """``OBWriteDomesticScheduled2.Data.Initiation``: a domestic order with its execution time."""

    EndToEndIdentification: str | None = Field(default=None, min_length=1, max_length=35)  # type: ignore[assignment]
    RequestedExecutionDateTime: WireDateTime


class OBFrequency(_Strict):
    """``OBFrequency6`` (``Type`` is validated by the schedule rules, not here)."""

    Type: str = Field(min_length=1, max_length=40)
    CountPerPeriod: int | None = None
    PointInTime: str | None = Field(default=None, max_length=2)


class OBMandate(_Strict):
    """``MandateRelatedInformation`` of a standing order initiation."""

    MandateIdentification: str | None = Field(default=None, min_length=1, max_length=35)
    Classification: Literal["FIXE", "USGB", "VARI"] | None = None
    CategoryPurposeCode: str | None = Field(default=None, min_length=1, max_length=4)
    FirstPaymentDateTime: WireDateTime | None = None
    RecurringPaymentDateTime: WireDateTime | None = None
    FinalPaymentDateTime: WireDateTime | None = None
    Frequency: OBFrequency
    Reason: str | None = Field(default=None, min_length=1, max_length=256)


class OBStandingOrderInitiation(_Strict):
    """``OBWriteDomesticStandingOrder3.Data.Initiation``."""

    RemittanceInformation: Remittance | None = None
    NumberOfPayments: str | None = Field(default=None, min_length=1, max_length=35)
    FirstPaymentAmount: OBAmount
    RecurringPaymentAmount: OBAmount | None = None
    FinalPaymentAmount: OBAmount | None = None
    DebtorAccount: OBDebtorAccount | None = None
    CreditorAccount: OBCreditorAccount
    MandateRelatedInformation: OBMandate
    SupplementaryData: dict[str, Any] | None = None


class OBAuthorisation(_Strict):
    """``Data.Authorisation`` of a consent."""

    AuthorisationType: Literal["Any", "Single"]
    CompletionDateTime: WireDateTime | None = None


class OBRisk(_Strict):
    """``OBRisk1`` (delivery address omitted)."""

    PaymentContextCode: (
        Literal[
            "BillingGoodsAndServicesInAdvance",
            "BillingGoodsAndServicesInArrears",
            "EcommerceMerchantInitiatedPayment",
            "FaceToFacePointOfSale",
            "TransferToSelf",
            "TransferToThirdParty",
        ]
        | None
    ) = None
    MerchantCategoryCode: str | None = Field(default=None, min_length=3, max_length=4)
    MerchantCustomerIdentification: str | None = Field(default=None, min_length=1, max_length=70)
    ContractPresentIndicator: bool | None = None
    BeneficiaryPrepopulatedIndicator: bool | None = None


class ConsentData(_Strict):
    """``OBWriteDomesticConsent4.Data``."""

    ReadRefundAccount: Literal["No", "Yes"] | None = None
    Initiation: OBInitiation
    Authorisation: OBAuthorisation | None = None


class ConsentRequest(_Strict):
    """``OBWriteDomesticConsent4``: the body of ``POST /domestic-payment-consents``."""

    Data: ConsentData
    Risk: OBRisk


class PaymentData(_Strict):
    """``OBWriteDomestic2.Data``."""

    ConsentId: str = Field(min_length=1, max_length=128)
    Initiation: OBInitiation


class PaymentRequest(_Strict):
    """``OBWriteDomestic2``: the body of ``POST /domestic-payments``."""

    Data: PaymentData
    Risk: OBRisk


class ScheduledConsentData(_Strict):
    """``OBWriteDomesticScheduledConsent4.Data``."""

    Permission: Literal["Create"]
    ReadRefundAccount: Literal["No", "Yes"] | None = None
    Initiation: OBScheduledInitiation
    Authorisation: OBAuthorisation | None = None


class ScheduledConsentRequest(_Strict):
    """``OBWriteDomesticScheduledConsent4``: ``POST /domestic-scheduled-payment-consents``."""

    Data: ScheduledConsentData
    Risk: OBRisk


class ScheduledPaymentData(_Strict):
    """``OBWriteDomesticScheduled2.Data``."""

    ConsentId: str = Field(min_length=1, max_length=128)
    Initiation: OBScheduledInitiation


class ScheduledPaymentRequest(_Strict):
    """``OBWriteDomesticScheduled2``: the body of ``POST /domestic-scheduled-payments``."""

    Data: ScheduledPaymentData
    Risk: OBRisk


class StandingOrderConsentData(_Strict):
    """``OBWriteDomesticStandingOrderConsent5.Data``."""

    Permission: Literal["Create"]
    ReadRefundAccount: Literal["No", "Yes"] | None = None
    Initiation: OBStandingOrderInitiation
    Authorisation: OBAuthorisation | None = None


class StandingOrderConsentRequest(_Strict):
    """``OBWriteDomesticStandingOrderConsent5``: ``POST /domestic-standing-order-consents``."""

    Data: StandingOrderConsentData
    Risk: OBRisk


class StandingOrderData(_Strict):
    """``OBWriteDomesticStandingOrder3.Data``."""

    ConsentId: str = Field(min_length=1, max_length=128)
    Initiation: OBStandingOrderInitiation


class StandingOrderRequest(_Strict):
    """``OBWriteDomesticStandingOrder3``: the body of ``POST /domestic-standing-orders``."""

    Data: StandingOrderData
    Risk: OBRisk


M = TypeVar("M", bound=BaseModel)


def parse_body(raw: bytes, model: type[M]) -> M:
    """Parse ``raw`` JSON into ``model`` or raise 400 with one OB error item per problem."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request("The request body is not valid JSON") from exc
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        items = []
        for err in exc.errors()[:20]:
            path = ".".join(str(p) for p in err["loc"])
            items.append(ErrorItem(error_code(err), str(err["msg"]), path or None))
        raise WenduError(400, items) from exc


def dump(model: BaseModel) -> dict[str, Any]:
    """Return the wire form of ``model`` without absent optional fields."""
    return model.model_dump(mode="json", exclude_none=True)
