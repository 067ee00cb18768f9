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
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from wendu.config import Settings
from wendu.db import Database

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
        await run_in_threadpool(_warm_knowledge, _app.state.db)
        log.info("assistant models loaded in %.1f s", time.perf_counter() - started)

    app.state.on_startup.append(warm)


def _warm_knowledge(db: Database) -> None:
    """Build the knowledge index and its passage embeddings (the first FAQ took ~0.8 s)."""
    from wendu.assistant.knowledge.search import prepare

    try:
        with db.session(write=False) as session:
            prepare(session)
    except SQLAlchemyError:  # no knowledge table yet: the first question builds it
        log.warning("knowledge index not prepared at start", exc_info=True)
