"""Staff routes of the knowledge base: ``/helpdesk/v1/knowledge/articles`` (helpdesk tokens).

Every staff role reads every article (drafts and archived too); the roles that may write in
the console (admin, supervisor, agent) create and edit, auditors get 403. An edit must name
the version it was made on (``If-Match: "<version>"`` or ``version`` in the body); a stale
version is 409 U018 and changes nothing. The writes go through the same service functions as
the console editor (checks, audit entry, live at once for the assistant).

Like the helpdesk API, each handler opens and ends its own transaction on its worker thread.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from wendu.assistant.knowledge import service
from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.schemas import (
    ArticleChanges,
    ArticleIn,
    StaffArticle,
    StaffArticleList,
)
from wendu.deps import DatabaseDep
from wendu.errors import ErrorItem, WenduError, bad_request
from wendu.helpdesk.deps import CurrentStaff

BASE = "/helpdesk/v1/knowledge/articles"
AUDIT = "helpdesk"  # audit actions helpdesk.kb.create / helpdesk.kb.update

router = APIRouter(prefix=BASE, tags=["Helpdesk knowledge"])

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$|^(\d{1,9})$')


def etag(article: KnowledgeArticle) -> str:
    """Return the ETag of an article's current version."""
    return f'"{article.version}"'


def _staff_view(article: KnowledgeArticle, response: Response) -> StaffArticle:
    response.headers["ETag"] = etag(article)
    response.headers["Cache-Control"] = "no-store"
    return StaffArticle.model_validate(article)


def _expected_version(if_match: str | None, version: int | None) -> int:
    """Return the version an edit was made on, from ``If-Match`` or the body."""
    from_header: int | None = None
    if if_match is not None:
        match = _ETAG.match(if_match.strip())
        if match is None:
            raise bad_request('If-Match must be one ETag of the article, e.g. "3"', path="If-Match")
        from_header = int(match.group(1) or match.group(2))
    if from_header is not None and version is not None and from_header != version:
        raise bad_request("If-Match and version name different versions", path="version")
    expected = from_header if from_header is not None else version
    if expected is None:
        raise WenduError(
            428,
            [
                ErrorItem(
                    "U001",
                    "An edit needs the article's version: send If-Match with its ETag "
                    "or version in the body",
                    "If-Match",
                )
            ],
        )
    return expected


@router.get("", operation_id="helpdesk_list_articles")
def list_articles(
    staff: CurrentStaff,
    db: DatabaseDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Literal["published", "draft", "archived"] | None = None,
) -> StaffArticleList:
    """List every article (drafts and archived too), optionally matching ``q`` (zh or en)."""
    with db.session(write=False) as session:
        found = service.find_articles(session, q, status=status)
        return StaffArticleList(articles=[StaffArticle.model_validate(a) for a in found])


@router.get("/{slug}", operation_id="helpdesk_get_article")
def get_article(
    slug: str, staff: CurrentStaff, db: DatabaseDep, response: Response
) -> StaffArticle:
    """Return one article with its version (also the ``ETag`` to send back in ``If-Match``)."""
    with db.session(write=False) as session:
        return _staff_view(service.get_article(session, slug), response)


@router.post("", status_code=201, operation_id="helpdesk_create_article")
def create_article(
    body: ArticleIn, staff: CurrentStaff, db: DatabaseDep, response: Response
) -> StaffArticle:
    """Create an article (409 U018 when the slug is taken); audited."""
    with db.session() as session:
        article = service.create_article(
            session, body.model_dump(), staff=staff.user.username, audit=AUDIT
        )
        response.headers["Location"] = f"{BASE}/{article.slug}"
        return _staff_view(article, response)


@router.patch("/{slug}", operation_id="helpdesk_update_article")
def update_article(
    slug: str,
    body: ArticleChanges,
    staff: CurrentStaff,
    db: DatabaseDep,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> StaffArticle:
    """Edit, publish (``status: published``) or archive an article; audited.

    The edit applies only to the version named by ``If-Match`` or ``version`` (409 U018 when
    someone changed the article since, 428 when neither is sent).
    """
    changes = body.model_dump(exclude_unset=True)
    expected = _expected_version(if_match, changes.pop("version", None))
    with db.session() as session:
        article = service.update_article(
            session,
            slug,
            changes,
            staff=staff.user.username,
            expected_version=expected,
            audit=AUDIT,
        )
        return _staff_view(article, response)
