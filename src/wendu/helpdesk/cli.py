"""CLI group ``wendu helpdesk``: run the periodic jobs."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import typer

from wendu.config import get_settings
from wendu.db import Database

app = typer.Typer(
    help="Helpdesk jobs: SLA events, reassignment, surveys, incidents.", no_args_is_help=True
)


@app.command("run-jobs")
def run_jobs(
    once: bool = typer.Option(False, "--once", help="Run every job once and exit."),
    interval: float | None = typer.Option(None, help="Seconds between runs (default: settings)."),
) -> None:
    """Run the helpdesk's periodic jobs (every interval, or once), printing what they did."""
    from wendu.helpdesk.surveys import get_helpdesk_settings
    from wendu.helpdesk.tasks import run_all

    settings = get_settings()
    db = Database(settings.database_url)
    pause = interval if interval is not None else get_helpdesk_settings().jobs_interval_seconds
    try:
        while True:
            report = run_all(db, settings)
            typer.echo(json.dumps(asdict(report), ensure_ascii=False))
            if once:
                return
            time.sleep(pause)
    except KeyboardInterrupt:
        return
    finally:
        db.dispose()
