"""The rules of money movement, on the real migrated database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import add_transaction, make_account, make_customer
from wendu.db import Database
from wendu.errors import WenduError
from wendu.kit.ids import new_id
from wendu.ledger.models import Account, LedgerTransaction, Posting
from wendu.ledger.postings import InsufficientFunds, check_ledger, post, transfer


def _funded(session: Session, amount: int, *, currency: str = "CNY", limit: int = 0) -> Account:
    account = make_account(
        session, make_customer(session), currency=currency, overdraft_limit_minor=limit
    )
    if amount:
        add_transaction(session, account, amount, kind="deposit")
    return account


def _postings(session: Session, account: Account) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Posting).where(Posting.account_id == account.id)
        ).scalar_one()
    )


def _code(exc: pytest.ExceptionInfo[WenduError]) -> str:
    return exc.value.items[0].code


def test_transfer_books_two_balanced_postings_and_updates_both_balances(
    session: Session,
) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)

    txn = transfer(
        session,
        debit_account_id=payer.id,
        credit_account_id=payee.id,
        amount_minor=2_550,
        currency="CNY",
        description="Dinner",
        reference="INV-1",
    )

    legs = session.execute(
        select(Posting.account_id, Posting.amount_minor, Posting.currency).where(
            Posting.transaction_id == txn.id
        )
    ).all()
    assert sorted(legs) == sorted([(payer.id, -2_550, "CNY"), (payee.id, 2_550, "CNY")])
    assert txn.kind == "transfer" and txn.reference == "INV-1" and txn.status == "Booked"
    assert (payer.balance_minor, payee.balance_minor) == (7_450, 2_550)
    check = check_ledger(session, [payer.id, payee.id])
    assert check.accounts_not_matching_postings == []
    assert check.totals_by_currency == {"CNY": 10_000}


def test_debit_may_reach_but_not_pass_the_overdraft_limit(session: Session) -> None:
    payer, payee = _funded(session, 1_000, limit=500), _funded(session, 0)

    with pytest.raises(InsufficientFunds) as refused:
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payee.id,
            amount_minor=1_501,
            currency="CNY",
            description="Too much",
        )
    assert _code(refused) == "U012" and refused.value.status == 400
    assert (payer.balance_minor, payee.balance_minor) == (1_000, 0)
    assert _postings(session, payee) == 0

    transfer(
        session,
        debit_account_id=payer.id,
        credit_account_id=payee.id,
        amount_minor=1_500,
        currency="CNY",
        description="Exactly to the limit",
    )
    assert payer.balance_minor == -500
    with pytest.raises(InsufficientFunds):
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payee.id,
            amount_minor=1,
            currency="CNY",
            description="One cent past",
        )
    assert check_ledger(session, [payer.id, payee.id]).accounts_below_limit == []


def test_an_account_below_its_limit_can_still_be_credited(session: Session) -> None:
    payer = _funded(session, 0, limit=10**9)
    overdrawn = _funded(session, 0)
    # The bank lowered the limit after the customer went into overdraft.
    add_transaction(session, overdrawn, -5_000)

    transfer(
        session,
        debit_account_id=payer.id,
        credit_account_id=overdrawn.id,
        amount_minor=100,
        currency="CNY",
        description="Repayment",
    )
    assert overdrawn.balance_minor == -4_900


@pytest.mark.parametrize("amount", [0, -1, -10_000])
def test_zero_and_negative_amounts_are_refused(session: Session, amount: int) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)
    with pytest.raises(WenduError) as refused:
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payee.id,
            amount_minor=amount,
            currency="CNY",
            description="Bad amount",
        )
    assert _code(refused) == "U002"
    assert (payer.balance_minor, payee.balance_minor) == (10_000, 0)


@pytest.mark.parametrize("amount", [True, 1.5, "100"])
def test_amounts_that_are_not_integers_are_refused(session: Session, amount: object) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)
    with pytest.raises(WenduError):
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payee.id,
            amount_minor=amount,  # type: ignore[arg-type]
            currency="CNY",
            description="Bad amount",
        )
    assert _postings(session, payee) == 0


def test_currency_must_match_both_accounts(session: Session) -> None:
    cny, gbp = _funded(session, 10_000), _funded(session, 10_000, currency="GBP")
    for currency in ("CNY", "GBP", "USD"):
        with pytest.raises(WenduError) as refused:
            transfer(
                session,
                debit_account_id=cny.id,
                credit_account_id=gbp.id,
                amount_minor=100,
                currency=currency,
                description="Cross currency",
            )
        assert _code(refused) == "U002"
        assert refused.value.items[0].path == "currency"
    assert (cny.balance_minor, gbp.balance_minor) == (10_000, 10_000)


def test_unknown_same_and_disabled_accounts_are_refused(session: Session) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)
    with pytest.raises(WenduError) as unknown:
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=new_id("acc"),
            amount_minor=100,
            currency="CNY",
            description="Nowhere",
        )
    assert _code(unknown) == "U004"
    with pytest.raises(WenduError):
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payer.id,
            amount_minor=100,
            currency="CNY",
            description="Self",
        )
    payee.status = "Disabled"
    session.flush()
    for debit, credit in ((payer, payee), (payee, payer)):
        with pytest.raises(WenduError) as disabled:
            transfer(
                session,
                debit_account_id=debit.id,
                credit_account_id=credit.id,
                amount_minor=100,
                currency="CNY",
                description="Disabled",
            )
        assert _code(disabled) == "U002"
    assert (payer.balance_minor, payee.balance_minor) == (10_000, 0)
    assert _postings(session, payee) == 0


def test_same_external_ref_returns_the_first_transaction_and_moves_money_once(
    session: Session,
) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)
    ref = new_id("pay")
    kwargs = dict(
        debit_account_id=payer.id,
        credit_account_id=payee.id,
        amount_minor=1_000,
        currency="CNY",
        description="Once",
        external_ref=ref,
    )
    first = transfer(session, **kwargs)  # type: ignore[arg-type]
    second = transfer(session, **kwargs)  # type: ignore[arg-type]

    assert second.id == first.id
    assert (payer.balance_minor, payee.balance_minor) == (9_000, 1_000)
    assert (
        session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.external_ref == ref)
        ).scalar_one()
        == 1
    )
    # A replay is recognised even when the payer could no longer afford it.
    payer.overdraft_limit_minor = 0
    transfer(
        session,
        debit_account_id=payer.id,
        credit_account_id=_funded(session, 0).id,
        amount_minor=9_000,
        currency="CNY",
        description="Empty the account",
    )
    assert transfer(session, **kwargs).id == first.id  # type: ignore[arg-type]
    assert payer.balance_minor == 0


def test_same_external_ref_for_a_different_movement_is_refused(session: Session) -> None:
    payer, payee = _funded(session, 10_000), _funded(session, 0)
    ref = new_id("pay")
    transfer(
        session,
        debit_account_id=payer.id,
        credit_account_id=payee.id,
        amount_minor=1_000,
        currency="CNY",
        description="First",
        external_ref=ref,
    )
    with pytest.raises(WenduError) as reused:
        transfer(
            session,
            debit_account_id=payer.id,
            credit_account_id=payee.id,
            amount_minor=1_001,
            currency="CNY",
            description="Different amount",
            external_ref=ref,
        )
    assert _code(reused) == "U009"
    assert (payer.balance_minor, payee.balance_minor) == (9_000, 1_000)


def test_multi_leg_entry_must_balance_and_respects_every_limit(session: Session) -> None:
    payer = _funded(session, 10_000)
    merchant, fee = _funded(session, 0), _funded(session, 0)

    txn = post(
        session,
        legs=[(payer.id, -10_000), (merchant.id, 9_900), (fee.id, 100)],
        currency="CNY",
        description="Card purchase with a fee",
        kind="card_purchase",
    )
    assert (payer.balance_minor, merchant.balance_minor, fee.balance_minor) == (0, 9_900, 100)
    assert (
        session.execute(
            select(func.sum(Posting.amount_minor)).where(Posting.transaction_id == txn.id)
        ).scalar_one()
        == 0
    )
    with pytest.raises(WenduError):
        post(
            session,
            legs=[(merchant.id, -100), (fee.id, 99)],
            currency="CNY",
            description="Unbalanced",
        )
    with pytest.raises(WenduError):
        post(session, legs=[(merchant.id, 0), (fee.id, 0)], currency="CNY", description="Zero")
    with pytest.raises(WenduError):
        post(session, legs=[(merchant.id, 0)], currency="CNY", description="One leg")
    with pytest.raises(InsufficientFunds):
        post(
            session,
            legs=[(merchant.id, -5_000), (fee.id, -5_000), (payer.id, 10_000)],
            currency="CNY",
            description="Fee account cannot pay",
        )
    assert (payer.balance_minor, merchant.balance_minor, fee.balance_minor) == (0, 9_900, 100)


def test_refused_transfer_leaves_nothing_behind_for_a_caller_that_commits(db: Database) -> None:
    with db.session() as session:
        payer, payee = _funded(session, 500), _funded(session, 0)
        ids = (payer.id, payee.id)
    ref = new_id("pay")
    # pytest.raises catches the refusal inside the session, which then commits.
    with db.session() as session, pytest.raises(InsufficientFunds):
        transfer(
            session,
            debit_account_id=ids[0],
            credit_account_id=ids[1],
            amount_minor=501,
            currency="CNY",
            description="Refused",
            external_ref=ref,
        )
    with db.session(write=False) as session:
        assert (
            session.execute(
                select(LedgerTransaction).where(LedgerTransaction.external_ref == ref)
            ).first()
            is None
        )
        check = check_ledger(session, ids)
        assert check.totals_by_currency == {"CNY": 500}
        assert check.accounts_not_matching_postings == []
        # The same reference is still free for a transfer that can be paid.
        assert session.get(Account, ids[1]) is not None
    with db.session() as session:
        txn = transfer(
            session,
            debit_account_id=ids[0],
            credit_account_id=ids[1],
            amount_minor=500,
            currency="CNY",
            description="Affordable",
            external_ref=ref,
        )
        assert txn.external_ref == ref


def test_ledger_check_reports_a_balance_that_drifted_from_its_postings(
    session: Session,
) -> None:
    account = _funded(session, 1_000)
    assert check_ledger(session, [account.id]).accounts_not_matching_postings == []
    account.balance_minor += 1
    session.flush()
    assert check_ledger(session, [account.id]).accounts_not_matching_postings == [account.id]
    account.balance_minor -= 1
    session.flush()
