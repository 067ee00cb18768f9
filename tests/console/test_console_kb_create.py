"""Console knowledge base: the list page's "new article" form and the editor's version check."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.console.conftest import csrf_of, login, new_staff

from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.search import search
from wendu.assistant.knowledge.service import load_shipped
from wendu.audit.models import AuditEntry
from wendu.db import Database


def _form(slug: str, word: str, **extra: str) -> dict[str, str]:
    return {
        "slug": slug,
        "category": "service",
        "title_zh": "假日营业",
        "title_en": f"Holiday opening {word}",
        "body_zh": "节假日部分网点营业。",
        "body_en": f"Some branches open on holidays for {word} visits.",
        "tags": "branch，holiday",
        **extra,
    }


def _article(db: Database, slug: str) -> KnowledgeArticle | None:
    with db.session(write=False) as s:
        article = s.execute(
            select(KnowledgeArticle).where(KnowledgeArticle.slug == slug)
        ).scalar_one_or_none()
        if article is not None:
            s.expunge(article)
        return article


def test_new_article_form_creates_an_audited_article(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    _, username = new_staff(db, "agent")
    agent: TestClient = login(app, username)
    page = agent.get("/console/kb")
    assert page.status_code == 200 and 'id="kb-new-form"' in page.text
    word = "zq" + secrets.token_hex(4).translate(str.maketrans("0123456789", "ghjkmnpqrs"))
    slug = f"console-{secrets.token_hex(4)}"
    created = agent.post(
        "/console/kb",
        data={**_form(slug, word, status="published"), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"/console/kb/{slug}?done=created"
    article = _article(db, slug)
    assert article is not None
    assert (article.status, article.version, article.updated_by) == ("published", 1, username)
    assert article.tags == ["branch", "holiday"]
    with db.session(write=False) as s:
        assert [h.slug for h in search(s, word, "en")] == [slug]
        entries = s.execute(
            select(AuditEntry).where(AuditEntry.action == "console.kb.create")
        ).scalars()
        assert {"slug": slug, "version": 1, "status": "published"} in [e.detail for e in entries]
    editor = agent.get(f"/console/kb/{slug}")
    assert editor.status_code == 200 and f"Holiday opening {word}" in editor.text

    # The same slug again, or a bad field: the form comes back with the reason and the input.
    for data, status in (
        (_form(slug, word), 409),
        (_form(f"console-{secrets.token_hex(4)}", word, title_en="  "), 400),
        (_form("Bad Slug!", word), 400),
    ):
        again = agent.post("/console/kb", data={**data, "csrf_token": csrf_of(page.text)})
        assert again.status_code == status, again.text
        assert 'class="error"' in again.text and 'id="kb-new" open' in again.text
        assert f"Some branches open on holidays for {word} visits." in again.text
    assert _article(db, "Bad Slug!") is None
    assert _article(db, slug).version == 1  # type: ignore[union-attr]


def test_auditor_has_no_new_article_form_and_cannot_create(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    _, username = new_staff(db, "auditor")
    auditor: TestClient = login(app, username)
    page = auditor.get("/console/kb")
    assert page.status_code == 200 and 'id="kb-new-form"' not in page.text
    slug = f"console-{secrets.token_hex(4)}"
    refused = auditor.post(
        "/console/kb",
        data={**_form(slug, "x"), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    forged = login(app, new_staff(db, "admin")[1]).post(
        "/console/kb", data={**_form(slug, "x"), "csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert _article(db, slug) is None


def test_editor_refuses_a_save_of_an_older_version(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        load_shipped(s)
    _, username = new_staff(db, "supervisor")
    browser: TestClient = login(app, username)
    slug = f"console-{secrets.token_hex(4)}"
    page = browser.get("/console/kb")
    browser.post("/console/kb", data={**_form(slug, "x"), "csrf_token": csrf_of(page.text)})
    editor = browser.get(f"/console/kb/{slug}").text
    assert 'name="version" value="1"' in editor and 'value="archived"' in editor
    fields = {
        "title_zh": "甲",
        "title_en": "A",
        "body_zh": "甲。",
        "body_en": "A.",
        "status": "draft",
    }
    token = csrf_of(editor)
    first = browser.post(
        f"/console/kb/{slug}", data={**fields, "version": "1", "csrf_token": token}
    )
    assert first.status_code == 200
    stale = browser.post(
        f"/console/kb/{slug}",
        data={**fields, "title_en": "B", "version": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert stale.status_code == 303 and "error=" in stale.headers["location"]
    article = _article(db, slug)
    assert article is not None and (article.title_en, article.version) == ("A", 2)
