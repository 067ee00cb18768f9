"""Complaint taxonomy of a Chinese retail bank with open banking: product × issue, zh/en.

Category codes are ``product.issue`` (e.g. ``credit_card.unauthorised_transaction``) and
are stable: tickets, reports and the classifier's training data refer to them, so codes
are only ever added, never renamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Label:
    """A code with its Chinese and English labels."""

    code: str
    zh: str
    en: str

    def label(self, lang: str = "en") -> str:
        """Return the label in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class Category:
    """One product × issue cell."""

    product: Label
    issue: Label

    @property
    def code(self) -> str:
        """Return the stable code ``product.issue``."""
        return f"{self.product.code}.{self.issue.code}"

    @property
    def zh(self) -> str:
        """Return the Chinese label, e.g. ``信用卡 · 盗刷/未授权交易``."""
        return f"{self.product.zh} · {self.issue.zh}"

    @property
    def en(self) -> str:
        """Return the English label."""
        return f"{self.product.en} · {self.issue.en}"

    def label(self, lang: str = "en") -> str:
        """Return the label in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


PRODUCTS: tuple[Label, ...] = (
    Label("debit_card", "借记卡", "Debit card"),
    Label("credit_card", "信用卡", "Credit card"),
    Label("deposit", "存款与储蓄", "Deposits and savings"),
    Label("wealth", "理财与基金", "Wealth and investment products"),
    Label("loan", "贷款与房贷", "Loans and mortgages"),
    Label("payment", "支付与转账", "Payments and transfers"),
    Label("digital_banking", "手机银行与网银", "Mobile and online banking"),
    Label("open_banking", "开放银行合作方应用", "Open-banking partner apps"),
    Label("branch", "网点与柜面服务", "Branches and counter service"),
)

ISSUES: tuple[Label, ...] = (
    Label("unauthorised_transaction", "盗刷/未授权交易", "Unauthorised transaction or fraud"),
    Label("card_lost_stolen", "卡片挂失/遗失被盗", "Card lost or stolen"),
    Label("fees_charges", "收费与费用", "Fees and charges"),
    Label("interest_rates", "利息、利率与收益", "Interest, rates and returns"),
    Label("billing_dispute", "账单差错与退款争议", "Billing error or refund dispute"),
    Label("transfer_failure", "转账延迟或失败", "Transfer delay or failure"),
    Label("account_access", "账户冻结/无法登录", "Account access, frozen or locked"),
    Label("app_fault", "系统或App故障", "App or system fault"),
    Label("data_privacy", "个人信息与授权", "Data privacy and consent"),
    Label("mis_selling", "误导销售/适当性", "Mis-selling or unsuitable advice"),
    Label("debt_collection", "催收", "Debt collection"),
    Label("service_attitude", "服务态度与服务质量", "Staff attitude and service quality"),
)

# The cells a complaint can fall into; other pairs make no sense for this bank (no interest
# rate on an open-banking app, no debt collection on deposits).
_CELLS: dict[str, tuple[str, ...]] = {
    "debit_card": (
        "unauthorised_transaction",
        "card_lost_stolen",
        "fees_charges",
        "billing_dispute",
        "account_access",
        "service_attitude",
    ),
    "credit_card": (
        "unauthorised_transaction",
        "card_lost_stolen",
        "fees_charges",
        "interest_rates",
        "billing_dispute",
        "account_access",
        "mis_selling",
        "debt_collection",
        "service_attitude",
    ),
    "deposit": (
        "interest_rates",
        "fees_charges",
        "account_access",
        "mis_selling",
        "service_attitude",
    ),
    "wealth": ("mis_selling", "fees_charges", "interest_rates", "service_attitude"),
    "loan": (
        "interest_rates",
        "fees_charges",
        "billing_dispute",
        "mis_selling",
        "debt_collection",
        "data_privacy",
        "service_attitude",
    ),
    "payment": (
        "transfer_failure",
        "unauthorised_transaction",
        "fees_charges",
        "billing_dispute",
        "account_access",
    ),
    "digital_banking": (
        "app_fault",
        "account_access",
        "transfer_failure",
        "unauthorised_transaction",
        "data_privacy",
    ),
    "open_banking": (
        "data_privacy",
        "unauthorised_transaction",
        "app_fault",
        "billing_dispute",
        "account_access",
    ),
    "branch": ("service_attitude", "mis_selling", "fees_charges"),
}


class Taxonomy:
    """Products, issues and the valid product × issue categories."""

    def __init__(self) -> None:
        self.products = {p.code: p for p in PRODUCTS}
        self.issues = {i.code: i for i in ISSUES}
        self.categories = {
            c.code: c
            for c in (
                Category(self.products[p], self.issues[i])
                for p, issues in _CELLS.items()
                for i in issues
            )
        }

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def __len__(self) -> int:
        return len(self.categories)

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def get(self, code: str) -> Category:
        """Return the category with ``code``; raise KeyError for an unknown code."""
        return self.categories[code]

    def category(self, product: str, issue: str) -> Category | None:
        """Return the cell for a product and an issue, or None when the pair is not valid."""
        return self.categories.get(f"{product}.{issue}")

    def issues_of(self, product: str) -> tuple[str, ...]:
        """Return the issue codes valid for a product."""
        return _CELLS[product]


@cache
def taxonomy() -> Taxonomy:
    """Return the bank's complaint taxonomy."""
    return Taxonomy()
