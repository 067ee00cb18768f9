"""Hybrid retrieval over the knowledge base, rebuilt whenever the articles change.

Three signals about each published article are mixed into one score:

- **BM25** over each article's title, tags and body (Chinese words and character pairs,
  stemmed English), best of the two languages;
- **sentence embeddings** (multilingual USE): the best cosine between the question and any
  of the article's passages (title and paragraphs, in both languages, so a question in one
  language finds an article through the other);
- the **intent link**: the articles that name the NLU intent of the question (when the
  caller passes a confident one).

The mix is ``BM25_WEIGHT * min(bm25 / BM25_SCALE, 1) + cosine + INTENT_WEIGHT * confidence
(linked articles only)``: a calibrated sum rather than reciprocal rank fusion, because a
BM25 score of 17 against 5 is evidence a rank cannot carry (on the held-out questions the
mix beat the best RRF setting). An answer must also *fit*: a linked intent with some
semantic closeness, a BM25 score or a cosine above calibrated thresholds; otherwise there
is no answer and the assistant says so. ``bench/knowledge_faq.py`` measures all of it on
the team's held-out questions. The quote is the passage of the chosen article that answers the
question best (embedding and word overlap), not the article's first sentence.

Questions may be in Traditional script or Cantonese; they are read in simplified Mandarin.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge.links import articles_for
from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.semantic import embed_passages, embed_query
from wendu.assistant.knowledge.text import (
    base_language,
    is_traditional,
    sentences,
    simplified,
    tokens,
)

K1 = 1.5
B = 0.75
# Below these an article is too far from the question to quote to a customer: a BM25 score,
# a cosine between the question and the article's best passage, and the intent confidence
# that lets the intent link alone carry an answer.
ANSWER_THRESHOLD = 6.0
COSINE_THRESHOLD = 0.5
INTENT_THRESHOLD = 0.55
LINKED_COSINE = 0.3
# The mix (calibrated with bench/knowledge_faq.py; a plateau around these values).
BM25_SCALE = 20.0
BM25_WEIGHT = 2.0
INTENT_WEIGHT = 0.6
QUOTE_CHARS = 380
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
    paragraphs: dict[str, list[str]]
    terms: dict[str, Counter[str]]  # per language
    lengths: dict[str, int]


@dataclass
class Candidate:
    """One article's scores for a question (exposed for the benchmark and tests)."""

    slug: str
    bm25: float
    cosine: float
    linked: bool
    fused: float = 0.0
    doc: int = field(default=0, repr=False)

    def fits(self) -> bool:
        """Return True when the article is close enough to the question to answer it."""
        return (
            (self.linked and self.cosine >= LINKED_COSINE)
            or self.bm25 >= ANSWER_THRESHOLD
            or self.cosine >= COSINE_THRESHOLD
        )


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
                    {lang: _paragraphs(getattr(a, f"body_{lang}")) for lang in LANGUAGES},
                    terms,
                    lengths,
                )
            )
        self.by_slug = {d.slug: i for i, d in enumerate(self.docs)}
        self.avg = {
            lang: sum(d.lengths[lang] for d in self.docs) / max(len(self.docs), 1)
            for lang in LANGUAGES
        }
        self.df = {lang: Counter(t for d in self.docs for t in d.terms[lang]) for lang in LANGUAGES}
        # Passages to embed: every title and paragraph in both languages.
        self.passages: list[tuple[int, str, str]] = []  # (doc, lang, text)
        for i, d in enumerate(self.docs):
            for lang in LANGUAGES:
                self.passages.append((i, lang, d.titles[lang]))
                self.passages.extend((i, lang, p) for p in d.paragraphs[lang])
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def vectors(self) -> np.ndarray:
        """Return the passage embeddings, computed (or read from the cache) on first use."""
        with self._lock:
            if self._vectors is None:
                self._vectors = embed_passages([p[2] for p in self.passages])
            return self._vectors

    def bm25(self, doc: _Doc, query: list[str], lang: str) -> float:
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

    def cosines(self, query_vector: np.ndarray) -> np.ndarray:
        """Return each passage's cosine to the question."""
        if not self.passages:
            return np.zeros(0, dtype=np.float32)
        return self.vectors @ query_vector

    def rank(
        self,
        question: str,
        *,
        intent: str | None = None,
        confidence: float = 0.0,
        semantic: bool = True,
        lexical: bool = True,
    ) -> tuple[list[Candidate], np.ndarray | None]:
        """Score every article for ``question``; return them best first (fused) and the
        passage cosines (None without the semantic ranking)."""
        query = tokens(question)
        candidates = [
            Candidate(
                d.slug,
                max(self.bm25(d, query, lang) for lang in LANGUAGES) if lexical else 0.0,
                0.0,
                False,
                doc=i,
            )
            for i, d in enumerate(self.docs)
        ]
        sims: np.ndarray | None = None
        if semantic and candidates:
            sims = self.cosines(embed_query(simplified(question)))
            best = np.full(len(self.docs), -1.0, dtype=np.float32)
            for (doc, _, _), sim in zip(self.passages, sims, strict=True):
                best[doc] = max(best[doc], sim)
            for c in candidates:
                c.cosine = float(best[c.doc])
        if confidence >= INTENT_THRESHOLD:
            for slug in articles_for(intent):
                if slug in self.by_slug:
                    candidates[self.by_slug[slug]].linked = True
        for c in candidates:
            c.fused = BM25_WEIGHT * min(c.bm25 / BM25_SCALE, 1.0) + max(c.cosine, 0.0)
            if c.linked:
                c.fused += INTENT_WEIGHT * confidence
        candidates.sort(key=lambda c: (-c.fused, c.slug))
        return candidates, sims


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


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


