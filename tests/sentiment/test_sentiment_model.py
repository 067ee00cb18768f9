"""The shared sentiment model: estimator contract, calibration, data, and what it says."""

from __future__ import annotations

import pickle
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator

from wendu.sentiment import analyse, analyse_many, anger_rising, load_default_model
from wendu.sentiment.data import (
    LANGUAGES,
    TONES,
    SentimentDataError,
    load_heldout,
    load_training,
)
from wendu.sentiment.estimators import (
    CalibratedLinearClassifier,
    SentimentClassifier,
    SentimentFeatures,
)
from wendu.sentiment.model import cached_model_path, load_or_train, train_model
from wendu.sentiment.text import normalise

# ------------------------------------------------------------------ estimator contract

TEXTS = [
    "谢谢，太好了", "thanks, great help", "服务很周到", "lovely service", "满意", "very happy",
    "余额多少", "what is my balance", "转账限额是多少", "daily limit?", "几点开门", "opening hours",
    "垃圾银行！！", "you useless idiots", "气死我了", "this is a disgrace!!", "骗子", "crooks!",
]  # fmt: skip
LABELS = ["positive"] * 6 + ["neutral"] * 6 + ["negative"] * 6
RNG = np.random.default_rng(0)
X_NUM = RNG.normal(size=(60, 5)) + np.repeat(np.eye(3, 5) * 3, 20, axis=0)
Y_NUM = np.repeat(["a", "b", "c"], 20)

Case = tuple[Callable[[], Any], Any, Any, str]
CASES: dict[str, Case] = {
    "features_ngrams": (lambda: SentimentFeatures(embedding_weight=0.0), TEXTS, None, "transform"),
    "features_use": (SentimentFeatures, TEXTS, None, "transform"),
    "calibrated_lr": (lambda: CalibratedLinearClassifier(cv=3), X_NUM, Y_NUM, "predict_proba"),
    "classifier": (lambda: SentimentClassifier(cv=3), TEXTS, LABELS, "predict_proba"),
}


def _output(est: Any, method: str, X: Any) -> np.ndarray:
    out = getattr(est, method)(X)
    return np.asarray(out.toarray() if hasattr(out, "toarray") else out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_estimator_contract(name: str) -> None:
    factory, X, y, method = CASES[name]
    est = factory()
    params = est.get_params()
    assert clone(est).get_params() == params
    with pytest.raises(NotFittedError):
        getattr(est, method)(X)
    before = set(vars(est))
    assert est.fit(X, y) is est
    learned = set(vars(est)) - before
    assert learned and all(a.endswith("_") and not a.startswith("__") for a in learned)
    assert est.get_params() == params  # fit does not touch the parameters
    first = _output(est, method, X)
    if "random_state" in params:
        est.set_params(random_state=7)
        a = _output(clone(est).fit(X, y), method, X)
        b = _output(clone(est).fit(X, y), method, X)
        assert np.array_equal(a, b)
    again = pickle.loads(pickle.dumps(est))
    assert np.array_equal(_output(again, method, X), first)


def test_calibrated_classifier_passes_sklearn_estimator_checks() -> None:
    check_estimator(CalibratedLinearClassifier(cv=2, random_state=0))


def test_text_classifier_refuses_a_single_string() -> None:
    with pytest.raises(TypeError):
        SentimentClassifier().fit("not a list", ["neutral"])


def test_temperature_scaling_calibrates_overconfident_logits() -> None:
    # Two overlapping classes: an unregularised regression is overconfident, and the
    # temperature fitted on out-of-fold logits softens it (T > 1), never the reverse here.
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (200, 20)), rng.normal(0.3, 1, (200, 20))])
    y = np.repeat(["x", "y"], 200)
    model = CalibratedLinearClassifier(C=1e4, cv=5, class_weight=None).fit(X, y)
    assert model.temperature_ > 1.0
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)


# ------------------------------------------------------------------ the team's sentences


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", normalise(text).lower())


def test_training_sentences_cover_every_language_and_tone() -> None:
    data = load_training()
    per_language = Counter(data.languages)
    assert set(per_language) == set(LANGUAGES)
    assert all(n >= 300 for n in per_language.values()), per_language
    cells = Counter(zip(data.languages, data.tones, strict=True))
    assert all(cells[(lang, tone)] >= 40 for lang in LANGUAGES for tone in TONES), cells


def test_held_out_sentences_are_never_trained_on() -> None:
    trained = {_key(t) for t in load_training().texts}
    heldout = load_heldout()
    assert len(heldout) >= 120
    assert set(heldout.languages) == set(LANGUAGES)
    assert [t for t in heldout.texts if _key(t) in trained] == []


def test_malformed_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "train" / "en").mkdir(parents=True)
    (tmp_path / "train" / "en" / "furious.txt").write_text("grr\n", encoding="utf-8")
    with pytest.raises(SentimentDataError, match="unknown tone"):
        load_training(tmp_path)
    (tmp_path / "train" / "en" / "furious.txt").unlink()
    (tmp_path / "train" / "en" / "angry.txt").write_text("grr\ngrr\n", encoding="utf-8")
    with pytest.raises(SentimentDataError, match="duplicate"):
        load_training(tmp_path)


# ------------------------------------------------------------------ the shipped model

NEUTRAL_QUESTIONS = [
    "跨行转账要收手续费吗",
    "在别的银行ATM取钱收不收费",
    "转账到外地的银行要几天",
    "Is there a fee if I use another bank's cash machine?",
    "What's the most I can transfer in a day?",
    "send 100 EUR to my IBAN",
    "Transfer 500 USD by SWIFT",
    "我要换1000 USD和CNY",
    "喺其他銀行撳錢收唔收手續費",
    "跨行轉帳一天上限多少",
]
CALM_COMPLAINTS = [
    "I would like to complain about a fee",
    "我想投诉一下上周的服务",
    "The transfer is late again and I'm a bit disappointed",
    "这个月的账单好像多扣了一笔钱",
    "等咗好耐都冇人理，有啲失望",
]
OUTBURSTS = [
    "你们这什么破银行！！！我要投诉",
    "垃圾银行，气死我了",
    "This is UNACCEPTABLE!!! I will go to the regulator",
    "You are useless, what the hell",
    "仆街，又亂扣我錢！！",
]


