"""Complaint taxonomy: stable unique codes, bilingual labels, valid cells only."""

from __future__ import annotations

import re

import pytest

from wendu.helpdesk.taxonomy import ISSUES, PRODUCTS, taxonomy


def test_codes_are_unique_and_well_formed() -> None:
    tax = taxonomy()
    codes = [c.code for c in tax]
    assert len(codes) == len(set(codes)) == len(tax)
    assert len({p.code for p in PRODUCTS}) == len(PRODUCTS)
    assert len({i.code for i in ISSUES}) == len(ISSUES)
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", code) for code in codes)
    assert "credit_card.unauthorised_transaction" in tax


def test_labels_are_bilingual() -> None:
    for label in (*PRODUCTS, *ISSUES):
        assert re.search(r"[\u4e00-\u9fff]", label.zh), label
        assert re.fullmatch(r"[A-Za-z ,\-]+", label.en), label
        assert label.label("zh-CN") == label.zh and label.label("en") == label.en
    assert len({label.zh for label in PRODUCTS}) == len(PRODUCTS)
    cat = taxonomy().get("credit_card.unauthorised_transaction")
    assert cat.zh == "信用卡 · 盗刷/未授权交易"
    assert cat.en == "Credit card · Unauthorised transaction or fraud"


def test_every_product_and_issue_is_used_and_nonsense_pairs_are_not_cells() -> None:
    tax = taxonomy()
    assert {c.product.code for c in tax} == {p.code for p in PRODUCTS}
    assert {c.issue.code for c in tax} == {i.code for i in ISSUES}
    assert tax.category("deposit", "debt_collection") is None
    assert tax.category("loan", "debt_collection") is not None
    assert set(tax.issues_of("open_banking")) >= {"data_privacy", "unauthorised_transaction"}
    with pytest.raises(KeyError):
        tax.get("credit_card.weather")
