"""Render core-bank records in the UK OB v4 AIS wire shapes, filtered by the consent.

Basic permissions leave out the identifying details the spec reserves for Detail
(account numbers, servicer, counterparties, transaction narrative, merchant); card numbers
are masked unless the consent grants ``ReadPAN``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from wendu.kit.money import minor_units, to_amount
from wendu.ledger.port import (
    AccountRecord,
    BeneficiaryRecord,
    CardRecord,
    PartyRecord,
    ProductRecord,
    StandingOrderRecord,
    TransactionRecord,
)

PAN_SCHEME = "UK.OBIE.PAN"
SERVICER = {"SchemeName": "UK.OBIE.BICFI", "Identification": "WENDCNSHXXX"}
ACCOUNT_TYPE = {"current": "CACC", "savings": "SVGS", "credit_card": "CARD", "loan": "LOAN"}
ACCOUNT_STATUS = {
    "enabled": "Enabled",
    "active": "Enabled",
    "disabled": "Disabled",
    "frozen": "Disabled",
    "dormant": "Disabled",
    "deleted": "Deleted",
    "closed": "Deleted",
    "pending": "Pending",
    "proforma": "ProForma",
}
CARD_SCHEMES = {
    "visa": "VISA",
    "mastercard": "MasterCard",
    "amex": "AmericanExpress",
    "americanexpress": "AmericanExpress",
    "diners": "Diners",
    "discover": "Discover",
}
TRANSACTION_STATUS = {"booked": "BOOK", "pending": "PDNG", "rejected": "RJCT", "future": "FUTR"}
STANDING_ORDER_STATUS = {
    "active": "ACTV",
    "cancelled": "CANC",
    "canceled": "CANC",
    "expired": "EXPI",
    "suspended": "SUSP",
}
FREQUENCY_CODES = frozenset(
    {
        "ADHO",
        "YEAR",
        "DAIL",
        "FRTN",
        "INDA",
        "MNTH",
        "QURT",
        "MIAN",
        "WEEK",
        "WODL",
        "FOWK",
        "TWMH",
        "FOMH",
        "FIMH",
        "ALMH",
        "NONE",
    }
)
FREQUENCY_PATTERN = re.compile(
    r"^(NotKnown)$|^(EvryDay)$|^(EvryWorkgDay)$|^(IntrvlDay:((0[2-9])|([1-2][0-9])|3[0-1]))$"
    r"|^(IntrvlWkDay:0[1-9]:0[1-7])$|^(WkInMnthDay:0[1-5]:0[1-7])$"
    r"|^(IntrvlMnthDay:(0[1-6]|12|24):(-0[1-5]|0[1-9]|[12][0-9]|3[01]))$"
    r"|^(QtrDay:(ENGLISH|SCOTTISH|RECEIVED))$"
)
PHONE_COUNTRY_CODES = ("852", "853", "886", "86", "44", "49", "33", "65", "81", "1")


def iso(value: datetime) -> str:
    """Render an aware datetime in ISO 8601 with its UTC offset."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()


def resource(data: dict[str, Any], self_url: str, **extra: Any) -> dict[str, Any]:
    """Wrap one resource's ``data`` in the OB ``{Data, …extra, Links, Meta}`` envelope."""
    return {"Data": data, **extra, "Links": {"Self": self_url}, "Meta": {}}


def iso_date(value: date) -> str:
    """Render a calendar date as the start of that day in UTC."""
    return f"{value.isoformat()}T00:00:00+00:00"


def mask_pan(pan: str) -> str:
    """Return ``pan`` with every digit but the last four masked."""
    return "*" * max(len(pan) - 4, 0) + pan[-4:]


def amount(minor: int, currency: str) -> dict[str, str]:
    """Return an OB ``Amount`` object (unsigned decimal string and currency)."""
    if minor_units(currency) == 2:
        # Integer arithmetic gives the same string as to_amount at a fraction of the cost.
        whole, cents = divmod(abs(minor), 100)
        return {"Amount": f"{whole}.{cents:02d}", "Currency": currency}
    return {"Amount": to_amount(minor, currency), "Currency": currency}


def _identification(scheme: str, identification: str, read_pan: bool) -> str:
    if scheme == PAN_SCHEME and not read_pan:
        return mask_pan(identification)
    return identification


def _clip(text: str | None, limit: int) -> str | None:
    text = (text or "").strip()
    return text[:limit] if text else None


