"""``wendu reputation``: find bursts in an export of public mentions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import typer

from wendu.config import get_settings
from wendu.reputation.mentions import read_mentions
from wendu.reputation.monitor import detect as detect_stories
from wendu.reputation.service import NEGATIVE_BELOW

app = typer.Typer(help="Public mentions of the bank: bursts and topics.", no_args_is_help=True)


def negative_scorer() -> Callable[[str], bool]:
    """Return the shared sentiment model's "is this mention negative?"."""
    from wendu.reputation.router import sentiment_scorer

    score = sentiment_scorer()
    return lambda text: score(text) < NEGATIVE_BELOW


@app.command("import")
def import_file(
    location: str = typer.Argument(..., help="A file (or, for feeds, an http(s) URL)."),
    kind: str = typer.Option(
        "mentions", help="mentions (JSONL/CSV export) | feed (RSS or Atom) | app-reviews (CSV)."
    ),
    source: str | None = typer.Option(None, help="Source name for feeds and reviews."),
    batch: int = typer.Option(500, min=1, max=5000, help="Mentions stored per transaction."),
) -> None:
    """Import mentions into the database (idempotent: known mentions are skipped)."""
    from rich.progress import Progress

    from wendu.db import Database
    from wendu.reputation.router import sentiment_scorer
    from wendu.reputation.service import ingest

    settings = get_settings()
    rows = _raw_rows(location, kind, source)
    db = Database(settings.database_url)
    created = duplicates = 0
    bad: list[str] = []
    scorer = sentiment_scorer()
    with Progress() as progress:
        task = progress.add_task("importing", total=len(rows))
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            with db.session() as session:
                report = ingest(
                    session, [r for _, r in chunk], secret=settings.secret_key, sentiment=scorer
                )
            created += report.created
            duplicates += report.duplicates
            bad += [f"line {chunk[b['index']][0]}: {b['reason']}" for b in report.bad]
            progress.advance(task, len(chunk))
    db.dispose()
    for line in bad[:20]:
        typer.echo(f"{line} (skipped)", err=True)
    typer.echo(f"{created} imported, {duplicates} already known, {len(bad)} bad rows")


def _raw_rows(location: str, kind: str, source: str | None) -> list[tuple[int, dict[str, Any]]]:
    from wendu.reputation.connectors import read_any
    from wendu.reputation.mentions import raw_rows

    if kind != "mentions":
        try:
            return read_any(location, kind, source=source)
        except (OSError, ValueError, httpx.HTTPError) as exc:
            typer.echo(f"cannot read {location}: {exc}", err=True)
            raise typer.Exit(2) from exc
    path = Path(location)
    if not path.is_file():
        typer.echo(f"no such file: {location}", err=True)
        raise typer.Exit(2)
    rows, unreadable = raw_rows(path)
    for row in unreadable[:20]:
        typer.echo(f"line {row.line}: {row.reason} (skipped)", err=True)
    return rows


@app.command("run-detection")
def run_detection_command() -> None:
    """Run the detection job once now and print what it raised, updated and closed."""
    from wendu.db import Database
    from wendu.reputation.tasks import detect_once

    settings = get_settings()
    db = Database(settings.database_url)
    run = detect_once(db, settings)
    db.dispose()
    typer.echo(json.dumps({"raised": run.raised, "updated": run.updated, "closed": run.closed}))


@app.command("detect")
def detect(
    file: Path = typer.Option(..., "--file", exists=True, dir_okay=False, help="JSONL or CSV."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    strict: bool = typer.Option(False, help="Refuse the file if any row is bad."),
) -> None:
    """Run the burst detector over a file of mentions and print the alerts."""
    settings = get_settings()
    mentions, bad = read_mentions(file)
    for row in bad[:20]:
        typer.echo(f"line {row.line}: {row.reason} (skipped)", err=True)
    if len(bad) > 20:
        typer.echo(f"... and {len(bad) - 20} more bad rows", err=True)
    if bad and strict:
        raise typer.Exit(2)
    found = detect_stories(
        mentions,
        timezone=settings.timezone,
        country=settings.country,
        negative=negative_scorer(),
    )
    if as_json:
        typer.echo(
            json.dumps(
                {"mentions": len(mentions), "bad_rows": len(bad),
                 "alerts": [s.as_dict() for s in found]},
                ensure_ascii=False,
            )
        )  # fmt: skip
        return
    typer.echo(f"{len(mentions)} mentions, {len(bad)} bad rows, {len(found)} alerts")
    for story in found:
        end = story.end.isoformat() if story.end else "ongoing"
        typer.echo(
            f"- {story.topic}: {story.start.isoformat()} → {end}, peak {story.peak.isoformat()}, "
            f"{story.observed:.0f} mentions vs {story.expected:.1f} expected "
            f"({', '.join(story.signals)})"
        )
