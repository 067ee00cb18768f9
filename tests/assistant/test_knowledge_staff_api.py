"""Staff knowledge API over HTTP: create, edit with a version, publish/archive, roles, audit.

Real staff users and real bearer tokens from ``/helpdesk/v1/auth/token``; the public search
(``/api/v1/knowledge/search``) and the assistant's ``answer`` show each edit at once.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.assistant.knowledge import answer
from wendu.assistant.knowledge.models import KnowledgeArticle
from wendu.assistant.knowledge.service import load_shipped
from wendu.audit.models import AuditEntry
from wendu.db import Database
from wendu.identity.staff import create_staff

API = "/helpdesk/v1/knowledge/articles"
PASSWORD = "long enough pw"


@pytest.fixture(scope="module", autouse=True)
def articles(db: Database) -> None:
    with db.session() as session:
        load_shipped(session)


@pytest.fixture(scope="module")
def staff(client: TestClient, db: Database) -> dict[str, tuple[str, dict[str, str]]]:
    """One user of each role: (username, Authorization headers)."""
    users: dict[str, tuple[str, dict[str, str]]] = {}
    for role in ("admin", "supervisor", "agent", "auditor"):
        username = f"kb_{role}_{secrets.token_hex(4)}"
        with db.session() as s:
            create_staff(s, username=username, password=PASSWORD, role=role)
        r = client.post(
            "/helpdesk/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        users[role] = (username, {"Authorization": f"Bearer {r.json()['access_token']}"})
    return users


def _word() -> str:
    """A made-up word no other article contains (letters only, so it stays one token)."""
    return "zq" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))


def _new(word: str, **extra: Any) -> dict[str, Any]:
    return {
        "slug": f"kb-api-{secrets.token_hex(4)}",
        "category": "service",
        "title_zh": "周末营业安排",
        "title_en": f"Weekend opening {word}",
        "body_zh": "部分网点周六营业，请提前预约。",
        "body_en": f"Some branches open on Saturdays for {word} appointments.",
        "tags": ["branch"],
        **extra,
    }


def _public_slugs(client: TestClient, q: str) -> list[str]:
    r = client.get("/api/v1/knowledge/search", params={"q": q, "lang": "en"})
    assert r.status_code == 200, r.text
    return [hit["slug"] for hit in r.json()["results"]]


def _row(db: Database, slug: str) -> KnowledgeArticle | None:
    with db.session(write=False) as s:
        article = s.execute(
            select(KnowledgeArticle).where(KnowledgeArticle.slug == slug)
        ).scalar_one_or_none()
        if article is not None:
            s.expunge(article)
        return article


def _audits(db: Database, action: str, slug: str) -> list[AuditEntry]:
    with db.session(write=False) as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars().all()
        return [r for r in rows if (r.detail or {}).get("slug") == slug]


def _code(response: Any) -> str:
    body = response.json()
    assert {"Code", "Id", "Message", "Errors"} <= body.keys(), body
    return str(body["Errors"][0]["ErrorCode"])


def test_draft_is_hidden_until_published_and_every_write_is_audited(
    client: TestClient, db: Database, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    username, agent = staff["agent"]
    word = _word()
    # Prime the search index first, so the test proves it is rebuilt without a restart.
    assert _public_slugs(client, word) == []
    created = client.post(API, json=_new(word), headers=agent)
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    assert created.headers["Location"] == f"{API}/{slug}"
    assert created.headers["ETag"] == '"1"'
    assert created.json()["status"] == "draft" and created.json()["version"] == 1
    assert created.json()["updated_by"] == username
    # A draft: staff see it, customers and the assistant do not.
    assert _public_slugs(client, word) == []
    assert client.get(f"/api/v1/knowledge/articles/{slug}").status_code == 400
    with db.session(write=False) as s:
        hidden = answer(s, f"{word} appointments", "en")
    assert hidden is None or hidden.slug != slug
    one = client.get(f"{API}/{slug}", headers=agent)
    assert one.status_code == 200 and one.headers["ETag"] == '"1"'
    assert one.json()["body_en"].endswith(f"{word} appointments.")

    published = client.patch(
        f"{API}/{slug}", json={"status": "published"}, headers={**agent, "If-Match": '"1"'}
    )
    assert published.status_code == 200, published.text
    assert published.json()["version"] == 2 and published.headers["ETag"] == '"2"'
    assert _public_slugs(client, word) == [slug]
    assert client.get(f"/api/v1/knowledge/articles/{slug}").json()["version"] == 2
    with db.session(write=False) as s:
        shown = answer(s, f"{word} appointments", "en")
    assert shown is not None and shown.slug == slug

    [create] = _audits(db, "helpdesk.kb.create", slug)
    assert create.actor_type == "staff" and create.actor_id == username
    assert create.detail == {"slug": slug, "version": 1, "status": "draft"}
    [publish] = _audits(db, "helpdesk.kb.update", slug)
    assert publish.actor_id == username
    assert publish.detail == {"slug": slug, "version": 2, "status": "published"}


def test_an_edit_is_live_for_search_and_the_assistant_without_restart(
    client: TestClient, db: Database, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    _, supervisor = staff["supervisor"]
    old, new = _word(), _word()
    slug = client.post(API, json=_new(old, status="published"), headers=supervisor).json()["slug"]
    assert _public_slugs(client, old) == [slug]
    with db.session(write=False) as s:
        before = answer(s, f"when can I book a {old} appointment", "en")
    assert before is not None and before.slug == slug and old in before.quote

    body_en = f"Branches now open on Sundays for {new} visits."
    edit = {"version": 1, "title_en": "Sunday opening", "body_en": body_en}
    r = client.patch(f"{API}/{slug}", json=edit, headers=supervisor)
    assert r.status_code == 200, r.text
    assert _public_slugs(client, old) == []
    assert _public_slugs(client, new) == [slug]
    with db.session(write=False) as s:
        after = answer(s, f"are you open for {new} visits on sundays", "en")
    assert after is not None and after.slug == slug
    assert after.quote == body_en

    archived = client.patch(
        f"{API}/{slug}", json={"status": "archived"}, headers={**supervisor, "If-Match": 'W/"2"'}
    )
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert _public_slugs(client, new) == []
    listed = client.get(API, params={"status": "archived"}, headers=supervisor).json()
    assert slug in [a["slug"] for a in listed["articles"]]


def test_a_stale_version_is_refused_and_changes_nothing(
    client: TestClient, db: Database, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    _, agent = staff["agent"]
    _, admin = staff["admin"]
    slug = client.post(API, json=_new(_word()), headers=agent).json()["slug"]
    first = client.patch(
        f"{API}/{slug}", json={"title_en": "Mine"}, headers={**agent, "If-Match": '"1"'}
    )
    assert first.status_code == 200
    # The admin edited version 1 too, but saves after the agent: refused, nothing changed.
    for kwargs in (
        {"json": {"title_en": "Theirs"}, "headers": {**admin, "If-Match": '"1"'}},
        {"json": {"title_en": "Theirs", "version": 1}, "headers": admin},
    ):
        stale = client.patch(f"{API}/{slug}", **kwargs)  # type: ignore[arg-type]
        assert stale.status_code == 409, stale.text
        assert _code(stale) == "U018"
    missing = client.patch(f"{API}/{slug}", json={"title_en": "Theirs"}, headers=admin)
    assert missing.status_code == 428 and _code(missing) == "U001"
    row = _row(db, slug)
    assert row is not None and row.title_en == "Mine" and row.version == 2
    assert len(_audits(db, "helpdesk.kb.update", slug)) == 1
    # With the current version the admin's edit applies.
    ok = client.patch(
        f"{API}/{slug}", json={"title_en": "Theirs"}, headers={**admin, "If-Match": '"2"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 3


def test_auditors_read_but_never_write_and_strangers_get_nothing(
    client: TestClient, db: Database, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    _, agent = staff["agent"]
    _, auditor = staff["auditor"]
    slug = client.post(API, json=_new(_word()), headers=agent).json()["slug"]
    assert client.get(API, headers=auditor).status_code == 200
    assert client.get(f"{API}/{slug}", headers=auditor).status_code == 200
    attempt = _new(_word())
    create = client.post(API, json=attempt, headers=auditor)
    assert create.status_code == 403 and _code(create) == "U015"
    edit = client.patch(
        f"{API}/{slug}", json={"status": "published"}, headers={**auditor, "If-Match": '"1"'}
    )
    assert edit.status_code == 403 and _code(edit) == "U015"
    assert _row(db, attempt["slug"]) is None
    row = _row(db, slug)
    assert row is not None and row.status == "draft" and row.version == 1
    for method, url in (
        ("GET", API),
        ("GET", f"{API}/{slug}"),
        ("POST", API),
        ("PATCH", f"{API}/{slug}"),
    ):
        anonymous = client.request(method, url, json={} if method != "GET" else None)
        assert anonymous.status_code == 401 and _code(anonymous) == "U014"
    forged = client.get(API, headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401


def test_bad_input_is_400_and_changes_nothing(
    client: TestClient, db: Database, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    _, agent = staff["agent"]
    base = _new(_word())
    bad_creates = [
        {**base, "title_en": ""},
        {**base, "title_zh": "   "},
        {**base, "status": "archived"},
        {**base, "status": "live"},
        {**base, "slug": "Bad Slug!"},
        {**base, "body_en": "x" * 20_001},
        {**base, "tags": ["x" * 41]},
        {**base, "colour": "red"},
        {k: v for k, v in base.items() if k != "body_zh"},
    ]
    for body in bad_creates:
        r = client.post(API, json=body, headers=agent)
        assert r.status_code == 400, (body.keys(), r.text)
        assert _code(r) in ("U001", "U002")
    assert _row(db, base["slug"]) is None

    slug = client.post(API, json=base, headers=agent).json()["slug"]
    again = client.post(API, json=base, headers=agent)
    assert again.status_code == 409 and _code(again) == "U018"
    bad_edits = [
        {"title_en": "  "},
        {"title_en": None},
        {"status": "deleted"},
        {"body_zh": "长" * 20_001},
        {"slug": "renamed"},
        {"version": 0},
        {},
    ]
    for body in bad_edits:
        r = client.patch(f"{API}/{slug}", json=body, headers={**agent, "If-Match": '"1"'})
        assert r.status_code == 400, (body, r.text)
    for if_match in ("*", "abc", '"1", "2"'):
        r = client.patch(
            f"{API}/{slug}", json={"title_en": "x"}, headers={**agent, "If-Match": if_match}
        )
        assert r.status_code == 400, (if_match, r.text)
    unknown = client.patch(
        f"{API}/no-such-article", json={"title_en": "x"}, headers={**agent, "If-Match": '"1"'}
    )
    assert unknown.status_code == 400 and _code(unknown) == "U004"
    row = _row(db, slug)
    assert row is not None and row.version == 1 and row.title_en == base["title_en"]
    assert _audits(db, "helpdesk.kb.update", slug) == []


def test_list_searches_both_languages_and_filters_by_status(
    client: TestClient, staff: dict[str, tuple[str, dict[str, str]]]
) -> None:
    _, agent = staff["agent"]
    word = _word()
    zh_word = f"蓝鲸{secrets.token_hex(2)}"
    draft = client.post(
        API, json=_new(word, body_zh=f"关于{zh_word}的说明。"), headers=agent
    ).json()["slug"]
    everything = client.get(API, headers=agent).json()["articles"]
    slugs = {a["slug"] for a in everything}
    assert draft in slugs and "lost-or-stolen-card" in slugs
    assert [
        a["slug"] for a in client.get(API, params={"q": word}, headers=agent).json()["articles"]
    ] == [draft]
    assert [
        a["slug"] for a in client.get(API, params={"q": zh_word}, headers=agent).json()["articles"]
    ] == [draft]
    drafts = client.get(API, params={"status": "draft"}, headers=agent).json()["articles"]
    assert draft in {a["slug"] for a in drafts}
    assert all(a["status"] == "draft" for a in drafts)
    published = client.get(API, params={"status": "published", "q": "card"}, headers=agent)
    assert "lost-or-stolen-card" in {a["slug"] for a in published.json()["articles"]}
    assert client.get(API, params={"status": "gone"}, headers=agent).status_code == 400
    assert client.get(f"{API}/no-such-article", headers=agent).status_code == 400
