"""The console speaks the staff member's language everywhere: errors, error pages, reports.

Every error a staff member can meet is shown from the zh/en catalogue (never the API's English
``Message``), unknown failures show a generic message with a reference, and report groups,
drill-downs and tickets show names (staff, teams, categories, customers) instead of ids.
"""

from __future__ import annotations

import ast
import re
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from tests.console.conftest import World, csrf_of, handed_off_chat, login, new_staff, new_team

from wendu.console import failures, repository
from wendu.console.i18n import catalogue, translate
from wendu.db import Database
from wendu.errors import (
    ErrorItem,
    WenduError,
    bad_request,
    conflict,
    missing_field,
    unknown_resource,
)
from wendu.helpdesk import tickets
from wendu.helpdesk.models import Conversation
from wendu.helpdesk.taxonomy import taxonomy
from wendu.identity.models import StaffUser

SRC = Path(__file__).resolve().parents[2] / "src" / "wendu"
CONSOLE = SRC / "console"
LANGS = ("zh", "en")


def _lang(db: Database, username: str, language: str) -> None:
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one()
        user.language = language


def _browser(app, db: Database, role: str, language: str, team_id: str | None = None):  # type: ignore[no-untyped-def]
    _, username = new_staff(db, role, team_id=team_id)
    _lang(db, username, language)
    return login(app, username)


def _other(language: str) -> str:
    return "en" if language == "zh" else "zh"


def _alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    assert match, "no error shown"
    return match.group(1).strip()


def _shows(html: str, key: str, language: str, **values: object) -> None:
    """The page shows the message ``key`` in ``language`` and not in the other language."""
    mine, theirs = translate(language, key, **values), translate(_other(language), key, **values)
    assert mine != theirs, key
    assert mine in html.replace("&#34;", '"').replace("&#39;", "'"), (key, _alert(html))
    assert theirs not in html, key


# Catalogue ---------------------------------------------------------------------------------


def test_locale_files_have_the_same_keys_and_no_empty_text() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en), set(zh) ^ set(en)
    assert all(v.strip() for v in [*zh.values(), *en.values()])
    for key in zh:  # the same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_key_used_in_templates_and_code_exists() -> None:
    known = set(catalogue("en"))
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in (CONSOLE / "templates").glob("*.html"):
        text = path.read_text("utf-8")
        used |= set(re.findall(r"\bt\(\s*'([a-z0-9_.]+)'\s*[,)]", text))
        prefixes |= set(re.findall(r"\bt\(\s*'([a-z0-9_.]+\.)'\s*~", text))
        used |= {f"nav.{k}" for k in re.findall(r"'nav\.([a-z_]+)'\)", text)}
    for path in CONSOLE.glob("*.py"):
        text = path.read_text("utf-8")
        used |= set(re.findall(r'translate\(\s*\w+,\s*"([a-z0-9_.]+)"', text))
    assert used, "no keys found: the pattern is wrong"
    assert not used - known, sorted(used - known)
    for prefix in prefixes:  # every dynamic key family has entries
        assert any(k.startswith(prefix) for k in known), prefix


# The helpers of ``wendu.errors`` a use case raises with ``key=``.
ERROR_HELPERS = frozenset(
    {"bad_request", "conflict", "forbidden", "not_found", "unauthorized", "_err", "ErrorItem"}
)


def _raised_keys() -> dict[str, set[str]]:
    """Every literal ``key="..."`` passed to an error helper in ``src/``, with its files."""
    keys: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            for kw in node.keywords:
                if name not in ERROR_HELPERS or kw.arg != "key":
                    continue
                if isinstance(kw.value, ast.Constant):
                    keys.setdefault(str(kw.value.value), set()).add(path.name)
                else:  # only the helpers themselves pass a key on; use cases name theirs
                    assert path.name == "errors.py", (path, node.lineno)
    return keys


