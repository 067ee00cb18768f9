"""Rasa-format training data: loader, writer and the shipped intent set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wendu.assistant.nlu import (
    OUT_OF_SCOPE,
    TrainingData,
    TrainingDataError,
    default_data_dir,
    dump_training_yaml,
    load_training_data,
    parse_training_yaml,
    write_training_data,
)
from wendu.assistant.nlu.text import detect_language

SHARED = Path(__file__).resolve().parents[3] / "shared"
ASSISTANT_INTENTS = {
    "check_balance",
    "recent_transactions",
    "manage_connected_apps",
    "talk_to_human",
    "make_complaint",
    "product_inquiry",
    "greeting",
    "goodbye",
    "thanks",
    OUT_OF_SCOPE,
}
TASK_INTENTS = ASSISTANT_INTENTS - {"greeting", "goodbye", "thanks", OUT_OF_SCOPE}

RASA_SAMPLE = """
version: "3.1"
nlu:
- intent: check_balance
  examples: |
    - how much is in my [savings](account) account
    - 查一下[信用卡]{"entity": "account"}余额
- intent: greet
  examples:
    - text: hi there
      metadata: {sentiment: neutral}
- synonym: savings
  examples: |
    - saving
- regex: card_last4
  examples: |
    - \\d{4}
"""


@pytest.fixture(scope="module")
def shipped() -> TrainingData:
    """Return the training data shipped with wendu."""
    return load_training_data(default_data_dir())


def test_rasa_file_loads_with_annotations_stripped_and_other_items_ignored() -> None:
    data = parse_training_yaml(RASA_SAMPLE)
    assert data.examples == [
        ("how much is in my savings account", "check_balance"),
        ("查一下信用卡余额", "check_balance"),
        ("hi there", "greet"),
    ]


def test_round_trip_through_a_file_keeps_every_example(tmp_path: Path) -> None:
    data = TrainingData(
        [
            ("what's my balance?", "check_balance"),
            ("余额: 多少", "check_balance"),
            ("- leading dash text", "odd: intent"),
            ("card ending 1234 #lost", "lost_or_stolen_card"),
        ]
    )
    path = write_training_data(data, tmp_path / "nested" / "nlu.yml")
    again = load_training_data(path)
    assert again.examples == data.examples
    assert parse_training_yaml(dump_training_yaml(again)).by_intent() == data.by_intent()


def test_shipped_data_survives_the_writer(shipped: TrainingData) -> None:
    assert parse_training_yaml(dump_training_yaml(shipped)).by_intent() == shipped.by_intent()


def test_directory_loader_merges_files_and_drops_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "nlu:\n- intent: thanks\n  examples: |\n    - thanks\n    - 谢谢\n", encoding="utf-8"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text(
        "nlu:\n- intent: thanks\n  examples: |\n    - thanks\n    - cheers\n", encoding="utf-8"
    )
    data = load_training_data(tmp_path)
    assert data.by_intent() == {"thanks": ["thanks", "谢谢", "cheers"]}


@pytest.mark.parametrize(
    "content",
    [
        "nlu:\n- intent: x\n  examples: |\n    no dash here\n",
        "nlu: {intent: x}\n",
        "- just a list\n",
        "nlu:\n- intent: x\n  examples: 42\n",
        "nlu: [\n",
    ],
)
def test_malformed_files_are_refused(content: str) -> None:
    with pytest.raises(TrainingDataError):
        parse_training_yaml(content)


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError):
        load_training_data(tmp_path / "absent")
    with pytest.raises(TrainingDataError):
        load_training_data(tmp_path)  # a folder without YAML files


def test_every_shipped_intent_has_enough_examples_in_both_languages(
    shipped: TrainingData,
) -> None:
    for intent, texts in shipped.by_intent().items():
        zh = [t for t in texts if detect_language(t) == "zh"]
        en = [t for t in texts if detect_language(t) == "en"]
        floor = 20 if intent in TASK_INTENTS else 18
        assert len(zh) >= floor, (intent, len(zh))
        assert len(en) >= floor, (intent, len(en))


def test_no_sentence_is_labelled_with_two_intents(shipped: TrainingData) -> None:
    seen: dict[str, str] = {}
    for text, intent in shipped.examples:
        key = text.lower().strip()
        assert seen.setdefault(key, intent) == intent, (text, seen[key], intent)


def test_shipped_intent_set_is_banking77_plus_the_assistants_own(shipped: TrainingData) -> None:
    intents = set(shipped.intents)
    assert intents >= ASSISTANT_INTENTS
    assert len(intents) == 77 + len(ASSISTANT_INTENTS)


def test_banking77_names_match_categories_json(shipped: TrainingData) -> None:
    categories = SHARED / "datasets" / "banking77" / "categories.json"
    if not categories.is_file():
        pytest.skip(f"../shared is absent ({categories}); the name check runs in CI")
    names = set(json.loads(categories.read_text(encoding="utf-8")))
    assert set(shipped.intents) - ASSISTANT_INTENTS == names
