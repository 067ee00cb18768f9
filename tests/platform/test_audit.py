"""The audit trail: who called what, hash-chained, append-only, valid under concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from wendu.audit import record
from wendu.audit.chain import GENESIS_HASH, AuditRecord, entry_hash, verify
from wendu.audit.models import AuditEntry
from wendu.audit.writer import AuditWriter
from wendu.db import Database, utcnow
from wendu.migrate import upgrade

PROBE = "/open-banking/v4.0/platform-probe"


def _flush(client: TestClient) -> None:
    client.app.state.audit.flush()  # type: ignore[attr-defined]


def _verify(db: Database) -> tuple[bool, int, int | None]:
    with db.engine.connect() as conn:
        result = verify(conn)
    return result.ok, result.count, result.broken_id


def test_api_call_is_audited_with_partner_consent_status_and_template(
    probe_client: TestClient,
    db: Database,
    make_grant: Callable[..., Any],
    audit_rows: Callable[..., Any],
) -> None:
    grant = make_grant(probe_client.app)  # type: ignore[arg-type]
    iid = str(uuid.uuid4())
    response = probe_client.get(
        f"{PROBE}/accounts/acc_123",
        headers={**grant.headers, "x-fapi-interaction-id": iid},
    )
    assert response.status_code == 200
    _flush(probe_client)

    [entry] = audit_rows(db, interaction_id=iid)
    assert entry.partner_id == grant.partner_id
    assert entry.consent_id == grant.consent_id
    assert entry.customer_id == grant.customer_id
    assert entry.actor_type == "partner"
    assert entry.actor_id == grant.client_id
    assert entry.action == f"GET {PROBE}/accounts/{{account_id}}"
    assert entry.status_code == 200
    assert entry.latency_ms > 0
    assert entry.hash == entry_hash(entry.prev_hash, _columns(entry))


def _columns(entry: AuditEntry) -> dict[str, object]:
    return {c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns}


def test_refused_and_anonymous_calls_are_audited_without_secrets(
    probe_client: TestClient,
    db: Database,
    make_grant: Callable[..., Any],
    audit_rows: Callable[..., Any],
) -> None:
    grant = make_grant(probe_client.app)  # type: ignore[arg-type]
    anonymous = str(uuid.uuid4())
    in_query = str(uuid.uuid4())
    wrong_accept = str(uuid.uuid4())
    assert (
        probe_client.get(
            f"{PROBE}/accounts/a1", headers={"x-fapi-interaction-id": anonymous}
        ).status_code
        == 401
    )
    response = probe_client.get(
        f"{PROBE}/accounts/a1?access_token={grant.token}",
        headers={"x-fapi-interaction-id": in_query},
    )
    assert response.status_code == 400
    assert (
        probe_client.get(
            f"{PROBE}/accounts/a1",
            headers={**grant.headers, "x-fapi-interaction-id": wrong_accept, "Accept": "text/xml"},
        ).status_code
        == 406
    )
    _flush(probe_client)

    [anon] = audit_rows(db, interaction_id=anonymous)
    assert (anon.actor_type, anon.partner_id, anon.status_code) == ("anonymous", None, 401)
    [leaky] = audit_rows(db, interaction_id=in_query)
    assert leaky.status_code == 400
    stored = " ".join(str(v) for v in _columns(leaky).values())
    assert grant.token not in stored and "access_token" not in stored
    [refused] = audit_rows(db, interaction_id=wrong_accept)
    # Refused before routing, yet still attributed to the route template.
    assert (refused.status_code, refused.action) == (406, f"GET {PROBE}/accounts/{{account_id}}")


def test_probes_are_not_audited(
    probe_client: TestClient, db: Database, audit_rows: Callable[..., Any]
) -> None:
    iid = str(uuid.uuid4())
    assert probe_client.get("/ping", headers={"x-fapi-interaction-id": iid}).status_code == 200
    assert probe_client.get("/health", headers={"x-fapi-interaction-id": iid}).status_code == 200
    _flush(probe_client)
    assert audit_rows(db, interaction_id=iid) == []


def test_tampering_with_one_entry_breaks_verification_at_that_entry(
    probe_client: TestClient,
    db: Database,
    make_grant: Callable[..., Any],
    audit_rows: Callable[..., Any],
) -> None:
    grant = make_grant(probe_client.app)  # type: ignore[arg-type]
    iid = str(uuid.uuid4())
    for _ in range(3):
        probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    probe_client.get(
        f"{PROBE}/accounts/a1", headers={**grant.headers, "x-fapi-interaction-id": iid}
    )
    probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    _flush(probe_client)
    [target] = audit_rows(db, interaction_id=iid)
    assert _verify(db)[0]

    # An attacker with database access removes the guard and rewrites one entry; the
    # transaction is rolled back so the shared test database stays intact.
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(
            text("UPDATE audit_log SET status_code = 500 WHERE id = :id"), {"id": target.id}
        )
        result = verify(conn)
        conn.rollback()
    assert not result.ok
    assert result.broken_id == target.id
    assert _verify(db)[0]


def test_audit_log_refuses_update_and_delete(
    probe_client: TestClient, db: Database, make_grant: Callable[..., Any]
) -> None:
    grant = make_grant(probe_client.app)  # type: ignore[arg-type]
    probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    _flush(probe_client)
    for statement in (
        "UPDATE audit_log SET status_code = 200",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_chain_stays_valid_under_concurrent_requests(
    probe_client: TestClient,
    db: Database,
    make_grant: Callable[..., Any],
    audit_rows: Callable[..., Any],
) -> None:
    grants = [make_grant(probe_client.app) for _ in range(4)]  # type: ignore[arg-type]
    statuses: list[int] = []

    def call(index: int) -> None:
        grant = grants[index % len(grants)]
        for _ in range(20):
            statuses.append(
                probe_client.get(f"{PROBE}/accounts/a{index}", headers=grant.headers).status_code
            )

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _flush(probe_client)
    assert statuses == [200] * 160
    for grant in grants:
        assert len(audit_rows(db, consent_id=grant.consent_id)) == 40
    assert _verify(db)[0]


WRITER_SCRIPT = """
import sys
from wendu.audit.chain import AuditRecord
from wendu.audit.writer import AuditWriter
from wendu.db import Database, utcnow

