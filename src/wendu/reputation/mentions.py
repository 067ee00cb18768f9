"""Public mentions as read from monitoring vendors' exports (JSON Lines or CSV).

A row needs ``id``, ``source``, ``published_at`` (ISO-8601 with an offset; a time without
one is refused rather than guessed), ``text``; ``lang``, ``reach``, ``author``, ``url`` are
optional. Bad rows are reported with their line number and skipped; the caller decides
whether any bad row refuses the whole file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_TEXT = 10_000


@dataclass(frozen=True)
class Mention:
    """One public post, review or article that mentions the bank."""

    id: str
    source: str
    published_at: dt.datetime  # aware
    text: str
    lang: str | None = None
    reach: int | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read, and why."""

    line: int
    reason: str


def parse_mention(row: dict[str, Any]) -> Mention:
    """Return the mention a row describes; raise ValueError saying what is wrong."""
    missing = [k for k in ("id", "source", "published_at", "text") if not row.get(k)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    text = str(row["text"])
    if len(text) > MAX_TEXT:
        raise ValueError(f"text longer than {MAX_TEXT} characters")
    try:
        at = dt.datetime.fromisoformat(str(row["published_at"]).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("published_at is not an ISO-8601 time") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("published_at has no UTC offset")
    reach = row.get("reach")
    if reach in ("", None):
        reach_value = None
    else:
        try:
            reach_value = int(str(reach))
        except ValueError as exc:
            raise ValueError("reach is not a whole number") from exc
        if reach_value < 0:
            raise ValueError("reach is negative")
    return Mention(
        id=str(row["id"])[:200],
        source=str(row["source"])[:40],
        published_at=at.astimezone(dt.UTC),
        text=text,
        lang=str(row["lang"]) if row.get("lang") else None,
        reach=reach_value,
        author=str(row["author"]) if row.get("author") else None,
        url=str(row["url"]) if row.get("url") else None,
    )


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, row, ""
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"not JSON: {exc.msg}"
                continue
            if not isinstance(value, dict):
                yield number, None, "not a JSON object"
                continue
            yield number, value, ""


def raw_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[BadRow]]:
    """Return the rows of an export as dicts with their line numbers, and the unreadable
    lines (not JSON, not an object)."""
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[BadRow] = []
    for number, row, error in _rows(path):
        if row is None:
            bad.append(BadRow(number, error))
        else:
            rows.append((number, row))
    return rows, bad


def read_mentions(path: Path) -> tuple[list[Mention], list[BadRow]]:
    """Read a JSONL (or ``.csv``) export: the good mentions and the bad rows."""
    good: list[Mention] = []
    bad: list[BadRow] = []
    for number, row, error in _rows(path):
        if row is None:
            bad.append(BadRow(number, error))
            continue
        try:
            good.append(parse_mention(row))
        except ValueError as exc:
            bad.append(BadRow(number, str(exc)))
    return good, bad
