"""The team's own bank-domain sentiment sentences: loading and label mappings.

Training sentences live in ``data/train/<language>/<tone>.txt`` (one sentence a line,
``#`` starts a comment), the held-out set in ``data/heldout/<language>.tsv``
(``tone<TAB>sentence``), for zh-Hans, zh-Hant (Hong Kong Cantonese and Taiwan Mandarin)
and en. All were written by the team for the sandbox bank; no public dataset rows.

Five tones: ``positive``, ``neutral``, ``negative`` (a calm complaint), ``angry``
(swearing, threats, shouting) and ``anxious`` (lost cards, fraud, urgency). The polarity
head learns positive/neutral/negative with angry and anxious counted as negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

TONES = ("positive", "neutral", "negative", "angry", "anxious")
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
POLARITY = {
    "positive": "positive",
    "neutral": "neutral",
    "negative": "negative",
    "angry": "negative",
    "anxious": "negative",
}


class SentimentDataError(ValueError):
    """A data file is malformed (unknown tone or language, empty, duplicated sentence)."""


@dataclass
class LabelledSentences:
    """Sentences with their tone and language, in file order."""

    texts: list[str] = field(default_factory=list)
    tones: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, tone: str, language: str) -> None:
        """Append one sentence."""
        self.texts.append(text)
        self.tones.append(tone)
        self.languages.append(language)

    @property
    def polarities(self) -> list[str]:
        """Return positive/neutral/negative per sentence."""
        return [POLARITY[t] for t in self.tones]


def default_data_dir() -> Path:
    """Return the folder of the shipped sentences."""
    return Path(__file__).parent / "data"


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def _check(tone: str, language: str, where: str) -> None:
    if tone not in TONES:
        raise SentimentDataError(f"{where}: unknown tone {tone!r}; use one of {', '.join(TONES)}")
    if language not in LANGUAGES:
        raise SentimentDataError(f"{where}: unknown language {language!r}")


def load_training(data_dir: Path | None = None) -> LabelledSentences:
    """Read ``train/<language>/<tone>.txt`` under DATA_DIR (default: the shipped data)."""
    root = (data_dir or default_data_dir()) / "train"
    out = LabelledSentences()
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*/*.txt")):
        language, tone = path.parent.name, path.stem
        _check(tone, language, str(path))
        for number, line in _lines(path):
            where = f"{path}:{number}"
            if line in seen:
                raise SentimentDataError(f"{where}: duplicate of {seen[line]}")
            seen[line] = where
            out.add(line, tone, language)
    if not out:
        raise SentimentDataError(f"no training sentences under {root}")
    return out


def load_heldout(data_dir: Path | None = None) -> LabelledSentences:
    """Read the held-out ``heldout/<language>.tsv`` files (never used for training)."""
    root = (data_dir or default_data_dir()) / "heldout"
    out = LabelledSentences()
    for path in sorted(root.glob("*.tsv")):
        for number, line in _lines(path):
            tone, sep, text = line.partition("\t")
            if not sep or not text.strip():
                raise SentimentDataError(f"{path}:{number}: expected 'tone<TAB>sentence'")
            _check(tone, path.stem, f"{path}:{number}")
            out.add(text.strip(), tone, path.stem)
    return out
