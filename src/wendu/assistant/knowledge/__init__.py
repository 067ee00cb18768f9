"""The knowledge base: bilingual help articles that staff edit and the assistant quotes.

Public API::

    from wendu.assistant.knowledge import answer, search

    hit = answer(session, "卡丢了怎么办", "zh")   # best article, a quote from it and its link
    hits = search(session, "transfer fees", "en", limit=5)

Staff edits (the console editor and ``/helpdesk/v1/knowledge/articles``, both through
``service.create_article``/``service.update_article``) take effect at once in every process:
the search index is rebuilt when the published articles' revision changes.
"""

from wendu.assistant.knowledge.search import KnowledgeAnswer, SearchHit, answer, search

__all__ = ["KnowledgeAnswer", "SearchHit", "answer", "search"]
