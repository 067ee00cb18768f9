"""The knowledge base: bilingual help articles that staff edit and the assistant quotes.

Public API::

    from wendu.assistant.knowledge import answer, search

    hit = answer(session, "卡丢了怎么办", "zh")   # best article, the passage that answers, link
    hit = answer(session, text, "zh", intent="transfer_timing", confidence=0.97)  # NLU's reading
    hits = search(session, "transfer fees", "en", limit=5)

Retrieval mixes BM25, multilingual sentence embeddings of the articles' passages and the
intent → article link (``intents:`` in the shipped YAML); see ``search``. Questions in
Traditional script or Cantonese work; a zh-Hant/zh-HK/zh-TW language gets Traditional text.

Staff edits (the console editor and ``/helpdesk/v1/knowledge/articles``, both through
``service.create_article``/``service.update_article``) take effect at once in every process:
the search index is rebuilt when the published articles' revision changes.
"""

from wendu.assistant.knowledge.search import KnowledgeAnswer, SearchHit, answer, search

__all__ = ["KnowledgeAnswer", "SearchHit", "answer", "search"]
