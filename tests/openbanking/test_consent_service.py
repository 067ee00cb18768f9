"""The account-access consent service: permission rules, dates, expiry and revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from factories import make_account, make_customer
from wendu.db import Database, utcnow
from wendu.errors import WenduError
from wendu.identity.models import Consent, OAuthToken, Partner
from wendu.openbanking.consents import (
    create_account_access_consent,
    delete_account_access_consent,
    get_account_access_consent,
)


@pytest.mark.parametrize(
    ("permissions", "path"),
    [
        ([], "Data.Permissions"),
        (["ReadAccountsBasic", "ReadEverything"], "Data.Permissions"),
        (["ReadTransactionsBasic"], "Data.Permissions"),
        (["ReadTransactionsDetail"], "Data.Permissions"),
        (["ReadTransactionsCredits"], "Data.Permissions"),
        (["ReadTransactionsDebits", "ReadAccountsBasic"], "Data.Permissions"),
        (["ReadPAN"], "Data.Permissions"),
    ],
)
def test_invalid_permission_sets_are_refused(
    session: Session,
    new_partner: Callable[..., Partner],
    permissions: list[str],
    path: str,
) -> None:
    partner = new_partner()
    with pytest.raises(WenduError) as caught:
        create_account_access_consent(session, partner_id=partner.id, permissions=permissions)
    assert caught.value.status == 400
    assert caught.value.items[0].path == path


@pytest.mark.parametrize(
    "permissions",
    [
        ["ReadAccountsBasic"],
        ["ReadTransactionsBasic", "ReadTransactionsCredits"],
        ["ReadTransactionsDetail", "ReadTransactionsDebits", "ReadTransactionsCredits"],
        ["ReadAccountsDetail", "ReadAccountsBasic", "ReadPAN"],
    ],
)
def test_valid_permission_sets_are_stored_awaiting_authorisation(
    session: Session, new_partner: Callable[..., Partner], permissions: list[str]
) -> None:
    partner = new_partner()
    consent = create_account_access_consent(
        session, partner_id=partner.id, permissions=permissions + permissions[:1]
    )
    assert consent.id.startswith("aac-")
    assert consent.status == "AWAU"
    assert consent.permissions == permissions  # duplicates dropped, order kept


def test_dates_are_checked(session: Session, new_partner: Callable[..., Partner]) -> None:
    partner = new_partner()
    now = utcnow()
    perms = ["ReadAccountsBasic"]
    for kwargs in (
        {"expiration": now - timedelta(seconds=1)},
        {"transaction_from": now, "transaction_to": now - timedelta(days=1)},
        {"expiration": datetime(2099, 1, 1)},  # naive: no timezone
    ):
        with pytest.raises(WenduError) as caught:
            create_account_access_consent(
                session,
                partner_id=partner.id,
                permissions=perms,
                **kwargs,  # type: ignore[arg-type]
            )
        assert caught.value.items[0].code == "U003"
    ok = create_account_access_consent(
        session,
        partner_id=partner.id,
        permissions=perms,
        expiration=now + timedelta(days=90),
        transaction_from=now - timedelta(days=30),
        transaction_to=now - timedelta(days=30),
    )
    assert ok.transaction_from == ok.transaction_to


def test_expired_consent_reads_as_expd(db: Database, new_partner: Callable[..., Partner]) -> None:
    partner = new_partner()
    with db.session() as s:
        consent = create_account_access_consent(
            s, partner_id=partner.id, permissions=["ReadBalances"]
        )
        consent.expires_at = utcnow() - timedelta(seconds=1)
        consent_id = consent.id
    with db.session() as s:
        read = get_account_access_consent(s, partner_id=partner.id, consent_id=consent_id)
        assert read.status == "EXPD"
    with db.session(write=False) as s:
        row = s.get(Consent, consent_id)
        assert row is not None and row.status == "EXPD"


def test_other_partner_sees_nothing_and_delete_revokes_tokens(
    db: Database, new_partner: Callable[..., Partner], grant: Callable[..., Any]
) -> None:
    owner, other = new_partner(), new_partner()
    with db.session() as s:
        consent = create_account_access_consent(
            s, partner_id=owner.id, permissions=["ReadAccountsBasic"]
        )
        consent_id = consent.id
    with db.session() as s, pytest.raises(WenduError) as caught:
        get_account_access_consent(s, partner_id=other.id, consent_id=consent_id)
    assert (caught.value.status, caught.value.items[0].code) == (400, "U004")
    with db.session() as s, pytest.raises(WenduError):
        delete_account_access_consent(s, partner_id=other.id, consent_id=consent_id)

    with db.session() as s:
        customer = make_customer(s)
        account_id = make_account(s, customer).id
    g = grant(owner, customer.id, [account_id], ["ReadAccountsBasic"])
    with db.session() as s:
        deleted = delete_account_access_consent(
            s,
            partner_id=owner.id,
            consent_id=g.consent_id,
        )
        assert deleted.status == "CANC"
    with db.session(write=False) as s:
        tokens = s.query(OAuthToken).filter_by(consent_id=g.consent_id).all()
        assert tokens and all(t.revoked_at is not None for t in tokens)
