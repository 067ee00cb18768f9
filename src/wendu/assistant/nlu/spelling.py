"""Cheap English spelling correction against the NLU training vocabulary, for chat only.

"whats my balanse", "fraze my card", "recnt transactions": a word the training data never
uses is replaced by the most frequent training word one edit away (two for longer words;
an edit is a deletion, insertion, substitution or swap of neighbours). Only the chat
channel uses it, and only when the classifier was unsure of the raw text, so the Banking77
and CLINC150 benchmarks (which call the classifier directly) never see it.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import cache

_WORD = re.compile(r"[A-Za-z]+")
_LOCK = threading.Lock()
# Words too short to correct safely ("ur", "ok").
MIN_LENGTH = 3


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _distance(a: str, b: str) -> int:
    """Return the optimal string alignment distance (Damerau-Levenshtein, adjacent swaps)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


class SpellingCorrector:
    """Correct unknown English words to the likeliest known word (symmetric deletes)."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self._index: dict[str, set[str]] = {}
        for word in counts:
            if len(word) >= MIN_LENGTH - 1:
                for variant in _deletes(word, 2):
                    self._index.setdefault(variant, set()).add(word)

    @classmethod
    def from_texts(cls, texts: list[str]) -> SpellingCorrector:
        """Build the vocabulary from texts (word counts, lower case)."""
        return cls(Counter(w.lower() for text in texts for w in _WORD.findall(text)))

    def word(self, word: str) -> str:
        """Return the correction of one lower-case word (itself when known or hopeless).

        One edit for words of up to five letters, two for longer ones; the nearest known
        words win, then the most frequent.
        """
        if len(word) < MIN_LENGTH or word in self.counts:
            return word
        limit = 1 if len(word) <= 5 else 2
        candidates = {w for v in _deletes(word, limit) for w in self._index.get(v, ())}
        scored = [(_distance(word, w), w) for w in candidates]
        scored = [(d, w) for d, w in scored if d <= limit]
        if not scored:
            return word
        best = min(d for d, _ in scored)
        return max((w for d, w in scored if d == best), key=lambda w: (self.counts[w], w))

    def correct(self, text: str) -> str:
        """Return ``text`` with unknown words corrected (case of the rest kept)."""

        def fix(match: re.Match[str]) -> str:
            raw = match.group(0)
            fixed = self.word(raw.lower())
            return raw if fixed == raw.lower() else fixed

        return _WORD.sub(fix, text)


@cache
def default_corrector() -> SpellingCorrector:
    """Return the corrector over the shipped NLU training data (built once per process)."""
    from wendu.assistant.nlu.data import default_data_dir, load_training_data

    with _LOCK:
        return SpellingCorrector.from_texts(load_training_data(default_data_dir()).texts)


def correct(text: str) -> str:
    """Return ``text`` with English typos corrected against the training vocabulary."""
    return default_corrector().correct(text)
