"""Freezing and unfreezing cards (the lost/stolen card flow)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from factories import make_account, make_card, make_customer
from wendu.errors import WenduError
from wendu.kit.ids import new_id
from wendu.ledger.cards import freeze_card, unfreeze_card


def test_freeze_then_unfreeze_round_trip(session: Session) -> None:
    customer = make_customer(session)
    card = make_card(session, make_account(session, customer))

    frozen = freeze_card(session, card.id, "  Lost   on the metro ", customer_id=customer.id)
    assert (frozen.status, frozen.status_reason) == ("frozen", "Lost on the metro")
    first_change = frozen.updated_at

    again = freeze_card(session, card.id, "Reported twice")
    assert again.status_reason == "Lost on the metro"  # idempotent: the first reason stays
    assert again.updated_at == first_change

    active = unfreeze_card(session, card.id, "Found it", customer_id=customer.id)
    assert (active.status, active.status_reason) == ("active", "Found it")
    assert unfreeze_card(session, card.id).status == "active"


def test_another_customers_or_unknown_card_is_unknown(session: Session) -> None:
    owner, stranger = make_customer(session), make_customer(session)
    card = make_card(session, make_account(session, owner))
    for card_id, customer_id in ((card.id, stranger.id), (new_id("card"), None)):
        with pytest.raises(WenduError) as refused:
            freeze_card(session, card_id, "Stolen", customer_id=customer_id)
        assert refused.value.items[0].code == "U004"
    assert card.status == "active"


def test_cancelled_card_stays_cancelled_and_reason_is_required(session: Session) -> None:
    card = make_card(session, make_account(session, make_customer(session)))
    with pytest.raises(WenduError) as missing:
        freeze_card(session, card.id, "   ")
    assert missing.value.items[0].code == "U001"
    with pytest.raises(WenduError):
        freeze_card(session, card.id, "x" * 141)
    card.status = "cancelled"
    session.flush()
    for change in (freeze_card, unfreeze_card):
        with pytest.raises(WenduError) as refused:
            change(session, card.id, "Try")
        assert refused.value.status == 409
    assert card.status == "cancelled"
