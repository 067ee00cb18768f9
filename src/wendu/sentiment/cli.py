"""``wendu nlu sentiment``: score messages with the shipped sentiment model.

wendu nlu sentiment "跨行转账要收手续费吗"
wendu nlu sentiment --file messages.txt --json    # one JSON object per line
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from wendu.sentiment.model import Sentiment


def _record(text: str, result: Sentiment) -> dict[str, object]:
    return {
        "text": text,
        "label": result.label,
        "score": result.score,
        "emotion": result.emotion,
        "anger": result.anger,
    }


def _read(file: Path) -> list[str]:
    try:
        raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="--file") from exc
    return [line.strip() for line in raw.splitlines() if line.strip()]


def sentiment_command(
    text: str | None = typer.Argument(None, help="A message to score."),
    file: Path | None = typer.Option(
        None, "--file", help="Score every non-empty line of this UTF-8 file ('-' for stdin)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Score messages: label (positive/negative/neutral), score in [-1, 1], emotion, anger."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give either TEXT or --file")
    texts = [text.strip()] if text is not None else _read(file)  # type: ignore[arg-type]
    if not any(texts):
        raise typer.BadParameter("nothing to score: the text is empty")
    from wendu.sentiment.analysis import analyse_many

    for line, result in zip(texts, analyse_many(texts), strict=True):
        if as_json:
            typer.echo(json.dumps(_record(line, result), ensure_ascii=False))
        else:
            typer.echo(
                f"{result.label:<8} {result.score:+.3f}  {result.emotion:<7} "
                f"anger {result.anger:.3f}  {line}"
            )