def test_every_key_raised_has_both_texts_and_every_mapped_key_is_raised() -> None:
    zh, en = set(catalogue("zh")), set(catalogue("en"))
    raised = _raised_keys()
    assert len(raised) > 30, "no keys found: the scan is wrong"
    for key in raised:  # a key the console cannot translate is a bug
        assert key in failures.MESSAGES or key == failures.UNKNOWN_KEY, (key, raised[key])
        assert f"error.{key}" in zh and f"error.{key}" in en, key
    dead = set(failures.MESSAGES) - set(raised)  # a key no use case raises any more
    assert not dead, sorted(dead)
    for labels in failures.MESSAGES.values():
        for _, prefix in labels:
            assert prefix is None or any(k.startswith(prefix) for k in en), prefix
    names = set(failures.MESSAGES) | set(failures.BY_CODE.values())
    names |= set(failures.BY_STATUS.values()) | {f"unknown.{k}" for k in failures.UNKNOWN_KINDS}
    names |= {"generic", "generic_ref", "unknown_resource", "reference", "back"}
    names |= {f"title.{status}" for status in (400, 401, 403, 404, 409, 422, 429, 500)}
    messages = {f"error.{n}" for n in names}
    assert not messages - en, sorted(messages - en)
    unused = {k for k in en if k.startswith("error.")} - messages  # no dead locale entries
    assert not unused, sorted(unused)


def test_a_key_and_its_arguments_never_reach_the_ob_body() -> None:
    message = "a new ticket cannot become closed"
    keyed = conflict(message, key="ticket_transition", args={"from": "new", "to": "closed"})
    assert keyed.body("ref-1") == conflict(message).body("ref-1")
    assert keyed.items[0].args == {"from": "new", "to": "closed"}
    assert keyed.body("ref-1") == {
        "Code": "409 Conflict",
        "Id": "ref-1",
        "Message": message,
        "Errors": [{"ErrorCode": "U018", "Message": message}],
    }
    assert missing_field("Data").body("r") == {
        "Code": "400 BadRequest",
        "Id": "r",
        "Message": "Data is required",
        "Errors": [{"ErrorCode": "U001", "Message": "Data is required", "Path": "Data"}],
    }


@pytest.mark.parametrize(
    ("error", "name", "args"),
    [
        (
            bad_request("write a reply or pick a canned response", path="body", key="reply_empty"),
            "reply_empty",
            (),
        ),
        (
            conflict(
                "a resolved ticket cannot become pending_customer",
                key="ticket_transition",
                args={"from": "resolved", "to": "pending_customer"},
            ),
            "ticket_transition",
            ("resolved", "pending_customer"),
        ),
        (
            conflict(
                "the article is at version 3, not 2; reload it and apply the edit again",
                key="kb_stale",
                args={"version": 3},
            ),
            "kb_stale",
            ("3",),
        ),
        (unknown_resource("team"), "unknown.team", ()),
        (unknown_resource("gizmo"), "unknown_resource", ()),
        (bad_request("something nobody mapped"), "invalid_value", ()),
        # the English wording alone no longer selects a message: only the key does
        (conflict("the conversation is closed"), "conflict", ()),
        (bad_request("username is required", code="U001"), "missing_field", ()),
        (missing_field("username"), "missing_field", ()),  # a field without a label
        (missing_field("title_en"), "field_required", ("title_en",)),
        (
            bad_request(
                "title_en must not be empty",
                path="title_en",
                key="field_required",
                args={"field": "title_en"},
            ),
            "field_required",
            ("title_en",),
        ),
        (  # a value that is not a known label is never shown
            bad_request("x", key="ticket_transition", args={"from": "Frozen!", "to": "open"}),
            "invalid_value",
            (),
        ),
        (WenduError(400, [ErrorItem("U012", "Insufficient funds")]), "generic", ()),
        (WenduError(500, [ErrorItem("U019", "boom at line 12")]), "generic", ()),
    ],
)
def test_errors_map_to_message_names(error: WenduError, name: str, args: tuple[str, ...]) -> None:
    problem = failures.problem_of(error, "0f6c1a2e-1111-4222-8333-444455556666")
    assert (problem.name, problem.args) == (name, args)
    for language in LANGS:
        text = problem.message(language)
        assert error.items[0].message not in text
        if name == "generic":
            assert "0f6c1a2e-1111-4222-8333-444455556666" in text


def test_a_crafted_link_cannot_put_words_on_the_page() -> None:
    class Query(dict[str, list[str]]):
        def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
            return self[key][0] if key in self else default

        def getlist(self, key: str) -> list[str]:
            return self.get_all(key)

        def get_all(self, key: str) -> list[str]:
            return dict.get(self, key, [])

    generic = translate("zh", "error.generic")
    for query in (
        {"error": ["<script>alert(1)</script>"]},
        {"error": ["ticket_transition"], "arg": ["Your account is frozen", "open"]},
        {"error": ["kb_stale"], "arg": ["call 555"]},
        {"error": ["generic"], "ref": ["call us at 555 now"]},
        {"error": ["title.404"]},
        {"error": ["generic_ref"]},
    ):
        assert failures.flash_message(Query(query), "zh") == generic


