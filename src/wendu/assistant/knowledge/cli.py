"""CLI group ``wendu knowledge``: load the shipped help articles and search them."""

from __future__ import annotations

import json

import typer

from wendu.config import get_settings
from wendu.db import Database

app = typer.Typer(help="The assistant's knowledge base of help articles.", no_args_is_help=True)


@app.command("load")
def load() -> None:
    """Insert the shipped articles that are missing (staff edits are kept)."""
    from wendu.assistant.knowledge.service import load_shipped

    db = Database(get_settings().database_url)
    try:
        with db.session() as session:
            added = load_shipped(session)
    finally:
        db.dispose()
    typer.echo(f"{added} articles added")


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="A question or keywords."),
    lang: str = typer.Option("zh", help="Language of the titles shown: zh or en."),
    limit: int = typer.Option(5, help="How many results."),
) -> None:
    """Search the knowledge base and print JSON lines."""
    from wendu.assistant.knowledge.search import search

    db = Database(get_settings().database_url)
    try:
        with db.session(write=False) as session:
            for hit in search(session, query, lang, limit=limit):
                typer.echo(json.dumps(hit.__dict__, ensure_ascii=False))
    finally:
        db.dispose()
