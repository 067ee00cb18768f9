"""The API reference at ``/docs``, rendered on the server from the OpenAPI schema.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN and are blank on
an offline intranet. No installed package ships those assets, so this page is plain HTML
and CSS made from ``app.openapi()``: every operation with its parameters, body and
responses, then every schema. It loads nothing, runs no script and links only within the
bank's own site (``/openapi.json`` for tools).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

_METHODS = ("get", "post", "put", "patch", "delete")
_REF_PREFIX = "#/components/schemas/"
_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
 margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1d2330}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #d9dde5;padding-top:1rem}
nav ul{columns:2;padding-left:1.2rem}
.op{border:1px solid #d9dde5;border-radius:6px;margin:.8rem 0;padding:.4rem .9rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0b6bcb}.post{color:#18794e}.put,.patch{color:#a05a00}.delete{color:#c4262e}
code,.path{font-family:ui-monospace,Menlo,Consolas,monospace}
table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #e3e6ec;padding:.15rem .5rem;text-align:left;vertical-align:top}
.muted{color:#5b6472}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _anchor(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def _type_of(schema: Mapping[str, Any]) -> str:
    """Return a short, escaped description of a schema's type, linking named schemas."""
    if not schema:
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        name = ref.removeprefix(_REF_PREFIX)
        return f'<a href="#schema-{_anchor(name)}">{_e(name)}</a>'
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [_type_of(s) for s in schema[key] if s.get("type") != "null"]
            joined = " | ".join(parts) or "null"
            return joined + (" | null" if len(parts) < len(schema[key]) else "")
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_type_of(schema.get('items') or {})}"
    detail = [str(v) for k, v in schema.items() if k in ("format", "pattern")]
    if "enum" in schema:
        detail.append(" · ".join(str(v) for v in schema["enum"]))
    return _e(kind) + (f' <span class="muted">({_e("; ".join(detail))})</span>' if detail else "")


def _parameters(params: Iterable[Mapping[str, Any]]) -> str:
    rows = [
        f"<tr><td><code>{_e(p.get('name'))}</code></td><td>{_e(p.get('in'))}</td>"
        f"<td>{'yes' if p.get('required') else ''}</td><td>{_type_of(p.get('schema') or {})}</td>"
        f"<td>{_e(p.get('description', ''))}</td></tr>"
        for p in params
    ]
    if not rows:
        return ""
    head = "<tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th></th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _content(content: Mapping[str, Any]) -> str:
    return ", ".join(
        f"<code>{_e(media)}</code> {_type_of(spec.get('schema') or {})}"
        for media, spec in content.items()
    )


def _operation(method: str, path: str, op: Mapping[str, Any]) -> str:
    parts = [
        f'<div class="op" id="op-{_anchor(op.get("operationId", method + path))}">',
        f'<div><span class="m {method}">{method}</span> <span class="path">{_e(path)}</span>'
        f' <span class="muted">{_e(op.get("operationId", ""))}</span></div>',
    ]
    if op.get("description") or op.get("summary"):
        parts.append(f"<p>{_e(op.get('description') or op.get('summary'))}</p>")
    parts.append(_parameters(op.get("parameters", [])))
    body = op.get("requestBody")
    if body:
        parts.append(f"<p>Body: {_content(body.get('content', {}))}</p>")
    responses = op.get("responses", {})
    if responses:
        rows = "".join(
            f"<tr><td>{_e(status)}</td><td>{_e(r.get('description', ''))}</td>"
            f"<td>{_content(r.get('content', {}))}</td></tr>"
            for status, r in responses.items()
        )
        parts.append(f"<table><tr><th>status</th><th>meaning</th><th>body</th></tr>{rows}</table>")
    parts.append("</div>")
    return "".join(parts)


def _schema(name: str, schema: Mapping[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{_e(prop)}</code></td><td>{'yes' if prop in required else ''}</td>"
        f"<td>{_type_of(spec)}</td><td>{_e(spec.get('description', ''))}</td></tr>"
        for prop, spec in (schema.get("properties") or {}).items()
    )
    table = f"<table>{rows}</table>" if rows else f"<p>{_type_of(schema)}</p>"
    text = f"<p>{_e(schema['description'])}</p>" if schema.get("description") else ""
    return f'<h3 id="schema-{_anchor(name)}">{_e(name)}</h3>{text}{table}'


def render_api_docs(schema: Mapping[str, Any]) -> str:
    """Return the whole reference page for an OpenAPI schema (self-contained HTML)."""
    info = schema.get("info", {})
    by_tag: dict[str, list[str]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["Other"])[0]
                by_tag.setdefault(tag, []).append(_operation(method, path, item[method]))
    nav = "".join(f'<li><a href="#tag-{_anchor(t)}">{_e(t)}</a></li>' for t in by_tag)
    sections = "".join(
        f'<h2 id="tag-{_anchor(tag)}">{_e(tag)}</h2>{"".join(ops)}' for tag, ops in by_tag.items()
    )
    components = schema.get("components", {}).get("schemas", {})
    schemas = "".join(_schema(name, components[name]) for name in sorted(components))
    title = _e(info.get("title", "API"))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f'<h1>{title}</h1><p class="muted">version {_e(info.get("version", ""))} · '
        'OpenAPI document: <a href="/openapi.json">/openapi.json</a></p>'
        f"<p>{_e(info.get('description', ''))}</p>"
        f'<nav><ul>{nav}<li><a href="#schemas">Schemas</a></li></ul></nav>'
        f'{sections}<h2 id="schemas">Schemas</h2>{schemas}</body></html>'
    )


def install_api_docs(app: FastAPI) -> None:
    """Serve the offline reference at ``/docs`` (and ``/redoc``) for ``app``'s schema.

    ``/docs/oauth2-redirect`` stays (an inline page, no external assets): the demo partner
    has it among its redirect URIs.
    """
    rendered: list[str] = []

    async def docs(_: Request) -> HTMLResponse:
        if not rendered:
            rendered.append(render_api_docs(app.openapi()))
        return HTMLResponse(rendered[0])

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", docs, include_in_schema=False)
    app.add_route("/redoc", docs, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", oauth2_redirect, include_in_schema=False)
