"""The application factory: one FastAPI app serving the open API, customer pages and console."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from wendu import __version__
from wendu.apidocs import install_api_docs
from wendu.assistant.channels.warm import install_warm_start
from wendu.config import Settings, get_settings
from wendu.db import Database
from wendu.events.tasks import install_worker as install_events_worker
from wendu.helpdesk.tasks import install_jobs as install_helpdesk_jobs
from wendu.identity.keys import KeyRing
from wendu.openbanking.pisp.tasks import install_executor as install_payment_executor
from wendu.openbanking.response_signing import ResponseSigningMiddleware
from wendu.reputation.tasks import install_detection as install_reputation_detection
from wendu.web import install_platform, register_error_handlers

# Each module exposes ``router``; order only matters for overlapping paths.
ROUTER_MODULES: tuple[str, ...] = (
    "wendu.health",
    "wendu.identity.router",
    "wendu.identity.pages",
    "wendu.openbanking.router",
    "wendu.openbanking.pisp.router",
    "wendu.openbanking.cbpii.router",
    "wendu.console.router",
    "wendu.events.router",
    "wendu.helpdesk.router",
    "wendu.assistant.flows.router",
    "wendu.assistant.channels.router",
    "wendu.assistant.knowledge.router",
    "wendu.assistant.knowledge.staff_router",
    "wendu.reputation.router",
)


def _routers() -> list[APIRouter]:
    routers = []
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        routers.append(module.router)
    return routers


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment by default)."""
    settings = settings or get_settings()
    db = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with db.session() as session:
            app.state.keyring.active(session)
            app.state.keyring.response_key(session)  # published in the JWKS from the start
        for start in app.state.on_startup:
            await start(app)
        try:
            yield
        finally:
            for stop in reversed(app.state.on_shutdown):
                await stop(app)
            if database is None:
                db.dispose()

    app = FastAPI(
        title="wendu open banking API",
        version=__version__,
        description="UK Open Banking v4 APIs, OAuth2 and the customer-service platform of "
        f"{settings.bank_name}.",
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN; wendu.apidocs serves /docs.
        docs_url=None,
        redoc_url=None,
        # WENDU_API_DOCS=false serves neither the schema nor the pages that render it.
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.keyring = KeyRing()
    app.state.on_startup = []
    app.state.on_shutdown = []
    register_error_handlers(app)
    install_events_worker(app)
    install_helpdesk_jobs(app)
    install_payment_executor(app)
    install_reputation_detection(app)
    install_warm_start(app)
    for router in _routers():
        app.include_router(router)
    if app.openapi_url:
        install_api_docs(app)
    # Inside the platform middleware: it signs what the routes and error handlers answer.
    app.add_middleware(
        ResponseSigningMiddleware, keyring=app.state.keyring, db=db, settings=settings
    )
    install_platform(app, settings, db)
    return app