# Errors on pages, both languages -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
def test_reply_without_text_and_unknown_team_are_shown_translated(
    app, db: Database, world: World, language: str
) -> None:  # type: ignore[no-untyped-def]
    conv_id = handed_off_chat(db, world.team_a, world.customer_id, "查询余额", "余额")
    b = _browser(app, db, "agent", language, team_id=world.team_a)
    page = b.get(f"/console/conversations/{conv_id}").text
    token = csrf_of(page)
    empty = b.post(
        f"/console/conversations/{conv_id}/messages", data={"body": "  ", "csrf_token": token}
    )
    assert empty.status_code == 200
    _shows(empty.text, "error.reply_empty", language)
    assert "write a reply or pick a canned response" not in empty.text
    gone = b.post(
        f"/console/conversations/{conv_id}/transfer",
        data={"target": "team:t_nosuchteam", "csrf_token": token},
    )
    _shows(gone.text, "error.unknown.team", language)
    assert "team id is not valid" not in gone.text


def test_an_agent_who_transfers_to_another_team_lands_on_the_inbox(
    app, db: Database, world: World
) -> None:  # type: ignore[no-untyped-def]
    conv_id = handed_off_chat(db, world.team_a, world.customer_id, "请转给B组", "转组")
    b = _browser(app, db, "agent", "zh", team_id=world.team_a)
    token = csrf_of(b.get(f"/console/conversations/{conv_id}").text)
    r = b.post(
        f"/console/conversations/{conv_id}/transfer",
        data={"target": f"team:{world.team_b}", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/inbox?done=ok"
    assert b.get(r.headers["location"]).status_code == 200


@pytest.mark.parametrize("language", LANGS)
def test_ticket_status_change_not_allowed_is_translated(
    app, db: Database, world: World, language: str
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ticket_id = tickets.create_ticket(
            s, subject="状态测试", channel="email", team_id=world.team_a, suggest=False
        ).id
    b = _browser(app, db, "supervisor", language)
    token = csrf_of(b.get(f"/console/tickets/{ticket_id}").text)
    r = b.post(
        f"/console/tickets/{ticket_id}/status", data={"status": "closed", "csrf_token": token}
    )
    assert r.status_code == 200
    values = {"a0": translate(language, "tstatus.new"), "a1": translate(language, "tstatus.closed")}
    _shows(r.text, "error.ticket_transition", language, **values)
    assert "a new ticket cannot become closed" not in r.text
    # a form with a field missing is a translated 422 page, not the API's JSON
    bad = b.post(f"/console/tickets/{ticket_id}/status", data={"csrf_token": token})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    _shows(bad.text, "error.invalid_form", language)


@pytest.mark.parametrize("language", LANGS)
def test_stale_article_save_and_duplicate_slug_are_translated(
    app, db: Database, language: str
) -> None:  # type: ignore[no-untyped-def]
    b = _browser(app, db, "supervisor", language)
    slug = f"i18n-{secrets.token_hex(4)}"
    form = {
        "slug": slug,
        "category": "cards",
        "title_zh": "甲",
        "title_en": "A",
        "body_zh": "甲。",
        "body_en": "A.",
        "tags": "",
        "status": "draft",
    }
    listing = b.get("/console/kb").text
    assert b.post("/console/kb", data={**form, "csrf_token": csrf_of(listing)}).status_code == 200
    again = b.post("/console/kb", data={**form, "csrf_token": csrf_of(listing)})
    assert again.status_code == 409
    _shows(again.text, "error.kb_slug_taken", language)
    assert f"an article with slug '{slug}' exists" not in again.text
    fields = {
        "title_zh": "乙",
        "title_en": "B",
        "body_zh": "乙。",
        "body_en": "B.",
        "status": "draft",
    }
    token = csrf_of(b.get(f"/console/kb/{slug}").text)
    assert (
        b.post(
            f"/console/kb/{slug}", data={**fields, "version": "1", "csrf_token": token}
        ).status_code
        == 200
    )
    stale = b.post(f"/console/kb/{slug}", data={**fields, "version": "1", "csrf_token": token})
    _shows(stale.text, "error.kb_stale", language, a0=2)
    assert re.search(r'id="kb-editor" title="supervisor_\w+">supervisor \w{4}</span>', stale.text)
    assert "reload it and apply the edit again" not in stale.text


@pytest.mark.parametrize("language", LANGS)
def test_forbidden_unknown_and_not_found_pages_are_translated(
    app, db: Database, world: World, language: str
) -> None:  # type: ignore[no-untyped-def]
    agent = _browser(app, db, "agent", language, team_id=world.team_a)
    reports = agent.get("/console/reports")
    assert reports.status_code == 403 and reports.headers["content-type"].startswith("text/html")
    _shows(reports.text, "error.title.403", language)
    _shows(reports.text, "error.reports_forbidden", language)
    assert "Reports are for" not in reports.text if language == "zh" else True
    other = agent.get(f"/console/tickets/{world.ticket_b}")
    assert other.status_code == 400 and "team B ticket" not in other.text
    _shows(other.text, "error.unknown.ticket", language)
    missing = agent.get("/console/no-such-page")
    assert missing.status_code == 404
    _shows(missing.text, "error.title.404", language)
    _shows(missing.text, "error.page_not_found", language)
    auditor = _browser(app, db, "auditor", language)
    token = csrf_of(auditor.get("/console/inbox").text)
    refused = auditor.post(
        f"/console/tickets/{world.ticket_a}/status", data={"status": "open", "csrf_token": token}
    )
    assert refused.status_code == 403
    _shows(refused.text, "error.read_only", language)
    forged = auditor.post("/console/presence", data={"presence": "online", "csrf_token": "x"})
    assert forged.status_code == 403
    _shows(forged.text, "error.csrf", language)


@pytest.mark.parametrize("language", LANGS)
def test_login_failure_and_forged_login_follow_the_language_cookie(
    app, db: Database, language: str
) -> None:  # type: ignore[no-untyped-def]
    browser = TestClient(app)
    browser.cookies.set("wendu_lang", language)
    page = browser.get("/console/login").text
    _, username = new_staff(db, "agent")
    wrong = browser.post(
        "/console/login",
        data={"username": username, "password": "not it at all", "csrf_token": csrf_of(page)},
    )
    assert wrong.status_code == 401
    _shows(wrong.text, "login.failed", language)
    forged = browser.post(
        "/console/login", data={"username": username, "password": "x", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    _shows(forged.text, "error.csrf", language)


@pytest.mark.parametrize("language", LANGS)
def test_an_unexpected_failure_is_a_generic_page_with_a_reference(
    app, db: Database, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:  # type: ignore[no-untyped-def]
    def explode(session: object) -> None:
        raise RuntimeError("secret-internal-detail in overview")

    b = _browser(app, db, "supervisor", language)
    monkeypatch.setattr(repository, "overview", explode)
    r = b.get("/console")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    reference = r.headers["x-fapi-interaction-id"]
    _shows(r.text, "error.title.500", language)
    _shows(r.text, "error.generic_ref", language, ref=reference)
    assert "secret-internal-detail" not in r.text and "Traceback" not in r.text


def test_an_unmapped_business_error_redirects_with_a_reference(
    app, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from wendu.helpdesk import actions

    def refuse(*args: object, **kwargs: object) -> None:
        raise WenduError(400, [ErrorItem("U012", "Insufficient funds in ledger acc_123")])

    b = _browser(app, db, "supervisor", "en")
    token = csrf_of(b.get(f"/console/tickets/{world.ticket_a}").text)
    monkeypatch.setattr(actions, "accept_suggestion", refuse)
    r = b.post(
        f"/console/tickets/{world.ticket_a}/accept-suggestion",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    reference = r.headers["x-fapi-interaction-id"]
    assert f"ref={reference}" in r.headers["location"]
    page = b.get(r.headers["location"]).text
    _shows(page, "error.generic_ref", "en", ref=reference)
    assert "acc_123" not in page and "Insufficient" not in page


def test_the_rest_api_keeps_its_english_ob_error_body(client: TestClient) -> None:
    r = client.get("/helpdesk/v1/tickets")
    assert r.status_code == 401
    body = r.json()
    assert body["Errors"][0]["ErrorCode"] == "U014" and body["Message"]
    missing = client.get("/open-banking/v4.0/aisp/no-such-thing")
    assert missing.status_code == 404 and missing.json()["Errors"][0]["ErrorCode"] == "U004"


# Names instead of ids ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def named(db: Database, world: World) -> dict[str, str]:
    """A team, an agent and a categorised ticket with a conversation, all with unique names."""
    tag = secrets.token_hex(3)
    team_id = new_team(db, f"Ops{tag}")
    agent_id, _ = new_staff(db, "agent", team_id=team_id)
    category = next(iter(taxonomy()))
    conv_id = handed_off_chat(db, team_id, world.customer_id, "名字测试", f"subject-{tag}")
    with db.session() as s:
        conv = s.get(Conversation, conv_id)
        assert conv is not None
        conv.assignee_id, conv.status = agent_id, "assigned"
        name = s.get(StaffUser, agent_id).display_name  # type: ignore[union-attr]
        ticket = tickets.create_ticket(
            s,
            subject=f"named ticket {tag}",
            customer_id=world.customer_id,
            conversation=conv,
            team_id=team_id,
            category=category.code,
            suggest=False,
        )
        ticket_id = ticket.id
    return {
        "tag": tag,
        "team": team_id,
        "agent": agent_id,
        "agent_name": name,
        "category": category.code,
        "conv": conv_id,
        "ticket": ticket_id,
    }


def _cells(html: str) -> list[str]:
    return re.findall(r"<td(?: title=\"[^\"]*\")?>([^<]*)</td>", html)


@pytest.mark.parametrize("language", LANGS)
def test_reports_show_staff_team_and_category_names_not_ids(
    app, db: Database, named: dict[str, str], language: str
) -> None:  # type: ignore[no-untyped-def]
    b = _browser(app, db, "supervisor", language)
    team_name = f"Ops{named['tag']}组" if language == "zh" else f"Ops{named['tag']} team"
    other_name = f"Ops{named['tag']} team" if language == "zh" else f"Ops{named['tag']}组"
    category = taxonomy().get(named["category"])
    expected = {
        "team": (team_name, named["team"], other_name),
        "agent": (named["agent_name"], named["agent"], None),
        "category": (category.label(language), named["category"], category.label(_other(language))),
    }
    for by, (name, raw_id, wrong) in expected.items():
        page = b.get(f"/console/reports?by={by}").text
        cells = _cells(page)
        assert name in cells, (by, name)
        assert raw_id not in cells, (by, raw_id)
        assert f'title="{raw_id}"' in page  # the id is still there for whoever needs it
        if wrong and wrong != name:
            assert wrong not in cells, (by, wrong)
        chart = re.search(r'id="chart-response">(.*?)</section>', page, re.S)
        assert chart and name in chart.group(1)
    drill = b.get(f"/console/reports/drill?metric=conversations&by=team&key={named['team']}").text
    assert f'<span id="drill-key" title="{named["team"]}">{team_name}</span>' in drill
    assert f"subject-{named['tag']}" in drill


@pytest.mark.parametrize("language", LANGS)
def test_ticket_page_shows_the_customer_and_conversation_by_name(
    app, db: Database, named: dict[str, str], language: str
) -> None:  # type: ignore[no-untyped-def]
    b = _browser(app, db, "supervisor", language)
    page = b.get(f"/console/tickets/{named['ticket']}").text
    assert re.search(r'id="ticket-customer" title="cus_[^"]+">林静怡</a>', page)
    assert f"subject-{named['tag']}" in page
    assert taxonomy().get(named["category"]).label(language) in page


def test_group_names_are_looked_up_in_one_query(db: Database, named: dict[str, str]) -> None:
    staff = [new_staff(db, "agent")[0] for _ in range(4)]
    teams = [new_team(db, f"Q{i}") for i in range(4)]
    statements: list[str] = []

    with db.session(write=False) as s:
        engine = s.get_bind()
        own = s.connection()

        # Only this session's connection counts: the session database is shared with
        # servers of other tests whose threads may still be writing audit entries.
        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if conn is own and statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            agents = repository.group_labels(s, "agent", [*staff, "(none)"], "en")
            team_names = repository.group_labels(s, "team", teams, "zh")
            categories = repository.group_labels(s, "category", [named["category"]], "zh")
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len([q for q in statements if "staff" in q.lower()]) == 1
    assert len([q for q in statements if "team" in q.lower()]) == 1
    assert len(statements) == 2  # categories come from the taxonomy, no query
    assert all(agents[i].startswith("agent ") for i in staff)
    assert agents["(none)"] == translate("en", "report.none_key")
    assert team_names[teams[0]] == "Q0组"
    assert categories[named["category"]] == taxonomy().get(named["category"]).label("zh")
