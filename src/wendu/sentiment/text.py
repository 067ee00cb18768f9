"""Text normalisation shared by training and prediction.

Full-width forms become half-width (NFKC: "！！" reads like "!!"), Traditional characters
become Simplified (OpenCC ``t2s``), so a Hong Kong or Taiwan writer's message meets the
same features as the simplified sentences, while Cantonese words (唔, 咗, 嬲) stay what
they are and are learned from the team's Cantonese sentences.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Return TEXT in the form the sentiment features read (case is kept)."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text).strip()
    if _CJK.search(text):
        text = _t2s().convert(text)
    return text


def language_of(text: str) -> str:
    """Return "zh" when TEXT holds Chinese characters, else "en"."""
    return "zh" if _CJK.search(text) else "en"
