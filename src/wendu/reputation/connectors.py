"""Connectors: news and blog feeds (RSS 2.0, Atom) and app-store review exports, read from
files first (an offline intranet drops them in a folder) or from a URL the bank configures.

Each connector returns rows in the ingest format (``id``, ``source``, ``published_at``,
``text``, optional ``url``, ``author``, ``reach``, ``lang``), numbered as (position, row),
so ``service.ingest`` and ``wendu reputation import`` treat every source alike. An entry
without a usable time or text is returned as a row without it and reported as bad there.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_BYTES = 20 * 1024 * 1024
_TAGS = re.compile(r"<[^>]+>")
_CJK_PUNCT_SPACE = re.compile(r"(?<=[。，！？；：、])\s+|\s+(?=[。，！？；：、])")
Rows = list[tuple[int, dict[str, Any]]]

# Column names app stores and review tools use, mapped to the ingest fields.
REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("review id", "review_id", "id", "reviewid"),
    "published_at": ("date", "review submit date and time", "review last update date and time",
                     "submitted at", "published_at", "time"),
    "title": ("title", "review title"),
    "text": ("review", "review text", "body", "content", "text"),
    "author": ("nickname", "author", "reviewer", "user name"),
    "url": ("review link", "url", "link"),
    "rating": ("rating", "star rating", "stars"),
}  # fmt: skip


def load(location: str, *, timeout: float = 20.0) -> bytes:
    """Return the bytes of a file path or an http(s) URL (at most 20 MiB)."""
    if location.startswith(("http://", "https://")):
        with httpx.stream("GET", location, timeout=timeout, follow_redirects=True) as response:
            response.raise_for_status()
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_BYTES:
                    raise ValueError("the feed is larger than 20 MiB")
            return data
    path = Path(location)
    if path.stat().st_size > MAX_BYTES:
        raise ValueError("the file is larger than 20 MiB")
    return path.read_bytes()


def _text(value: str | None) -> str:
    plain = re.sub(r"\s+", " ", _TAGS.sub(" ", value or "")).strip()
    return _CJK_PUNCT_SPACE.sub("", plain)


def _rfc822(value: str | None) -> str:
    if not value:
        return ""
    try:
        return email.utils.parsedate_to_datetime(value.strip()).isoformat()
    except (TypeError, ValueError):
        return value.strip()  # ingest reports it with the reason


def read_feed(data: bytes, *, source: str = "news") -> Rows:
    """Return the entries of an RSS 2.0 or Atom feed as ingest rows."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not a feed: {exc}") from exc
    rows: Rows = []
    if root.tag == f"{ATOM}feed":
        for n, entry in enumerate(root.iter(f"{ATOM}entry"), 1):
            link = entry.find(f"{ATOM}link")
            body = entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content") or ""
            title = entry.findtext(f"{ATOM}title") or ""
            rows.append((n, {
                "id": (entry.findtext(f"{ATOM}id") or "").strip(),
                "source": source,
                "published_at": (entry.findtext(f"{ATOM}published")
                                 or entry.findtext(f"{ATOM}updated") or "").strip(),
                "text": _text(f"{title}。{body}" if body else title),
                "url": link.get("href") if link is not None else None,
                "author": _text(entry.findtext(f"{ATOM}author/{ATOM}name")) or None,
            }))  # fmt: skip
        return rows
    if root.tag != "rss":
        raise ValueError("not an RSS 2.0 or Atom feed")
    for n, item in enumerate(root.iter("item"), 1):
        title = item.findtext("title") or ""
        body = item.findtext("description") or ""
        rows.append((n, {
            "id": (item.findtext("guid") or item.findtext("link") or "").strip(),
            "source": source,
            "published_at": _rfc822(item.findtext("pubDate")),
            "text": _text(f"{title}。{body}" if body else title),
            "url": (item.findtext("link") or "").strip() or None,
            "author": _text(item.findtext("author")) or None,
        }))  # fmt: skip
    return rows


def read_app_reviews(data: bytes, *, source: str = "app-store") -> Rows:
    """Return the reviews of an app-store CSV export as ingest rows (title + review text;
    the star rating is kept in the text's tail, e.g. "(2★)")."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    names = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    column = {
        field: next((names[c] for c in candidates if c in names), None)
        for field, candidates in REVIEW_COLUMNS.items()
    }
    if column["text"] is None:
        raise ValueError("no review text column (e.g. 'Review' or 'Review Text')")
    rows: Rows = []
    for row in reader:

        def get(field: str, row: dict[str, Any] = row) -> str:
            name = column[field]
            return str(row.get(name) or "").strip() if name else ""

        text = " ".join(part for part in (get("title"), get("text")) if part)
        if get("rating"):
            text += f" ({get('rating')}★)"
        at = get("published_at")
        if at and "T" not in at and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?Z?", at):
            at = at.replace(" ", "T")
        rows.append((reader.line_num, {
            "id": get("id") or _review_key(get("published_at"), get("author"), text),
            "source": source,
            "published_at": at.replace("Z", "+00:00"),
            "text": text,
            "url": get("url") or None,
            "author": get("author") or None,
        }))  # fmt: skip
    return rows


def _review_key(at: str, author: str, text: str) -> str:
    """Return a stable id for a review exported without one (same review, same id)."""
    digest = hashlib.blake2b(f"{at}|{author}|{text}".encode(), digest_size=10).hexdigest()
    return f"review-{digest}"


def read_any(location: str, kind: str, *, source: str | None = None) -> Rows:
    """Return ingest rows from a feed (``rss``/``atom``/``feed``) or an app-review export."""
    data = load(location)
    if kind in ("rss", "atom", "feed"):
        return read_feed(data, source=source or "news")
    if kind == "app-reviews":
        return read_app_reviews(data, source=source or "app-store")
    raise ValueError(f"unknown kind {kind!r}")
