"""Knowledge articles: load the shipped set, and the staff edits (create, update, retire)."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.kit.ids import new_id

EDITABLE = ("category", "title_zh", "title_en", "body_zh", "body_en", "tags", "status")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")


def shipped_articles() -> list[dict[str, Any]]:
    """Return the articles written for the sandbox bank (``assistant/data/knowledge``)."""
    folder = resources.files("wendu.assistant").joinpath("data/knowledge")
    articles: list[dict[str, Any]] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yml"):
            articles.extend(yaml.safe_load(entry.read_text("utf-8")) or [])
    return articles


def load_shipped(session: Session) -> int:
    """Insert shipped articles that are missing; never overwrite a staff edit. Return count."""
    existing = set(session.execute(select(KnowledgeArticle.slug)).scalars())
    added = 0
    for data in shipped_articles():
        if data["slug"] in existing:
            continue
        create_article(session, data, staff="system")
        added += 1
    return added


def _validate(values: dict[str, Any]) -> None:
    for field in ("title_zh", "title_en", "body_zh", "body_en", "category"):
        if field in values and not str(values[field]).strip():
            raise bad_request(f"{field} must not be empty", path=field)
    if "status" in values and values["status"] not in ("published", "draft"):
        raise bad_request("status must be published or draft", path="status")
    if "tags" in values and not (
        isinstance(values["tags"], list) and all(isinstance(t, str) for t in values["tags"])
    ):
        raise bad_request("tags must be a list of strings", path="tags")


def create_article(session: Session, data: dict[str, Any], *, staff: str) -> KnowledgeArticle:
    """Create an article (both languages are required)."""
    slug = str(data.get("slug", ""))
    if not _SLUG.match(slug):
        raise bad_request("slug must be 3–80 lowercase letters, digits or dashes", path="slug")
    missing = [
        f for f in ("category", "title_zh", "title_en", "body_zh", "body_en") if not data.get(f)
    ]
    if missing:
        raise bad_request(f"{missing[0]} is required", code="U001", path=missing[0])
    _validate(data)
    if session.execute(select(KnowledgeArticle.id).where(KnowledgeArticle.slug == slug)).first():
        raise conflict(f"an article with slug {slug!r} exists")
    article = KnowledgeArticle(
        id=new_id("kb"),
        slug=slug,
        category=data["category"],
        title_zh=data["title_zh"].strip(),
        title_en=data["title_en"].strip(),
        body_zh=data["body_zh"].strip(),
        body_en=data["body_en"].strip(),
        tags=list(data.get("tags") or []),
        status=data.get("status", "published"),
        updated_at=utcnow(),
        updated_by=staff,
    )
    session.add(article)
    session.flush()
    return article


def get_article(session: Session, slug: str) -> KnowledgeArticle:
    """Return the article ``slug`` or raise 400 U004."""
    article = session.execute(
        select(KnowledgeArticle).where(KnowledgeArticle.slug == slug)
    ).scalar_one_or_none()
    if article is None:
        raise unknown_resource("article")
    return article


def list_articles(session: Session, *, include_drafts: bool = False) -> list[KnowledgeArticle]:
    """Return articles by category and slug."""
    query = select(KnowledgeArticle).order_by(KnowledgeArticle.category, KnowledgeArticle.slug)
    if not include_drafts:
        query = query.where(KnowledgeArticle.status == "published")
    return list(session.execute(query).scalars())


def update_article(
    session: Session, slug: str, changes: dict[str, Any], *, staff: str
) -> KnowledgeArticle:
    """Apply a staff edit; it is live for the assistant on the next question."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise bad_request(f"{sorted(unknown)[0]} cannot be edited", path=sorted(unknown)[0])
    _validate(changes)
    article = get_article(session, slug)
    for field, value in changes.items():
        setattr(article, field, value.strip() if isinstance(value, str) else value)
    article.version += 1
    article.updated_at = utcnow()
    article.updated_by = staff
    session.flush()
    return article