def account(
    record: AccountRecord, cards: list[CardRecord], *, detail: bool, read_pan: bool
) -> dict[str, Any]:
    """Render an ``OBAccount6``."""
    body: dict[str, Any] = {
        "AccountId": record.id,
        "Status": ACCOUNT_STATUS.get(record.status.lower(), "Enabled"),
        "Currency": record.currency,
        "AccountCategory": "Personal",
        "AccountTypeCode": ACCOUNT_TYPE.get(record.kind, "OTHR"),
        "OpeningDate": iso_date(record.opened_on),
    }
    if record.nickname:
        body["Nickname"] = record.nickname[:70]
    if detail:
        identifiers = [
            {
                "SchemeName": record.scheme_name,
                "Identification": _identification(
                    record.scheme_name, record.identification, read_pan
                ),
            }
        ]
        if record.kind == "credit_card":
            identifiers += [
                {
                    "SchemeName": PAN_SCHEME,
                    "Identification": card.pan if read_pan else mask_pan(card.pan),
                }
                for card in cards
                if card.account_id == record.id and card.status == "active"
            ]
        body["Account"] = identifiers
        body["Servicer"] = dict(SERVICER)
    return body


def balances(record: AccountRecord, now: datetime) -> list[dict[str, Any]]:
    """Render the interim booked and interim available ``Balance`` entries of an account."""
    booked = record.balance_minor
    available = booked + record.overdraft_limit_minor
    result: list[dict[str, Any]] = []
    for code, value in (("ITBD", booked), ("ITAV", available)):
        entry: dict[str, Any] = {
            "AccountId": record.id,
            "CreditDebitIndicator": "Credit" if value >= 0 else "Debit",
            "Type": code,
            "DateTime": iso(now),
            "Amount": amount(abs(value), record.currency),
        }
        if code == "ITAV" and record.overdraft_limit_minor > 0:
            entry["CreditLine"] = [
                {
                    "Included": True,
                    "Type": "Credit" if record.kind == "credit_card" else "Pre-Agreed",
                    "Amount": amount(record.overdraft_limit_minor, record.currency),
                }
            ]
        result.append(entry)
    return result


def transaction(
    record: TransactionRecord, card: CardRecord | None, *, detail: bool, read_pan: bool
) -> dict[str, Any]:
    """Render an ``OBTransaction6``."""
    status = TRANSACTION_STATUS.get(record.status.lower(), "BOOK")
    booked = iso(record.booked_at)
    body: dict[str, Any] = {
        "AccountId": record.account_id,
        "TransactionId": str(record.id),
        "CreditDebitIndicator": "Credit" if record.amount_minor >= 0 else "Debit",
        "Status": status,
        "TransactionMutability": "Immutable" if status == "BOOK" else "Mutable",
        "BookingDateTime": booked,
        "Amount": amount(abs(record.amount_minor), record.currency),
        "ProprietaryBankTransactionCode": {"Code": record.kind[:35], "Issuer": "wendu"},
    }
    if record.reference:
        body["TransactionReference"] = record.reference
    if record.value_at is not None:
        body["ValueDateTime"] = (
            booked if record.value_at == record.booked_at else iso(record.value_at)
        )
    if card is not None:
        scheme = CARD_SCHEMES.get(card.brand.replace(" ", "").lower())
        if scheme is not None:
            body["CardInstrument"] = {
                "CardSchemeName": scheme,
                "Identification": card.pan if read_pan else mask_pan(card.pan),
            }
    if detail:
        information = _clip(record.description, 500)
        if information:
            body["TransactionInformation"] = information
        if record.merchant_name:
            merchant: dict[str, str] = {"MerchantName": record.merchant_name[:350]}
            if record.merchant_mcc and 3 <= len(record.merchant_mcc) <= 4:
                merchant["MerchantCategoryCode"] = record.merchant_mcc
            body["MerchantDetails"] = merchant
    return body


def beneficiary(record: BeneficiaryRecord, *, detail: bool, read_pan: bool) -> dict[str, Any]:
    """Render an ``OBBeneficiary5``."""
    body: dict[str, Any] = {
        "AccountId": record.account_id,
        "BeneficiaryId": record.id,
        "BeneficiaryType": "Trusted" if record.trusted else "Ordinary",
    }
    if record.reference:
        body["Reference"] = record.reference[:35]
    if detail:
        body["CreditorAccount"] = {
            "SchemeName": record.scheme_name,
            "Identification": _identification(record.scheme_name, record.identification, read_pan),
            "Name": record.name[:350],
        }
    return body


