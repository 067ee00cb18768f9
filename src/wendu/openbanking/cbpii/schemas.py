"""Pydantic wire models of Confirmation of Funds requests (``OBFundsConfirmationConsent1``,
``OBFundsConfirmation1``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from wendu.kit.instants import WireDateTime
from wendu.openbanking.pisp.schemas import OBAmount, OBDebtorAccount


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentData(_Strict):
    """``OBFundsConfirmationConsent1.Data``."""

    ExpirationDateTime: WireDateTime | None = None
    DebtorAccount: OBDebtorAccount


class ConsentRequest(_Strict):
    """The body of ``POST /funds-confirmation-consents``."""

    Data: ConsentData


class ConfirmationData(_Strict):
    """``OBFundsConfirmation1.Data``."""

    ConsentId: str = Field(min_length=1, max_length=128)
    Reference: str = Field(min_length=1, max_length=35)
    InstructedAmount: OBAmount


class ConfirmationRequest(_Strict):
    """The body of ``POST /funds-confirmations``."""

    Data: ConfirmationData
