"""Serve the console's own CSS and JavaScript from the package (no CDN, works offline)."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import Response

from wendu.errors import not_found

STATIC_DIR = Path(__file__).parent / "static"
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def static_response(name: str) -> Response:
    """Return the asset ``name`` with a cache header, or 404 for anything else."""
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR.resolve() or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise not_found("No such console asset", key="page_not_found")
    return Response(
        path.read_bytes(),
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
