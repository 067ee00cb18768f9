"""Wire models of the knowledge API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Sizes match the service's checks (wendu.assistant.knowledge.service.MAX_CHARS), which also
# guard the console; the schemas let the API say so before the service runs.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$"
BODY_MAX = 20_000
Tag = Annotated[str, Field(min_length=1, max_length=40)]


class SearchResult(BaseModel):
    """One search hit."""

    slug: str
    title: str
    category: str
    score: float
    url: str


class SearchResponse(BaseModel):
    """The hits of a knowledge search."""

    query: str
    language: str
    results: list[SearchResult]


class Article(BaseModel):
    """A knowledge article in both languages."""

    model_config = ConfigDict(from_attributes=True)

    slug: str
    category: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    tags: list[str]
    status: str
    version: int
    updated_at: datetime


class StaffArticle(Article):
    """An article as staff see it: any status, and who changed it last."""

    updated_by: str | None


class StaffArticleList(BaseModel):
    """Articles for staff (drafts and archived included)."""

    articles: list[StaffArticle]


class ArticleIn(BaseModel):
    """A new article in both languages (draft unless ``status`` says published)."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=80)
    category: str = Field(min_length=1, max_length=40)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    body_zh: str = Field(min_length=1, max_length=BODY_MAX)
    body_en: str = Field(min_length=1, max_length=BODY_MAX)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    status: Literal["draft", "published"] = "draft"


class ArticleChanges(BaseModel):
    """A staff edit: any subset of the editable fields.

    ``version`` is the version the edit was made on (or send it as ``If-Match``); ``status``
    publishes (``published``), unpublishes (``draft``) or retires (``archived``) the article.
    """

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    title_zh: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    body_zh: str | None = Field(default=None, min_length=1, max_length=BODY_MAX)
    body_en: str | None = Field(default=None, min_length=1, max_length=BODY_MAX)
    tags: list[Tag] | None = Field(default=None, max_length=20)
    status: Literal["draft", "published", "archived"] | None = None
