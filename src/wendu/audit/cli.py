"""CLI group: verify and read the hash-chained audit trail."""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

from wendu.audit.chain import verify
from wendu.audit.coverage import check_coverage
from wendu.audit.models import AuditEntry
from wendu.config import get_settings
from wendu.db import Database

app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)

_TABLE = AuditEntry.__table__


@app.command("verify")
def verify_command() -> None:
    """Recompute the chain and cross-check it with consents and payments; exit 1 and name
    the first broken entry if it was tampered with, or the rows and requests left unaudited."""
    db = Database(get_settings().database_url)
    try:
        with db.engine.connect() as conn:
            result = verify(conn)
            coverage = check_coverage(conn)
    finally:
        db.dispose()
    if not result.ok:
        typer.echo(
            f"audit chain BROKEN at entry id {result.broken_id}: {result.reason} "
            f"({result.count} entries verified before it)",
            err=True,
        )
        raise typer.Exit(code=1)
    typer.echo(f"audit chain intact: {result.count} entries, head {result.head}")
    counts = ", ".join(f"{n} {name}" for name, n in sorted(coverage.checked.items()))
    if coverage.ok:
        typer.echo(f"every row audited ({counts}); no request has a missing effect record")
        return
    for name, ids in sorted(coverage.unaudited.items()):
        shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
        typer.echo(f"audit GAP: {len(ids)} {name} without an audit record: {shown}", err=True)
    for hole in coverage.holes[:20]:
        typer.echo(f"audit GAP: request {hole} is missing effect records", err=True)
    raise typer.Exit(code=1)


@app.command("tail")
def tail_command(
    n: int = typer.Option(20, "-n", "--lines", min=1, max=10_000, help="Entries to show."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per line."),
) -> None:
    """Print the most recent N entries, oldest first."""
    db = Database(get_settings().database_url)
    try:
        with db.engine.connect() as conn:
            rows = [
                dict(r._mapping)
                for r in conn.execute(select(_TABLE).order_by(_TABLE.c.id.desc()).limit(n))
            ]
    finally:
        db.dispose()
    for row in reversed(rows):
        if as_json:
            row["at"] = row["at"].isoformat()
            typer.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        else:
            who = row["partner_id"] or row["actor_id"] or "-"
            typer.echo(
                f"{row['id']:>8} {row['at']:%Y-%m-%dT%H:%M:%S}Z {row['status_code']} "
                f"{row['latency_ms']:7.1f}ms {row['actor_type']:<9} {who:<24} "
                f"{row['consent_id'] or '-'} {row['action']}"
            )
