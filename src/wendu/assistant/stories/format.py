"""The story format: YAML files holding lists of stories, loaded and validated.

A story::

    - id: hans-balance-01
      language: zh-Hans          # zh-Hans | zh-Hant-HK | zh-Hant-TW | en | mixed
      flow: balance              # what the customer wants (reports group by it)
      customer: demo00001        # a demo customer's login
      sample: true               # part of the sample run by ``make test``
      apps: [Budget Buddy]       # connected apps the customer has before the chat
      turns:
        - say: 我卡里还有多少钱
          expect: [{balance: current}, no_handoff]
      expect: [no_ticket]        # checked after the last turn

Checks are a name (``no_handoff``) or a one-key mapping (``balance: current``); see
:mod:`wendu.assistant.stories.checks` for the vocabulary.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh-Hans", "zh-Hant-HK", "zh-Hant-TW", "en", "mixed")


class _Loader(yaml.SafeLoader):
    """YAML where only true/false are booleans: a customer who says ``yes``, ``no``, ``on``
    or ``off`` said a word, not a boolean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        [_first],
    )


class StoryError(ValueError):
    """A story file that cannot be read or breaks the format."""


@dataclass(frozen=True)
class Check:
    """One expectation: its name and argument (None for bare names)."""

    name: str
    arg: Any = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}: {self.arg}"


@dataclass(frozen=True)
class Turn:
    """One customer message and what must hold once the assistant has answered it."""

    say: str
    expect: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Story:
    """A conversation a customer has, and the outcome it must reach."""

    id: str
    language: str
    flow: str
    customer: str
    turns: tuple[Turn, ...]
    expect: tuple[Check, ...] = ()
    apps: tuple[str, ...] = ()
    sample: bool = False
    tags: tuple[str, ...] = ()
    source: str = ""
    permissions: tuple[str, ...] = field(default=())

    @property
    def chat_language(self) -> str:
        """Return the language the chat is opened in (the API knows zh and en)."""
        return "en" if self.language == "en" else "zh"


def parse_check(raw: Any, where: str) -> Check:
    """Return the check ``raw`` (a name or a one-key mapping) names."""
    from wendu.assistant.stories.checks import CHECKS

    if isinstance(raw, str):
        name, arg = raw, None
    elif isinstance(raw, dict) and len(raw) == 1:
        name, arg = next(iter(raw.items()))
    else:
        raise StoryError(f"{where}: a check is a name or a mapping with one key, got {raw!r}")
    if name not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise StoryError(f"{where}: unknown check {name!r} (known: {known})")
    return Check(str(name), arg)


def _checks(raw: Any, where: str) -> tuple[Check, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    return tuple(parse_check(item, where) for item in items)


def parse_story(raw: Any, source: str) -> Story:
    """Return the story a YAML mapping describes, or raise StoryError saying what is wrong."""
    if not isinstance(raw, dict):
        raise StoryError(f"{source}: a story is a mapping, got {raw!r}")
    story_id = str(raw.get("id") or "")
    where = f"{source}: {story_id or '(story without id)'}"
    for key in ("id", "language", "flow", "customer", "turns"):
        if not raw.get(key):
            raise StoryError(f"{where}: {key} is required")
    unknown = set(raw) - {
        "id", "language", "flow", "customer", "turns", "expect", "apps", "sample", "tags",
        "permissions", "note",
    }  # fmt: skip
    if unknown:
        raise StoryError(f"{where}: unknown keys {sorted(unknown)}")
    if raw["language"] not in LANGUAGES:
        raise StoryError(f"{where}: language must be one of {', '.join(LANGUAGES)}")
    turns = []
    for n, turn in enumerate(raw["turns"], 1):
        if isinstance(turn, str):
            turn = {"say": turn}
        if not isinstance(turn, dict) or not str(turn.get("say", "")).strip():
            raise StoryError(f"{where}: turn {n} needs 'say'")
        turns.append(Turn(str(turn["say"]), _checks(turn.get("expect"), f"{where} turn {n}")))
    return Story(
        id=story_id,
        language=raw["language"],
        flow=str(raw["flow"]),
        customer=str(raw["customer"]),
        turns=tuple(turns),
        expect=_checks(raw.get("expect"), f"{where} end"),
        apps=tuple(str(a) for a in raw.get("apps") or ()),
        sample=bool(raw.get("sample", False)),
        tags=tuple(str(t) for t in raw.get("tags") or ()),
        source=source,
        permissions=tuple(str(p) for p in raw.get("permissions") or ()),
    )


def load_file(path: Path) -> list[Story]:
    """Return the stories of one YAML file (a list of stories)."""
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise StoryError(f"{path.name}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise StoryError(f"{path.name}: a story file holds a list of stories")
    return [parse_story(item, path.name) for item in data]


def load_stories(where: Path, only: str | None = None, *, sample_only: bool = False) -> list[Story]:
    """Return the stories of every ``*.yml`` under ``where`` (a folder or one file), sorted
    by id; ``only`` keeps ids matching a glob (comma-separated globs allowed)."""
    files = sorted(where.rglob("*.yml")) if where.is_dir() else [where]
    stories: list[Story] = []
    for path in files:
        stories.extend(load_file(path))
    seen: set[str] = set()
    for story in stories:
        if story.id in seen:
            raise StoryError(f"{story.source}: duplicate story id {story.id!r}")
        seen.add(story.id)
    if only:
        globs = [g.strip() for g in only.split(",") if g.strip()]
        stories = [s for s in stories if any(fnmatch.fnmatchcase(s.id, g) for g in globs)]
    if sample_only:
        stories = [s for s in stories if s.sample]
    return sorted(stories, key=lambda s: s.id)


def shipped_stories_dir() -> Path:
    """Return the folder of the stories shipped with the assistant."""
    return Path(__file__).resolve().parent.parent / "data" / "stories"
