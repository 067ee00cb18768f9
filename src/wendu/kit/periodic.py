"""Run a blocking job every N seconds while the app serves (the embedded worker's loops)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from fastapi import FastAPI


def install_periodic(
    app: FastAPI, *, name: str, interval: float, job: Callable[[FastAPI], object]
) -> None:
    """Call ``job(app)`` on a worker thread every ``interval`` seconds from startup until
    shutdown; the task is kept on ``app.state.<name>`` and cancelled at shutdown.

    An exception ``job`` lets out ends the loop, so jobs catch (and log) their own failures.
    """

    async def loop(_app: FastAPI) -> None:
        while True:
            await asyncio.sleep(interval)
            await asyncio.to_thread(job, _app)

    async def start(_app: FastAPI) -> None:
        setattr(_app.state, name, asyncio.create_task(loop(_app)))

    async def stop(_app: FastAPI) -> None:
        task = getattr(_app.state, name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.state.on_startup.append(start)
    app.state.on_shutdown.append(stop)
