"""CLI group ``wendu nlu``: train, evaluate and parse with the assistant's NLU."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

import typer

from wendu.assistant.nlu.data import TrainingDataError, default_data_dir, load_training_data
from wendu.assistant.nlu.encoders import VIEWS
from wendu.sentiment.cli import sentiment_command

app = typer.Typer(help="Intent and entity understanding (zh/en) for the assistant.",
                  no_args_is_help=True)  # fmt: skip


def _views(raw: str) -> list[str]:
    views = [v.strip() for v in raw.split(",") if v.strip()]
    unknown = sorted(set(views) - set(VIEWS))
    if not views or unknown:
        raise typer.BadParameter(f"choose views from {','.join(VIEWS)}")
    return views


@app.command("train")
def train_command(
    data: Path = typer.Option(default_data_dir(), "--data", help="YAML file or folder (Rasa NLU)."),
    out: Path = typer.Option(..., "--out", help="Where to write the model (.joblib)."),
    views: str = typer.Option(",".join(VIEWS), help="Comma-separated views to ensemble."),
    seed: int = typer.Option(0, help="random_state for folds and solvers."),
) -> None:
    """Train a model on Rasa-format training data and save it."""
    from wendu.assistant.nlu.model import train_model

    try:
        training = load_training_data(data)
    except TrainingDataError as exc:
        raise typer.BadParameter(str(exc), param_hint="--data") from exc
    started = time.perf_counter()
    model = train_model(training, views=_views(views), random_state=seed)
    model.save(out)
    meta = model.metadata
    typer.echo(
        f"trained on {meta['n_examples']} examples / {meta['n_intents']} intents "
        f"in {time.perf_counter() - started:.1f}s; out-of-scope threshold "
        f"{meta['threshold']:.3f}, margin {meta['margin']:.3f} -> {out}"
    )


@app.command("evaluate")
def evaluate_command(
    model: Path = typer.Option(..., "--model", help="Model written by `wendu nlu train`."),
    data: Path = typer.Option(..., "--data", help="Labelled YAML file or folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    top: int = typer.Option(10, help="How many confusion pairs to list."),
) -> None:
    """Report accuracy, macro-F1, per-intent scores and the top confusions."""
    from wendu.assistant.nlu.evaluation import evaluate
    from wendu.assistant.nlu.model import NLUModel

    try:
        labelled = load_training_data(data)
    except TrainingDataError as exc:
        raise typer.BadParameter(str(exc), param_hint="--data") from exc
    report = evaluate(NLUModel.load(model), labelled, top_confusions=top)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        typer.echo(report.render())


@app.command("parse")
def parse_command(
    text: str = typer.Argument(None, help="The message to understand."),
    model: Path = typer.Option(None, "--model", help="Model file; default: the shipped model."),
    file: Path = typer.Option(None, "--file", help="Read one message per line ('-' = stdin)."),
    as_json: bool = typer.Option(False, "--json", help="Compact JSON, one object per line."),
    merchant: list[str] = typer.Option([], "--merchant", help="Merchant name (repeatable)."),
    today: str = typer.Option(
        None,
        "--today",
        help="Resolve dates against this ISO date (default: today in the "
        "bank's zone, WENDU_TIMEZONE).",
    ),
) -> None:
    """Print the Rasa-style JSON parse of TEXT, or of every line of --file."""
    from wendu.assistant.nlu.model import NLUModel, load_default_model

    if (text is None) == (file is None):
        raise typer.BadParameter("give either TEXT or --file")
    try:
        now: date | datetime = date.fromisoformat(today) if today else _bank_now()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--today") from exc
    nlu = NLUModel.load(model) if model else load_default_model()
    if file is None:
        lines = [text]
    else:
        raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
    results = nlu.parse_many(lines, merchants=merchant, now=now)
    for result in results:
        payload = result.as_dict()
        if as_json or file is not None:
            typer.echo(json.dumps(payload, ensure_ascii=False))
        else:
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _bank_now() -> datetime:
    """Return the bank's local now (``Settings.timezone``), as the assistant reads dates."""
    from zoneinfo import ZoneInfo

    from wendu.config import get_settings

    return datetime.now(ZoneInfo(get_settings().timezone))


# The sentiment model is its own domain (``wendu.sentiment``); its command lives here so
# ``wendu nlu`` stays the one place for text understanding.
app.command("sentiment")(sentiment_command)
