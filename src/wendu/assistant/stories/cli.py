"""``wendu assistant test``: run conversation stories against a fresh demo bank."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(help="The assistant: conversation tests.", no_args_is_help=True)


@app.command("test")
def test(
    stories: Path = typer.Option(
        None, "--stories", help="Folder (or file) of story YAML; default: the shipped stories."
    ),
    only: str | None = typer.Option(
        None, "--only", help="Only story ids matching this glob (comma-separated globs)."
    ),
    sample: bool = typer.Option(False, "--sample", help="Only the stories marked sample."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="Leave the transcripts out."),
) -> None:
    """Play each story through the chat API on a fresh demo bank and check its outcome.

    Prints task success per language and per flow (and overall), FAQ top-1 article accuracy,
    and every failed story with the failing check and its transcript. Exit code 1 when a
    story failed.
    """
    from wendu.assistant.stories.format import StoryError, load_stories, shipped_stories_dir
    from wendu.assistant.stories.report import as_json as report_json
    from wendu.assistant.stories.report import as_text
    from wendu.assistant.stories.runner import Outcome, run_stories

    try:
        chosen = load_stories(stories or shipped_stories_dir(), only, sample_only=sample)
    except (StoryError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    if not chosen:
        typer.echo("error: no story matches", err=True)
        raise typer.Exit(code=2)

    def progress(outcome: Outcome) -> None:
        mark = "." if outcome.passed else "F"
        sys.stderr.write(mark)
        sys.stderr.flush()

    outcomes = run_stories(chosen, progress=progress)
    sys.stderr.write("\n")
    if as_json:
        typer.echo(json.dumps(report_json(outcomes), ensure_ascii=False, indent=1))
    else:
        typer.echo(as_text(outcomes, transcripts=not quiet))
    if not all(o.passed for o in outcomes):
        raise typer.Exit(code=1)
