"""BM25 retrieval over the knowledge base, rebuilt whenever the articles change."""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.text import sentences, tokens

K1 = 1.5
B = 0.75
# Below this BM25 score a match is too thin to quote to a customer.
ANSWER_THRESHOLD = 3.0
QUOTE_CHARS = 300
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class SearchHit:
    """One article matching a query."""

    slug: str
    title: str
    category: str
    score: float
    url: str


@dataclass(frozen=True)
class KnowledgeAnswer:
    """The best article for a customer's question, with a quote from it and its link."""

    slug: str
    title: str
    quote: str
    url: str
    score: float
    language: str


@dataclass(frozen=True)
class _Doc:
    slug: str
    category: str
    titles: dict[str, str]
    bodies: dict[str, str]
    terms: dict[str, Counter[str]]  # per language
    lengths: dict[str, int]


class _Index:
    def __init__(self, articles: list[KnowledgeArticle]) -> None:
        self.docs: list[_Doc] = []
        for a in articles:
            terms: dict[str, Counter[str]] = {}
            lengths: dict[str, int] = {}
            for lang in LANGUAGES:
                title = getattr(a, f"title_{lang}")
                body = getattr(a, f"body_{lang}")
                # Titles and tags say what an article is about: count them three times.
                words = tokens(title) * 3 + tokens(" ".join(a.tags or [])) * 2 + tokens(body)
                terms[lang] = Counter(words)
                lengths[lang] = max(len(words), 1)
            self.docs.append(
                _Doc(
                    a.slug,
                    a.category,
                    {lang: getattr(a, f"title_{lang}") for lang in LANGUAGES},
                    {lang: getattr(a, f"body_{lang}") for lang in LANGUAGES},
                    terms,
                    lengths,
                )
            )
        self.avg = {
            lang: sum(d.lengths[lang] for d in self.docs) / max(len(self.docs), 1)
            for lang in LANGUAGES
        }
        self.df = {lang: Counter(t for d in self.docs for t in d.terms[lang]) for lang in LANGUAGES}

    def score(self, doc: _Doc, query: list[str], lang: str) -> float:
        n = len(self.docs)
        total = 0.0
        for term in set(query):
            tf = doc.terms[lang].get(term, 0)
            if not tf:
                continue
            df = self.df[lang][term]
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = tf + K1 * (1 - B + B * doc.lengths[lang] / self.avg[lang])
            total += idf * tf * (K1 + 1) / norm
        return total

    def rank(self, query: list[str]) -> list[tuple[float, _Doc]]:
        scored = [(max(self.score(d, query, lang) for lang in LANGUAGES), d) for d in self.docs]
        return sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1].slug))


_lock = threading.Lock()
_indexes: dict[str, tuple[tuple[object, ...], _Index]] = {}


def _revision(session: Session) -> tuple[object, ...]:
    count, newest, versions = session.execute(
        select(
            func.count(), func.max(KnowledgeArticle.updated_at), func.sum(KnowledgeArticle.version)
        ).where(KnowledgeArticle.status == "published")
    ).one()
    return (count, str(newest), versions)


def _index(session: Session) -> _Index:
    """Return the index for this database, rebuilt if any article changed (any process)."""
    key = str(session.get_bind().engine.url)
    revision = _revision(session)
    with _lock:
        cached = _indexes.get(key)
        if cached and cached[0] == revision:
            return cached[1]
    articles = list(
        session.execute(
            select(KnowledgeArticle).where(KnowledgeArticle.status == "published")
        ).scalars()
    )
    index = _Index(articles)
    with _lock:
        _indexes[key] = (revision, index)
    return index


def article_url(slug: str, language: str) -> str:
    """Return the customer-facing link of an article."""
    return f"/help/articles/{slug}?lang={language}"


def search(session: Session, query: str, language: str, *, limit: int = 5) -> list[SearchHit]:
    """Return the articles that best match ``query``, titles in ``language``."""
    lang = language if language in LANGUAGES else "zh"
    ranked = _index(session).rank(tokens(query))[:limit]
    return [
        SearchHit(d.slug, d.titles[lang], d.category, round(s, 3), article_url(d.slug, lang))
        for s, d in ranked
    ]


def answer(session: Session, question: str, language: str) -> KnowledgeAnswer | None:
    """Return the best article with the one or two sentences that answer ``question``."""
    lang = language if language in LANGUAGES else "zh"
    query = tokens(question)
    ranked = _index(session).rank(query)
    if not ranked or ranked[0][0] < ANSWER_THRESHOLD:
        return None
    score, doc = ranked[0]
    wanted = set(query)
    lines = sentences(doc.bodies[lang])
    ranked_lines = sorted(
        range(len(lines)), key=lambda i: (-len(wanted & set(tokens(lines[i]))), i)
    )
    chosen = ranked_lines[:1]
    # A second sentence only when the quote stays short enough to read in a chat bubble.
    if len(ranked_lines) > 1 and len(lines[chosen[0]]) + len(lines[ranked_lines[1]]) <= QUOTE_CHARS:
        chosen.append(ranked_lines[1])
    joiner = " " if lang == "en" else ""
    quote = joiner.join(lines[i] for i in sorted(chosen))
    return KnowledgeAnswer(
        doc.slug, doc.titles[lang], quote, article_url(doc.slug, lang), round(score, 3), lang
    )
