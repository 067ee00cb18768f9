"""Knowledge articles: load the shipped set, and the staff edits (create, update, retire).

The console editor and the staff API (``/helpdesk/v1/knowledge/articles``) both write through
:func:`create_article` and :func:`update_article`: the checks, the optimistic version check
and the audit entry live here, in the caller's transaction. An edit is live in every process
on the next search (the index is rebuilt when the published articles' revision changes).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.search import search
from wendu.audit import record
from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.kit.ids import new_id

EDITABLE = ("category", "title_zh", "title_en", "body_zh", "body_en", "tags", "status")
# published: the assistant and the public pages use it; draft: not yet; archived: retired.
STATUSES = ("published", "draft", "archived")
NEW_STATUSES = ("published", "draft")
# The longest text each field may hold (the columns' sizes; bodies are Text, capped here).
MAX_CHARS = {
    "category": 40,
    "title_zh": 200,
    "title_en": 200,
    "body_zh": 20_000,
    "body_en": 20_000,
}
MAX_TAGS = 20
MAX_TAG_CHARS = 40
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


def _validate(values: dict[str, Any], statuses: tuple[str, ...] = STATUSES) -> None:
    for field, limit in MAX_CHARS.items():
        if field not in values:
            continue
        value = values[field]
        if not isinstance(value, str) or not value.strip():
            raise bad_request(
                f"{field} must not be empty",
                path=field,
                key="field_required",
                args={"field": field},
            )
        if len(value.strip()) > limit:
            raise bad_request(
                f"{field} must have at most {limit} characters",
                path=field,
                key="field_too_long",
                args={"field": field, "limit": limit},
            )
    if "status" in values and values["status"] not in statuses:
        raise bad_request(
            f"status must be {' or '.join(statuses)}", path="status", key="invalid_status"
        )
    if "tags" in values:
        tags = values["tags"]
        if not (isinstance(tags, list) and all(isinstance(t, str) and t.strip() for t in tags)):
            raise bad_request(
                "tags must be a list of non-empty strings", path="tags", key="invalid_tags"
            )
        if len(tags) > MAX_TAGS or any(len(t.strip()) > MAX_TAG_CHARS for t in tags):
            raise bad_request(
                f"at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters",
                path="tags",
                key="invalid_tags",
            )


def _audit(session: Session, audit: str | None, verb: str, article: KnowledgeArticle) -> None:
    if audit is None:
        return
    record(
        session,
        actor_type="staff",
        actor_id=article.updated_by,
        action=f"{audit}.kb.{verb}",
        detail={"slug": article.slug, "version": article.version, "status": article.status},
    )


def create_article(
    session: Session, data: dict[str, Any], *, staff: str, audit: str | None = None
) -> KnowledgeArticle:
    """Create an article (both languages are required; status published unless given).

    ``audit`` (``"console"``, ``"helpdesk"``) records ``<audit>.kb.create`` by ``staff``.
    """
    slug = str(data.get("slug", ""))
    if not _SLUG.match(slug):
        raise bad_request(
            "slug must be 3–80 lowercase letters, digits or dashes",
            path="slug",
            key="kb_slug_invalid",
        )
    missing = [
        f for f in ("category", "title_zh", "title_en", "body_zh", "body_en") if not data.get(f)
    ]
    if missing:
        raise bad_request(
            f"{missing[0]} is required",
            code="U001",
            path=missing[0],
            key="field_required",
            args={"field": missing[0]},
        )
    _validate(data, NEW_STATUSES)
    if session.execute(select(KnowledgeArticle.id).where(KnowledgeArticle.slug == slug)).first():
        raise conflict(f"an article with slug {slug!r} exists", key="kb_slug_taken")
    article = KnowledgeArticle(
        id=new_id("kb"),
        slug=slug,
        category=data["category"],
        title_zh=data["title_zh"].strip(),
        title_en=data["title_en"].strip(),
        body_zh=data["body_zh"].strip(),
        body_en=data["body_en"].strip(),
        tags=[t.strip() for t in data.get("tags") or []],
        status=data.get("status", "published"),
        version=1,
        updated_at=utcnow(),
        updated_by=staff,
    )
    session.add(article)
    session.flush()
    _audit(session, audit, "create", article)
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
    session: Session,
    slug: str,
    changes: dict[str, Any],
    *,
    staff: str,
    expected_version: int | None = None,
    audit: str | None = None,
) -> KnowledgeArticle:
    """Apply a staff edit; it is live for the assistant on the next question.

    With ``expected_version`` the edit applies only to that version (409 U018 otherwise,
    nothing changed); the row is locked first, so two editors of one version cannot both
    win. ``audit`` (``"console"``, ``"helpdesk"``) records ``<audit>.kb.update`` by ``staff``.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise bad_request(f"{sorted(unknown)[0]} cannot be edited", path=sorted(unknown)[0])
    if not changes:
        raise bad_request("the edit changes no field", key="no_change")
    _validate(changes)
    article = session.execute(
        select(KnowledgeArticle)
        .where(KnowledgeArticle.slug == slug)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if article is None:
        raise unknown_resource("article")
    if expected_version is not None and article.version != expected_version:
        raise conflict(
            f"the article is at version {article.version}, not {expected_version}; "
            "reload it and apply the edit again",
            key="kb_stale",
            args={"version": article.version},
        )
    for field, value in changes.items():
        if field == "tags":
            value = [t.strip() for t in value]
        setattr(article, field, value.strip() if isinstance(value, str) else value)
    article.version += 1
    article.updated_at = utcnow()
    article.updated_by = staff
    session.flush()
    _audit(session, audit, "update", article)
    return article


def find_articles(
    session: Session, q: str = "", *, status: str | None = None
) -> list[KnowledgeArticle]:
    """Return every article (drafts and archived too) matching ``q`` and ``status``.

    ``q`` matches the published articles the search ranks for it (either language) and any
    article whose slug, titles, bodies or tags contain it.
    """
    articles = list_articles(session, include_drafts=True)
    if status is not None:
        articles = [a for a in articles if a.status == status]
    needle = q.strip().lower()
    if not needle:
        return articles
    found = {hit.slug for hit in search(session, needle, "zh", limit=20)}
    return [
        a
        for a in articles
        if a.slug in found
        or needle
        in "\n".join(
            [a.slug, a.title_zh, a.title_en, a.body_zh, a.body_en, *(a.tags or [])]
        ).lower()
    ]
