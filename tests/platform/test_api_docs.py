"""The API reference at /docs works on an offline intranet: it loads nothing from elsewhere."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient


class _References(HTMLParser):
    """Collect every URL the page would load or link to, and any script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "data", "poster") and value:
                self.urls.append(value)


def _page(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_docs_reference_no_external_host(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        text = _page(client, path)
        refs = _References()
        refs.feed(text)
        assert refs.scripts == 0, path
        assert refs.urls, path
        # Only fragments and paths on this server: no scheme, no protocol-relative //host.
        assert all(re.match(r"^(#|/(?!/))", url) for url in refs.urls), [
            u for u in refs.urls if not re.match(r"^(#|/(?!/))", u)
        ]
        assert "@import" not in text and "url(" not in text
        assert "cdn" not in text.lower()


def test_docs_describe_every_operation_and_schema(client: TestClient) -> None:
    text = _page(client, "/docs")
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        assert f'<span class="path">{html.escape(path)}</span>' in text, path
        for op in item.values():
            assert op["operationId"] in text, (path, op["operationId"])
    for name in schema["components"]["schemas"]:
        assert f">{name}</h3>" in text, name
    assert 'href="/openapi.json"' in text
    # Text from the schema is escaped, never markup.
    assert "<p>Issue tokens: client_credentials" in text


def test_the_swagger_oauth2_redirect_page_is_self_contained(client: TestClient) -> None:
    text = _page(client, "/docs/oauth2-redirect")
    assert "<script src" not in text and "cdn" not in text.lower()
