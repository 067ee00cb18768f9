"""Knowledge base: retrieval in both languages, quotes and links, staff edits live at once."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from wendu.assistant.knowledge import answer, search
from wendu.assistant.knowledge.service import (
    create_article,
    load_shipped,
    shipped_articles,
    update_article,
)
from wendu.db import Database
from wendu.errors import WenduError


@pytest.fixture(scope="module", autouse=True)
def articles(db: Database) -> None:
    with db.session() as session:
        load_shipped(session)


@pytest.mark.parametrize(
    ("question", "language", "slug"),
    [
        ("我的卡丢了怎么办", "zh", "lost-or-stolen-card"),
        ("I think my card was stolen", "en", "lost-or-stolen-card"),
        ("转账对方一直没收到", "zh", "transfer-not-received"),
        ("my transfer has not arrived", "en", "transfer-not-received"),
        ("怎么取消第三方应用的授权", "zh", "revoke-connected-app"),
        ("how do I revoke a connected app", "en", "revoke-connected-app"),
        ("理财产品风险等级R4我能买吗", "zh", "wealth-risk-levels"),
        ("what fees do you charge for using my card abroad", "en", "overseas-card-use"),
        ("汇率多久更新一次", "zh", "exchange-rates"),
        ("what documents do I need to verify my identity", "en", "identity-verification"),
    ],
)
def test_questions_find_the_right_article(
    db: Database, question: str, language: str, slug: str
) -> None:
    with db.session(write=False) as session:
        best = answer(session, question, language)
    assert best is not None, question
    assert best.slug == slug
    assert best.url == f"/help/articles/{slug}?lang={language}"
    assert best.language == language
    assert best.quote and len(best.quote) < 400


def test_quote_comes_from_the_article_in_the_question_language(db: Database) -> None:
    with db.session(write=False) as session:
        zh = answer(session, "银行卡被盗了要冻结", "zh")
        en = answer(session, "how do I freeze a stolen card", "en")
    assert zh is not None and en is not None
    assert "冻结" in zh.quote
    assert "freeze" in en.quote.lower()


def test_unrelated_questions_get_no_answer(db: Database) -> None:
    with db.session(write=False) as session:
        assert answer(session, "what is the weather on Mars tomorrow", "en") is None
        assert answer(session, "推荐一部好看的电影", "zh") is None


def test_staff_edits_take_effect_without_restart(db: Database) -> None:
    slug = f"test-{secrets.token_hex(3)}"
    with db.session() as session:
        create_article(
            session,
            {
                "slug": slug,
                "category": "service",
                "title_zh": "周末网点营业安排",
                "title_en": "Weekend branch opening",
                "body_zh": "部分网点周六营业。",
                "body_en": "Some branches open on Saturdays for quokkaform appointments.",
                "tags": ["branch"],
            },
            staff="stf_test",
        )
    with db.session(write=False) as session:
        assert search(session, "quokkaform", "en")[0].slug == slug
    with db.session() as session:
        update_article(
            session, slug, {"body_en": "Branches open on Sundays for wombatique visits."}, staff="x"
        )
    with db.session(write=False) as session:
        assert search(session, "quokkaform", "en") == []
        assert search(session, "wombatique", "en")[0].slug == slug
    with db.session() as session:
        update_article(session, slug, {"status": "draft"}, staff="x")
    with db.session(write=False) as session:
        assert search(session, "wombatique", "en") == []


def test_bad_edits_are_refused(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(WenduError) as bad_slug:
            create_article(session, {"slug": "Bad Slug!"}, staff="x")
        assert bad_slug.value.items[0].path == "slug"
        with pytest.raises(WenduError):
            update_article(session, "lost-or-stolen-card", {"version": 9}, staff="x")
        with pytest.raises(WenduError):
            update_article(session, "lost-or-stolen-card", {"title_en": "  "}, staff="x")


def test_shipped_articles_are_bilingual_and_unique() -> None:
    articles = shipped_articles()
    slugs = [a["slug"] for a in articles]
    assert len(slugs) == len(set(slugs)) >= 20
    for a in articles:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in a["body_zh"]), a["slug"]
        assert a["body_en"].isascii(), a["slug"]


def test_api_search_article_and_help_page(client: TestClient) -> None:
    found = client.get("/api/v1/knowledge/search", params={"q": "卡丢了", "lang": "zh"})
    assert found.status_code == 200
    assert found.json()["results"][0]["slug"] == "lost-or-stolen-card"
    article = client.get("/api/v1/knowledge/articles/lost-or-stolen-card")
    assert article.json()["title_en"] == "What to do if your card is lost or stolen"
    page = client.get("/help/articles/lost-or-stolen-card", params={"lang": "en"})
    assert page.status_code == 200
    assert "Freeze" in page.text
    unknown = client.get("/api/v1/knowledge/articles/no-such-article")
    assert unknown.status_code == 400
    assert unknown.json()["Errors"][0]["ErrorCode"] == "U004"
    assert client.get("/api/v1/knowledge/search", params={"q": ""}).status_code == 400
