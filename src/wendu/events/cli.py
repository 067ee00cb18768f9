"""CLI group ``wendu events`` and the ``wendu worker`` entry point."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType

import typer

from wendu.config import get_settings
from wendu.db import Database, utcnow
from wendu.events import service
from wendu.events.models import EventDelivery
from wendu.events.repository import DeliveryRepository
from wendu.events.worker import Worker

app = typer.Typer(help="Event outbox, deliveries and dead letters.", no_args_is_help=True)


def run_worker(*, once: bool, concurrency: int | None) -> int:
    """Run the delivery worker until SIGINT/SIGTERM (or until idle with ``once``)."""
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    db = Database(settings.database_url)
    worker = Worker(db, settings, concurrency=concurrency)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # The worker also pays scheduled payments and standing-order instalments that fall due.
    from wendu.openbanking.pisp.tasks import run_until

    payments = threading.Thread(
        target=run_until, args=(db, settings, stop), name="wendu-pisp-executor", daemon=True
    )
    if not once:
        payments.start()
    try:
        return worker.run(stop, once=once)
    finally:
        stop.set()
        if payments.is_alive():
            payments.join(30)
        worker.close()
        db.dispose()


@app.command("deliveries")
def deliveries(
    status: str = typer.Option("dead", help="pending | delivered | dead | acked | rejected"),
    limit: int = typer.Option(50, help="How many, newest first."),
) -> None:
    """List deliveries in a status, with their attempt log summary."""
    db = Database(get_settings().database_url)
    with db.session(write=False) as session:
        for d in DeliveryRepository(session).by_status(status, limit):
            typer.echo(
                f"{d.id}\t{d.event_id}\t{d.partner_id}\t{d.mode}\t{d.status}\t"
                f"attempts={d.attempts}\tlast={d.last_status_code or d.last_error or '-'}"
            )
    db.dispose()


@app.command("redeliver")
def redeliver(delivery_id: str = typer.Argument(..., help="A dead delivery's id.")) -> None:
    """Put a dead-lettered delivery back in the queue with a fresh set of attempts.

    Attempt numbers restart at 1; the log keeps every earlier attempt in order.
    """
    db = Database(get_settings().database_url)
    with db.session() as session:
        delivery = session.get(EventDelivery, delivery_id)
        if delivery is None or delivery.status != "dead":
            typer.echo("no dead delivery with that id", err=True)
            raise typer.Exit(1)
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        delivery.completed_at = None
    db.dispose()
    typer.echo(f"{delivery_id} queued again")


@app.command("purge")
def purge(
    days: int = typer.Option(30, min=1, help="Keep finished work younger than this."),
) -> None:
    """Delete finished deliveries, their attempt log and fully delivered events."""
    db = Database(get_settings().database_url)
    with db.session() as session:
        deliveries, events = service.purge(session, older_than=timedelta(days=days))
    db.dispose()
    typer.echo(f"deleted {deliveries} deliveries and {events} events")