def test_neutral_questions_are_neutral_and_not_angry() -> None:
    for text, result in zip(NEUTRAL_QUESTIONS, analyse_many(NEUTRAL_QUESTIONS), strict=True):
        assert result.emotion != "angry", (text, result)
        assert result.anger < 0.3, (text, result)
        assert result.score > -0.5, (text, result)
    angers = [r.anger for r in analyse_many(NEUTRAL_QUESTIONS)]
    assert not any(anger_rising(angers[: i + 1]) for i in range(len(angers)))


def test_calm_complaints_are_negative_but_not_angry() -> None:
    results = analyse_many(CALM_COMPLAINTS)
    for text, result in zip(CALM_COMPLAINTS, results, strict=True):
        assert result.label != "positive" and result.score < 0, (text, result)
        assert result.emotion != "angry" and result.anger < 0.5, (text, result)
    angers = [r.anger for r in results]
    assert not any(anger_rising(angers[: i + 1]) for i in range(len(angers)))


def test_outbursts_are_angry_and_hand_off_at_once() -> None:
    for text, result in zip(OUTBURSTS, analyse_many(OUTBURSTS), strict=True):
        assert result.emotion == "angry", (text, result)
        assert result.score < -0.5, (text, result)
        assert anger_rising([0.0, result.anger]), (text, result)


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("谢谢，太好了", "happy"),
        ("Thanks, that was really helpful", "happy"),
        ("唔該晒，你哋好快手", "happy"),
        ("查一下余额", "neutral"),
        ("what is my balance", "neutral"),
        ("我的卡丢了怎么办", "anxious"),
        ("my card was stolen, please help", "anxious"),
    ],
)
def test_emotion_labels(text: str, emotion: str) -> None:
    result = analyse(text)
    assert result.emotion == emotion, result
    assert -1.0 <= result.score <= 1.0 and 0.0 <= result.anger <= 1.0


def test_scores_follow_polarity() -> None:
    assert analyse("great service, thank you").score > 0.3
    assert analyse("感谢您的帮助，非常满意").score > 0.3
    assert analyse("the service was not good").score < 0
    assert analyse("I am not happy with this").score < 0
    assert analyse("").emotion == "neutral" and analyse("  ").score == 0.0


def test_held_out_bank_sentences() -> None:
    heldout = load_heldout()
    results = analyse_many(heldout.texts)
    polarity = np.mean([r.label == p for r, p in zip(results, heldout.polarities, strict=True)])
    assert polarity >= 0.85
    angry = np.array([t == "angry" for t in heldout.tones])
    anger = np.array([r.anger for r in results])
    # No calm sentence (questions, praise, calm complaints, worry) would hand off at once.
    assert (anger[~angry] < 0.85).all(), [
        (t, a)
        for t, a, is_angry in zip(heldout.texts, anger, angry, strict=True)
        if not is_angry and a >= 0.85
    ]
    assert np.mean(anger[angry] >= 0.5) >= 0.75


def test_anger_rising_rule() -> None:
    assert not anger_rising([])
    assert not anger_rising([0.1, 0.2, 0.4, 0.3])
    assert anger_rising([0.9])
    assert anger_rising([0.1, 0.65, 0.7])
    assert not anger_rising([0.7, 0.2])  # calmer now
    assert not anger_rising([0.7, 0.1, 0.7])
    assert anger_rising([0.0, 0.42, 0.83])  # rising over two messages
    assert not anger_rising([0.3, 0.84])  # one calm message breaks the run


# ------------------------------------------------------------------ training and cache


def _tiny(tmp_path: Path) -> Path:
    for lang, tone, lines in [
        ("en", "positive", ["thanks a lot", "great service", "lovely, cheers"]),
        ("en", "neutral", ["what is my balance", "daily limit?", "branch hours"]),
        ("en", "negative", ["a bit slow today", "not great", "disappointing reply"]),
        ("en", "angry", ["you useless idiots!!", "this is a disgrace!!", "crooks!!"]),
        ("en", "anxious", ["lost my card, help", "card stolen, help", "is my money safe?"]),
    ]:
        folder = tmp_path / "train" / lang
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{tone}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_training_is_deterministic_and_cached(tmp_path: Path) -> None:
    data_dir = _tiny(tmp_path / "data")
    probe = ["thanks", "you idiots!!", "what's my balance"]
    a = train_model(load_training(data_dir)).probabilities(probe)
    b = train_model(load_training(data_dir)).probabilities(probe)
    for key in a:
        assert np.array_equal(a[key], b[key])
    cache = tmp_path / "cache"
    first = load_or_train(data_dir, cache)
    path = cached_model_path(data_dir, cache)
    assert path.is_file() and first.metadata["data_fingerprint"] == path.parent.name
    stamp = path.stat().st_mtime_ns
    again = load_or_train(data_dir, cache)
    assert path.stat().st_mtime_ns == stamp  # loaded, not retrained
    assert np.array_equal(again.probabilities(probe)["anger"], a["anger"])
    (data_dir / "train" / "en" / "neutral.txt").write_text("opening hours\nmy pin\nfees?\n")
    assert cached_model_path(data_dir, cache) != path  # new data, new model


def test_default_model_is_one_per_process() -> None:
    assert load_default_model() is load_default_model()
