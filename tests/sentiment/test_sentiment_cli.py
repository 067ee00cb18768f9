"""``wendu nlu sentiment``: one message, or a file as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wendu.cli import app


def test_one_message_prints_label_score_and_emotion() -> None:
    result = CliRunner().invoke(app, ["nlu", "sentiment", "跨行转账要收手续费吗"])
    assert result.exit_code == 0, result.output
    label, score, emotion, *_ = result.output.split()
    assert label == "neutral" and emotion == "neutral"
    assert -1.0 <= float(score) <= 1.0


def test_a_file_becomes_one_json_object_per_line(tmp_path: Path) -> None:
    messages = ["Thanks, that was quick!", "", "你们这帮骗子！！气死我了", "What's my balance?"]
    file = tmp_path / "messages.txt"
    file.write_text("\n".join(messages) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["nlu", "sentiment", "--file", str(file), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in rows] == [m for m in messages if m]  # blank lines skipped
    for row in rows:
        assert {"text", "label", "score", "emotion"} <= set(row)
        assert row["label"] in ("positive", "negative", "neutral")
        assert row["emotion"] in ("angry", "anxious", "neutral", "happy")
        assert -1.0 <= row["score"] <= 1.0
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral"]
    assert rows[1]["emotion"] == "angry"


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["nlu", "sentiment"]).exit_code == 2
    missing = runner.invoke(app, ["nlu", "sentiment", "--file", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    both = runner.invoke(app, ["nlu", "sentiment", "hi", "--file", str(tmp_path / "x")])
    assert both.exit_code == 2
    (tmp_path / "blank.txt").write_text("\n\n", encoding="utf-8")
    assert (
        runner.invoke(app, ["nlu", "sentiment", "--file", str(tmp_path / "blank.txt")]).exit_code
        == 2
    )
