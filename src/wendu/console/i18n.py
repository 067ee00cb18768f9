"""The console's message catalogue (zh/en) and the lookup used by every template."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_LOCALES = Path(__file__).parent / "locales"
# Where ``auth.get_optional_staff`` leaves the signed-in staff member's language (request
# state), so an error page can still be rendered in it after the request's session is gone.
LANGUAGE_STATE = "console_language"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    """Return the messages of ``language`` (falls back to the default language)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    data: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text("utf-8"))
    return data


def translate(language: str, key: str, **values: object) -> str:
    """Return the message ``key`` in ``language``, formatted with ``values``.

    A missing key shows itself, so an untranslated string is visible in review, not hidden.
    """
    text = catalogue(language).get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text
