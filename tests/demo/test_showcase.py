"""The ready-made partner, staff user and customer that ``wendu demo`` prints."""

from __future__ import annotations

from collections.abc import Callable

from wendu.assistant.knowledge.search import search
from wendu.assistant.knowledge.service import shipped_articles, update_article
from wendu.db import Database
from wendu.demo.seed import seed_bank
from wendu.demo.showcase import ensure_demo_access, ensure_help_articles, tour
from wendu.identity.partners import authenticate_client
from wendu.identity.staff import authenticate


def test_demo_access_works_and_rotates_the_secret(fresh_db: Callable[[], Database]) -> None:
    database = fresh_db()
    report = seed_bank(database, customers=4, seed=2, months=2)
    base = "http://127.0.0.1:8000"

    first = ensure_demo_access(database, base)
    second = ensure_demo_access(database, base)

    assert first.client_id == second.client_id  # one demo partner, not one per start
    assert first.client_secret != second.client_secret
    assert second.customer_id == report.demo_customer_id
    assert second.customer_username == report.demo_username
    with database.session() as s:
        partner = authenticate_client(s, second.client_id, second.client_secret)
        assert partner is not None and partner.signing_kid is None
        assert f"{base}/docs/oauth2-redirect" in partner.redirect_uris
        assert authenticate_client(s, first.client_id, first.client_secret) is None
        staff = authenticate(s, second.staff_username, second.password)
        assert staff is not None and staff.role == "admin"

    text = tour(second, base)
    for expected in (
        f"{base}/docs",
        f"{base}/console",
        f"{base}/customer/login",
        second.client_id,
        second.client_secret,
        "wendu-demo",
        f"wendu sandbox consent --client-id {second.client_id} --customer {second.customer_id}",
        f"curl -s {base}/open-banking/v4.0/aisp/accounts",
    ):
        assert expected in text


def test_demo_loads_the_help_articles_once_and_keeps_staff_edits(
    fresh_db: Callable[[], Database],
) -> None:
    database = fresh_db()
    assert ensure_help_articles(database) == len(shipped_articles())
    with database.session() as s:
        assert [h.slug for h in search(s, "我的卡丢了怎么办", "zh")][:1] == ["lost-or-stolen-card"]
        update_article(s, "lost-or-stolen-card", {"title_en": "Lost card? Freeze it"}, staff="ops")
    assert ensure_help_articles(database) == 0  # a restart adds nothing and keeps the edit
    with database.session(write=False) as s:
        assert [h.slug for h in search(s, "lost card", "en")][:1] == ["lost-or-stolen-card"]
        assert search(s, "lost card", "en")[0].title == "Lost card? Freeze it"
