"""Wire models of the knowledge API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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


class ArticleChanges(BaseModel):
    """A staff edit: any subset of the editable fields."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, max_length=40)
    title_zh: str | None = Field(default=None, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    body_zh: str | None = None
    body_en: str | None = None
    tags: list[str] | None = None
    status: str | None = None
