"""Warm start: the assistant's models load while the app starts, before it accepts chat.

Loading the NLU encoders, the spelling vocabulary, sentiment and the complaint classifier
takes seconds; done lazily, the first customer after a start waited ~9 s for a reply. With
``WENDU_WARM_START`` on (the default) the app's startup loads them, so uvicorn accepts
connections only once a reply takes milliseconds.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from wendu.config import Settings

log = logging.getLogger(__name__)


def install_warm_start(app: FastAPI) -> None:
    """Load the assistant's models during the app's startup when ``warm_start`` is on."""
    settings: Settings = app.state.settings
    if not settings.warm_start:
        return

    async def warm(_app: FastAPI) -> None:
        from wendu.assistant.channels.service import warm_up

        started = time.perf_counter()
        await run_in_threadpool(warm_up)
        log.info("assistant models loaded in %.1f s", time.perf_counter() - started)

    app.state.on_startup.append(warm)
