"""Background jobs of events: the embedded delivery worker inside ``wendu serve``."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from wendu.config import Settings
from wendu.events.worker import BackgroundWorker, Worker


def install_worker(app: FastAPI) -> None:
    """Run the delivery worker in this process while the app serves, when configured to."""
    settings: Settings = app.state.settings
    if not settings.run_worker_in_process:
        return
    runner = BackgroundWorker(Worker(app.state.db, settings, keyring=app.state.keyring))

    async def start(_app: FastAPI) -> None:
        runner.start()
        _app.state.events_worker = runner

    async def stop(_app: FastAPI) -> None:
        # Joining may wait for in-flight HTTP calls; keep the event loop free meanwhile.
        await asyncio.to_thread(runner.stop)

    app.state.on_startup.append(start)
    app.state.on_shutdown.append(stop)
