"""Training data in the Rasa NLU YAML format: load, merge and write.

A file looks like::

    version: "3.1"
    nlu:
    - intent: check_balance
      examples: |
        - what's my balance
        - 查余额

Entity annotations in Rasa examples (``[100 yuan](amount)`` or
``[Tesco]{"entity": "merchant"}``) are reduced to their text; other top-level
items (``synonym``, ``regex``, ``lookup``) are ignored by the intent classifier.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OUT_OF_SCOPE = "out_of_scope"
_ANNOTATION_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class TrainingDataError(ValueError):
    """The training data is malformed."""


@dataclass
class TrainingData:
    """Labelled utterances (text, intent) in file order."""

    examples: list[tuple[str, str]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Return the utterances."""
        return [t for t, _ in self.examples]

    @property
    def labels(self) -> list[str]:
        """Return the intent of each utterance."""
        return [i for _, i in self.examples]

    @property
    def intents(self) -> list[str]:
        """Return the distinct intents in first-seen order."""
        return list(dict.fromkeys(self.labels))

    def by_intent(self) -> dict[str, list[str]]:
        """Group the utterances by intent, keeping order."""
        grouped: dict[str, list[str]] = defaultdict(list)
        for text, intent in self.examples:
            grouped[intent].append(text)
        return dict(grouped)

    def counts(self) -> Counter[str]:
        """Count utterances per intent."""
        return Counter(self.labels)

    def merged(self, other: TrainingData) -> TrainingData:
        """Return this data followed by OTHER, dropping exact duplicates."""
        return TrainingData(_dedupe([*self.examples, *other.examples]))

    def __len__(self) -> int:
        return len(self.examples)


def _dedupe(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(pairs))


def strip_annotations(example: str) -> str:
    """Reduce Rasa entity annotations to their surface text."""
    return _ANNOTATION_RE.sub(r"\1", example).strip()


def _parse_examples(raw: Any, where: str) -> list[str]:
    if isinstance(raw, str):
        lines = []
        for line in raw.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise TrainingDataError(f"{where}: example lines must start with '- ': {line!r}")
            lines.append(strip_annotations(stripped[2:]))
        return [x for x in lines if x]
    if isinstance(raw, list):  # Rasa 3 "examples with metadata" form
        out = []
        for item in raw:
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, str):
                raise TrainingDataError(f"{where}: unreadable example {item!r}")
            out.append(strip_annotations(text))
        return [x for x in out if x]
    raise TrainingDataError(f"{where}: 'examples' must be a block string or a list")


def parse_training_yaml(content: str, source: str = "<string>") -> TrainingData:
    """Parse Rasa NLU YAML text into training data."""
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{source}: invalid YAML: {exc}") from exc
    if doc is None:
        return TrainingData()
    if not isinstance(doc, dict):
        raise TrainingDataError(f"{source}: expected a mapping with an 'nlu' key")
    items = doc.get("nlu") or []
    if not isinstance(items, list):
        raise TrainingDataError(f"{source}: 'nlu' must be a list")
    pairs: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonym / regex / lookup entries
        intent = str(item["intent"]).strip()
        if not intent:
            raise TrainingDataError(f"{source}: item {n} has an empty intent name")
        where = f"{source}: intent {intent}"
        pairs.extend((text, intent) for text in _parse_examples(item.get("examples", ""), where))
    return TrainingData(_dedupe(pairs))


def load_training_data(path: Path | str) -> TrainingData:
    """Load one YAML file, or every *.yml / *.yaml under a directory (sorted)."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".yaml"})
        if not files:
            raise TrainingDataError(f"no .yml/.yaml files under {root}")
    elif root.is_file():
        files = [root]
    else:
        raise TrainingDataError(f"{root} does not exist")
    data = TrainingData()
    for file in files:
        data = data.merged(parse_training_yaml(file.read_text(encoding="utf-8"), str(file)))
    return data


def dump_training_yaml(data: TrainingData, comment: str | None = None) -> str:
    """Render training data as Rasa NLU YAML (one block per intent)."""
    lines: list[str] = []
    if comment:
        lines.extend(f"# {line}" for line in comment.splitlines())
    lines += ['version: "3.1"', "nlu:"]
    for intent, texts in data.by_intent().items():
        lines.append(f"- intent: {_yaml_scalar(intent)}")
        lines.append("  examples: |")
        lines.extend(f"    - {' '.join(t.split())}" for t in texts)
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    return dumped.removesuffix("\n...\n").strip()


def write_training_data(data: TrainingData, path: Path | str) -> Path:
    """Write training data to a Rasa NLU YAML file and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_training_yaml(data), encoding="utf-8")
    return target


def default_data_dir() -> Path:
    """Return the folder of the training data shipped with wendu."""
    return Path(__file__).resolve().parents[1] / "data" / "nlu"


def split_language(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split texts into (Chinese, English) by script."""
    from wendu.assistant.nlu.text import detect_language

    zh = [t for t in texts if detect_language(t) == "zh"]
    en = [t for t in texts if detect_language(t) == "en"]
    return zh, en
