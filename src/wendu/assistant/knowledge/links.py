"""The intent → article link: which help articles answer which NLU intents.

Each shipped article names the intents it answers (``intents:`` in
``assistant/data/knowledge/*.yml``). The link is read from the shipped files, not the
database, so it needs no migration; an article staff archive simply drops out (only
published articles are ranked).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def intent_links() -> dict[str, tuple[str, ...]]:
    """Return intent name → slugs of the articles that answer it (shipped order)."""
    from wendu.assistant.knowledge.service import shipped_articles

    links: dict[str, list[str]] = {}
    for article in shipped_articles():
        for intent in article.get("intents") or []:
            links.setdefault(str(intent), []).append(article["slug"])
    return {intent: tuple(slugs) for intent, slugs in links.items()}


def articles_for(intent: str | None) -> tuple[str, ...]:
    """Return the slugs of the articles linked to ``intent`` (empty for none)."""
    if not intent:
        return ()
    return intent_links().get(intent, ())