db = Database(sys.argv[1])
writer = AuditWriter(db, interval=0.001)
writer.start()
for i in range(int(sys.argv[3])):
    writer.add(AuditRecord(utcnow(), "system", f"writer {sys.argv[2]}", 200, actor_id=sys.argv[2]))
writer.stop()
db.dispose()
"""


def test_two_writer_processes_extend_one_chain(
    db: Database, tmp_path: Path, audit_rows: Callable[..., Any]
) -> None:
    tag = uuid.uuid4().hex[:12]
    script = tmp_path / "writer.py"
    script.write_text(WRITER_SCRIPT)
    url = db.engine.url.render_as_string(hide_password=False)
    writers = [
        subprocess.Popen([sys.executable, str(script), url, f"{tag}-{n}", "300"]) for n in range(2)
    ]
    # Meanwhile this process appends in transactions of its own, too.
    for _ in range(20):
        with db.session() as s:
            record(s, actor_type="staff", actor_id=f"{tag}-main", action="ticket.close")
    assert [w.wait(timeout=120) for w in writers] == [0, 0]

    for actor, expected in ((f"{tag}-0", 300), (f"{tag}-1", 300), (f"{tag}-main", 20)):
        assert len(audit_rows(db, actor_id=actor)) == expected
    ok, count, broken = _verify(db)
    assert ok, f"chain broken at {broken}"
    assert count >= 620


def test_record_is_part_of_the_callers_transaction(
    db: Database, audit_rows: Callable[..., Any]
) -> None:
    tag = uuid.uuid4().hex
    with pytest.raises(RuntimeError), db.session() as s:
        record(s, actor_type="staff", actor_id=tag, action="complaint.close")
        raise RuntimeError("the use case failed")
    assert audit_rows(db, actor_id=tag) == []
    with db.session() as s:
        entry = record(
            s, actor_type="staff", actor_id=tag, action="complaint.close", detail={"n": 1}
        )
    [row] = audit_rows(db, actor_id=tag)
    assert (row.action, row.detail, row.at) == ("complaint.close", {"n": 1}, entry.at)


def test_writer_keeps_records_while_the_database_is_down() -> None:
    down = Database("postgresql://postgres@127.0.0.1:1/nowhere")
    writer = AuditWriter(down)
    writer.add(AuditRecord(utcnow(), "system", "probe", 200))
    with pytest.raises(DBAPIError):
        writer.flush()
    assert writer.pending() == 1
    down.dispose()


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WENDU_DATABASE_URL": url}
    wendu = Path(sys.executable).with_name("wendu")
    return subprocess.run(
        [str(wendu), "audit", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_cli_verify_and_tail(tmp_path: Path) -> None:
    # A database of its own: this test commits a tampered row.
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade(url)
    own = Database(url)
    with own.session() as s:
        for n in range(5):
            record(s, actor_type="system", action=f"step {n}", detail={"n": n})
    ok = _cli(url, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "5 entries" in ok.stdout

    tail = _cli(url, "tail", "-n", "2", "--json")
    assert tail.returncode == 0
    assert [line.count('"action": "step') for line in tail.stdout.splitlines()] == [1, 1]
    assert '"step 4"' in tail.stdout.splitlines()[-1]

    with own.engine.begin() as conn:
        third = conn.execute(select(func.min(AuditEntry.id) + 2)).scalar_one()
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET action = 'step X' WHERE id = :id"), {"id": third})
    own.dispose()
    broken = _cli(url, "verify")
    assert broken.returncode == 1
    assert f"entry id {third}" in broken.stderr


def test_genesis_entry_links_to_zeros(tmp_path: Path, audit_rows: Callable[..., Any]) -> None:
    url = f"sqlite:///{tmp_path / 'genesis.db'}"
    upgrade(url)
    own = Database(url)
    with own.session() as s:
        first = record(s, actor_type="system", action="start")
    [row] = audit_rows(own)
    assert row.prev_hash == GENESIS_HASH
    assert row.at == first.at
    own.dispose()