def prepare(session: Session) -> int:
    """Build the index and the passage embeddings now (the app's warm start), so the first
    question does not pay for them; return the number of published articles."""
    index = _index(session)
    _ = index.vectors
    return len(index.docs)


def article_url(slug: str, language: str) -> str:
    """Return the customer-facing link of an article."""
    return f"/help/articles/{slug}?lang={base_language(language)}"


def candidates(
    session: Session,
    question: str,
    *,
    intent: str | None = None,
    confidence: float = 0.0,
    semantic: bool = True,
    lexical: bool = True,
) -> list[Candidate]:
    """Return every published article scored for ``question``, best first.

    ``semantic=False`` or ``lexical=False`` leave a ranking out (the benchmark compares
    BM25 alone with the hybrid).
    """
    ranked, _ = _index(session).rank(
        question, intent=intent, confidence=confidence, semantic=semantic, lexical=lexical
    )
    return ranked


def search(session: Session, query: str, language: str, *, limit: int = 5) -> list[SearchHit]:
    """Return the articles that match ``query``, best first, titles in ``language``.

    An article is listed when it shares words with the query or is close in meaning to it
    (cosine above the answer threshold); a query that matches nothing gets no results.
    """
    lang = base_language(language)
    ranked, _ = _index(session).rank(query)
    hits = [c for c in ranked if c.bm25 > 0 or c.cosine >= COSINE_THRESHOLD][:limit]
    index = _index(session)
    return [
        SearchHit(
            c.slug,
            _script(index.docs[c.doc].titles[lang], language),
            index.docs[c.doc].category,
            round(c.fused, 4),
            article_url(c.slug, lang),
        )
        for c in hits
    ]


def answer(
    session: Session,
    question: str,
    language: str,
    *,
    intent: str | None = None,
    confidence: float = 0.0,
    classify: bool = True,
) -> KnowledgeAnswer | None:
    """Return the best article with the passage that answers ``question``, or None.

    ``intent`` and ``confidence`` (the NLU's reading of the question) add the intent →
    article link to the ranking; without them the question is classified here (unless
    ``classify`` is False), so agents' suggestions and the assistant agree.

    ``language`` may be "zh", "en" or a Traditional tag ("zh-Hant", "zh-HK", "zh-TW",
    "yue"): the quote and title are then in Traditional script, the link in zh.
    """
    lang = base_language(language)
    index = _index(session)
    if intent is None and classify:
        intent, confidence = _classify(question)
    ranked, sims = index.rank(question, intent=intent, confidence=confidence)
    if not ranked or not ranked[0].fits():
        return None
    best = ranked[0]
    doc = index.docs[best.doc]
    quote = _quote(index, best.doc, lang, question, sims)
    return KnowledgeAnswer(
        doc.slug,
        _script(doc.titles[lang], language),
        _script(quote, language),
        article_url(doc.slug, lang),
        round(max(best.cosine, min(best.bm25 / 10, 1.0), 0.9 if best.linked else 0.0), 3),
        lang,
    )


def _classify(question: str) -> tuple[str | None, float]:
    """Return the NLU's intent and confidence for ``question`` (None without a model)."""
    try:
        from wendu.assistant.nlu import load_default_model

        parsed = load_default_model().parse(question)
    except (ImportError, OSError, RuntimeError, ValueError):  # no model: no intent link
        return None, 0.0
    return parsed.intent, float(parsed.confidence)


def _quote(index: _Index, doc: int, lang: str, question: str, sims: np.ndarray | None) -> str:
    """Return the paragraph of the article that answers the question best (in ``lang``);
    a paragraph too long for a chat bubble is cut to its best sentences."""
    wanted = set(tokens(question))
    options = [
        (i, text) for i, (d, pl, text) in enumerate(index.passages) if d == doc and pl == lang
    ][1:]  # the first passage of an article's language is its title
    if not options:
        return index.docs[doc].titles[lang]

    def overlap(text: str) -> float:
        return len(wanted & set(tokens(text))) / max(len(wanted), 1)

    def score(item: tuple[int, str]) -> tuple[float, int]:
        i, text = item
        semantic = float(sims[i]) if sims is not None else 0.0
        return (semantic + 0.5 * overlap(text), -i)

    paragraph = max(options, key=score)[1]
    if len(paragraph) <= QUOTE_CHARS:
        return paragraph
    lines = sentences(paragraph)
    order = sorted(range(len(lines)), key=lambda i: (-overlap(lines[i]), i))
    chosen = [order[0]]
    for i in order[1:]:
        if sum(len(lines[j]) for j in chosen) + len(lines[i]) <= QUOTE_CHARS:
            chosen.append(i)
            break
    joiner = " " if lang == "en" else ""
    return joiner.join(lines[i] for i in sorted(chosen))


@lru_cache(maxsize=4)
def _s2t(config: str):  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC(config)


def _script(text: str, language: str) -> str:
    """Return ``text`` in the script ``language`` asks for (Traditional for zh-Hant tags)."""
    if base_language(language) != "zh" or not is_traditional(language):
        return text
    tag = language.lower().replace("_", "-")
    config = "s2twp" if "tw" in tag else "s2hk" if ("hk" in tag or "yue" in tag) else "s2t"
    return str(_s2t(config).convert(text))
