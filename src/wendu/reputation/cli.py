"""``wendu reputation``: find bursts in an export of public mentions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer

from wendu.config import get_settings
from wendu.reputation.mentions import read_mentions
from wendu.reputation.monitor import detect as detect_stories

app = typer.Typer(help="Public mentions of the bank: bursts and topics.", no_args_is_help=True)

NEGATIVE_BELOW = -0.3  # a sentiment score under this counts the mention as negative


def negative_scorer() -> Callable[[str], bool]:
    """Return the shared sentiment model's "is this mention negative?"."""
    from wendu.assistant.sentiment import analyse

    return lambda text: analyse(text).score < NEGATIVE_BELOW


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
