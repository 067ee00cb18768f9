"""CLI group: the synthetic sandbox bank — ``wendu demo`` (upgrade, seed, serve) and ``seed``."""

from __future__ import annotations

import json
from datetime import date

import typer

from wendu.config import Settings, advertise_address, get_settings
from wendu.db import Database
from wendu.demo.seed import SeedReport, bank_is_empty, seed_bank, wipe_database

app = typer.Typer(
    help="The synthetic sandbox bank. Without a command: upgrade the database, seed it if it "
    "is empty, print the URLs and a ready-made partner and customer, then serve.",
    invoke_without_command=True,
)


def _sandbox_settings() -> Settings:
    settings = get_settings()
    if settings.is_production:
        typer.echo("error: the sandbox bank is refused when WENDU_ENV=production", err=True)
        raise typer.Exit(code=2)
    return settings


def _seed(
    settings: Settings,
    *,
    customers: int,
    seed: int,
    months: int,
    end: date | None,
    reset: bool,
    progress: bool,
) -> SeedReport | None:
    """Upgrade the schema and seed; return None when the bank already has customers."""
    from wendu.migrate import upgrade

    if reset:
        wipe_database(settings.database_url)
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        if not bank_is_empty(db):
            return None
        return seed_bank(
            db, customers=customers, seed=seed, months=months, end=end, progress=progress
        )
    finally:
        db.dispose()


def _parse_end(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--end") from exc


@app.callback()
def demo(
    ctx: typer.Context,
    customers: int = typer.Option(2000, min=1, max=200_000, help="Customers to seed."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same bank."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Upgrade the database, seed the sandbox bank if it is empty, print a tour and serve."""
    if ctx.invoked_subcommand is not None:
        return
    _sandbox_settings()
    # Links printed, stored (survey links) and served all name the port the demo listens on.
    settings = advertise_address(host, port)
    report = _seed(
        settings,
        customers=customers,
        seed=seed,
        months=12,
        end=None,
        reset=False,
        progress=True,
    )
    if report is None:
        typer.echo("The sandbox bank already has customers; serving it as it is.")
    else:
        typer.echo(
            f"Seeded {report.customers:,} customers, {report.transactions:,} transactions "
            f"in {report.seconds:.1f} s."
        )
    from wendu.demo.helpdesk import ensure_helpdesk_showcase
    from wendu.demo.showcase import ensure_demo_access, ensure_help_articles, tour

    base = settings.public_url.rstrip("/")
    db = Database(settings.database_url)
    try:
        access = ensure_demo_access(db, base)
        if added := ensure_help_articles(db):
            typer.echo(f"Loaded {added} help articles for the assistant and the console.")
        helpdesk = ensure_helpdesk_showcase(db, settings)
        if helpdesk.added:
            typer.echo(
                f"Set up the helpdesk: {helpdesk.teams} teams, {helpdesk.agents} agents, "
                f"{helpdesk.canned} canned responses, {helpdesk.conversations} sample "
                f"conversations and {helpdesk.tickets} tickets."
            )
        from wendu.demo.mentions import ensure_mentions
        from wendu.reputation.router import sentiment_scorer

        heard = ensure_mentions(db, settings, sentiment_scorer(), seed=seed)
        if heard.mentions:
            typer.echo(
                f"Added a year of public mentions: {heard.mentions:,} posts, "
                f"{heard.alerts} reputation alerts."
            )
    finally:
        db.dispose()
    typer.echo(tour(access, base))
    from wendu.cli import serve  # the same server ``wendu serve`` runs

    serve(host=host, port=port, workers=1)


@app.command("seed")
def seed_command(
    customers: int = typer.Option(2000, min=1, max=200_000, help="Customers to create."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same bank."),
    months: int = typer.Option(12, min=1, max=60, help="Months of activity."),
    end: str | None = typer.Option(
        None, help="Last day of activity, YYYY-MM-DD (default: a fixed date, 2026-11-28)."
    ),
    reset: bool = typer.Option(
        False, "--reset", help="Drop every table and rebuild the schema first (all data is lost)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Generate a deterministic sandbox bank: customers, accounts, cards and activity."""
    settings = _sandbox_settings()
    report = _seed(
        settings,
        customers=customers,
        seed=seed,
        months=months,
        end=_parse_end(end),
        reset=reset,
        progress=progress and not as_json,
    )
    if report is None:
        typer.echo(
            "error: the bank already has customers; pass --reset to rebuild it from scratch",
            err=True,
        )
        raise typer.Exit(code=2)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    typer.echo(
        f"Seeded {report.customers:,} customers, {report.accounts:,} accounts, "
        f"{report.transactions:,} transactions ({report.postings:,} postings) "
        f"from {report.start} to {report.end} in {report.seconds:.1f} s.\n"
        f"Sign in as {report.demo_username} / {report.demo_password} "
        f"(every sandbox customer shares this password)."
    )
