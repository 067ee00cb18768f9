"""Liveness and readiness: ``GET /health`` answers 200 only when the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from wendu.deps import DatabaseDep

router = APIRouter(tags=["System"])


@router.get("/health", operation_id="getHealth")
def health(db: DatabaseDep) -> JSONResponse:
    """Report whether the database answers a trivial query."""
    try:
        with db.session(write=False) as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


@router.get("/ping", operation_id="getPing")
async def ping() -> dict[str, str]:
    """Answer without touching the database (the bare baseline of the API benchmark)."""
    return {"status": "ok"}
