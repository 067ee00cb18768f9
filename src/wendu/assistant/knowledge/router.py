"""Knowledge routes: public search and articles (JSON), and the customer help page (HTML)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from wendu.assistant.knowledge import service
from wendu.assistant.knowledge.schemas import Article, SearchResponse, SearchResult
from wendu.assistant.knowledge.search import search
from wendu.assistant.traditional import to_script
from wendu.deps import SessionDep
from wendu.errors import unknown_resource

router = APIRouter(tags=["Knowledge"])


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("wendu.assistant.knowledge", "templates"),
        autoescape=select_autoescape(["html"]),
    )


@router.get(
    "/api/v1/knowledge/search", response_model=SearchResponse, operation_id="searchKnowledge"
)
def search_articles(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> SearchResponse:
    """Search the published help articles."""
    hits = search(session, q, lang, limit=limit)
    return SearchResponse(
        query=q, language=lang, results=[SearchResult(**h.__dict__) for h in hits]
    )


@router.get(
    "/api/v1/knowledge/articles/{slug}", response_model=Article, operation_id="getKnowledgeArticle"
)
def get_article(session: SessionDep, slug: str) -> Article:
    """Return one published article in both languages."""
    article = service.get_article(session, slug)
    if article.status != "published":
        raise unknown_resource("article")
    return Article.model_validate(article)


@router.get("/help/articles/{slug}", response_class=HTMLResponse, include_in_schema=False)
def help_page(
    request: Request,
    session: SessionDep,
    slug: str,
    lang: Annotated[str, Query(pattern="^(zh|en|zh-HK|zh-TW)$")] = "zh",
) -> HTMLResponse:
    """Show an article to customers (the link the assistant gives).

    ``zh-HK``/``zh-TW`` show the Chinese article in Hong Kong / Taiwan Traditional (the
    assistant links there for a Traditional writer).
    """
    article = service.get_article(session, slug)
    if article.status != "published":
        raise unknown_resource("article")
    script = {"zh-HK": "Hant-HK", "zh-TW": "Hant-TW"}.get(lang, "")
    base = "zh" if script else lang
    body = to_script(getattr(article, f"body_{base}"), script)
    html = (
        _templates()
        .get_template("article.html")
        .render(
            lang=base,
            html_lang={"zh": lang if script else "zh-CN", "en": "en"}[base],
            other="en" if base == "zh" else "zh",
            title=to_script(getattr(article, f"title_{base}"), script),
            paragraphs=[p for p in body.split("\n") if p.strip()],
            bank_name=request.app.state.settings.bank_name,
        )
    )
    return HTMLResponse(html)
