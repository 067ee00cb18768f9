"""The ``wendu`` command: one entry point whose groups live beside their domains."""

from __future__ import annotations

import importlib
import logging

import typer

from wendu.config import advertise_address, get_settings

app = typer.Typer(
    help="wendu (温度): open banking platform with customer service built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

# (group name, module exposing a Typer ``app``)
GROUPS: tuple[tuple[str, str], ...] = (
    ("partner", "wendu.identity.partner_cli"),
    ("sandbox", "wendu.identity.sandbox_cli"),
    ("demo", "wendu.demo.cli"),
    ("audit", "wendu.audit.cli"),
    ("staff", "wendu.identity.staff_cli"),
    ("events", "wendu.events.cli"),
    ("nlu", "wendu.assistant.nlu.cli"),
    ("helpdesk", "wendu.helpdesk.cli"),
    ("knowledge", "wendu.assistant.knowledge.cli"),
    ("assistant", "wendu.assistant.stories.cli"),
    ("reputation", "wendu.reputation.cli"),
)

for _name, _module in GROUPS:
    app.add_typer(importlib.import_module(_module).app, name=_name)
app.command("chat")(importlib.import_module("wendu.assistant.chat_cli").chat)


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Argument("heads", help="Target revision (default: every head)."),
) -> None:
    """Apply migrations to the database in WENDU_DATABASE_URL."""
    from wendu.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo("database is up to date")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Revert migrations down to REVISION."""
    from wendu.migrate import downgrade

    downgrade(get_settings().database_url, revision)


@db_app.command("revision")
def db_revision(
    message: str = typer.Option(..., "--message", "-m", help="What the migration does."),
    head: str = typer.Option("heads", help="Branch head to build on, e.g. 0001."),
) -> None:
    """Generate a migration from the difference between the models and the database."""
    from wendu.migrate import revision

    revision(get_settings().database_url, message, head=head)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="Server processes (the worker runs in the first)."),
) -> None:
    """Serve the API, the console and (embedded default) the background worker.

    The server advertises its own address (``http://HOST:PORT``) unless ``WENDU_PUBLIC_URL``
    is set, e.g. to the address of a reverse proxy in front of it.
    """
    import uvicorn

    settings = advertise_address(host, port)
    logging.basicConfig(level=settings.log_level)
    uvicorn.run(
        "wendu.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@app.command("worker")
def worker(
    once: bool = typer.Option(False, "--once", help="Exit when nothing is due."),
    concurrency: int = typer.Option(0, help="Parallel deliveries (default from settings)."),
) -> None:
    """Deliver event notifications (run any number of these against one PostgreSQL)."""
    from wendu.events.cli import run_worker

    run_worker(once=once, concurrency=concurrency or None)


def main() -> None:
    """Run the command line."""
    app()


if __name__ == "__main__":
    main()