def _frequency(value: str) -> str:
    if value in FREQUENCY_CODES or FREQUENCY_PATTERN.match(value):
        return value
    return "NotKnown"


def standing_order(record: StandingOrderRecord, *, detail: bool, read_pan: bool) -> dict[str, Any]:
    """Render an ``OBStandingOrder6``."""
    mandate: dict[str, Any] = {
        "Frequency": {"Type": _frequency(record.frequency)},
        "FirstPaymentDateTime": iso(record.first_payment_at),
    }
    if record.final_payment_at is not None:
        mandate["FinalPaymentDateTime"] = iso(record.final_payment_at)
    first = record.first_amount_minor or record.amount_minor
    final = record.final_amount_minor or record.amount_minor
    body: dict[str, Any] = {
        "AccountId": record.account_id,
        "StandingOrderId": record.id,
        "StandingOrderStatusCode": STANDING_ORDER_STATUS.get(record.status.lower(), "ACTV"),
        "FirstPaymentAmount": amount(first, record.currency),
        "MandateRelatedInformation": mandate,
    }
    if record.next_payment_at is not None:
        upcoming = record.amount_minor
        if record.next_payment_at == record.first_payment_at:
            upcoming = first
        elif record.next_payment_at == record.final_payment_at:
            upcoming = final
        body["NextPaymentDateTime"] = iso(record.next_payment_at)
        body["NextPaymentAmount"] = amount(upcoming, record.currency)
    if record.final_payment_at is not None:
        body["FinalPaymentAmount"] = amount(final, record.currency)
    if record.reference:
        body["RemittanceInformation"] = {"Unstructured": [record.reference[:140]]}
    if detail:
        body["CreditorAccount"] = {
            "SchemeName": record.creditor_scheme,
            "Identification": _identification(
                record.creditor_scheme, record.creditor_identification, read_pan
            ),
            "Name": record.creditor_name[:350],
        }
    return body


def product(account_id: str, record: ProductRecord) -> dict[str, Any]:
    """Render an ``OBReadProduct2`` product entry for the account it backs."""
    name = f"{record.name} / {record.name_zh}"[:350]
    body: dict[str, Any] = {
        "ProductName": name,
        "ProductId": record.id,
        "AccountId": account_id,
    }
    if record.kind == "current":
        body["ProductType"] = "PersonalCurrentAccount"
    else:
        body["ProductType"] = "Other"
        body["OtherProductType"] = {
            "Name": name,
            "Description": (record.description or record.name)[:350],
        }
    return body


def _phone(value: str | None) -> str | None:
    digits = (value or "").replace(" ", "").replace("-", "")
    if not digits.startswith("+") or not digits[1:].isdigit():
        return None
    for code in PHONE_COUNTRY_CODES:
        if digits[1:].startswith(code) and len(digits) > len(code) + 2:
            return f"+{code}-{digits[1 + len(code) :]}"
    return None


def party(record: PartyRecord, *, account_id: str | None, base_url: str) -> dict[str, Any]:
    """Render an ``OBParty2`` for the customer, related to ``account_id`` when given."""
    body: dict[str, Any] = {
        "PartyId": record.id,
        "PartyType": "Sole",
        "Name": record.full_name[:350],
        "FullLegalName": record.full_name[:350],
        "LegalStructure": "UK.OBIE.Individual",
        "AccountRole": "UK.OBIE.Principal",
    }
    if record.email:
        body["EmailAddress"] = record.email[:256]
    mobile = _phone(record.phone)
    if mobile:
        body["Mobile"] = mobile
    address: dict[str, Any] = {"Country": record.country}
    if record.city:
        address["TownName"] = record.city[:140]
    body["Address"] = [address]
    if account_id is not None:
        body["Relationships"] = {
            "Account": {"Related": f"{base_url}/accounts/{account_id}", "Id": account_id}
        }
    return body


def catalogue_product(record: ProductRecord) -> dict[str, Any]:
    """Render a product of the public catalogue, in both languages."""
    return {
        "id": record.id,
        "kind": record.kind,
        "name": {"en": record.name, "zh": record.name_zh},
        "description": {"en": record.description, "zh": record.description_zh},
        "risk_level": record.risk_level,
        "currency": record.currency,
        "interest_rate_percent": (
            f"{record.interest_rate_bps / 100:.2f}"
            if record.interest_rate_bps is not None
            else None
        ),
        "term_months": record.term_months,
        "min_amount": (
            to_amount(record.min_amount_minor, record.currency)
            if record.min_amount_minor is not None
            else None
        ),
    }
