"""The NLU model end to end: training, parse JSON, held-out intents, OOS, CLI, contract."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator
from typer.testing import CliRunner

from wendu.assistant.nlu import (
    OUT_OF_SCOPE,
    NLUModel,
    TrainingData,
    default_data_dir,
    load_training_data,
    train_model,
    write_training_data,
)
from wendu.assistant.nlu.cli import app as nlu_app
from wendu.assistant.nlu.estimators import (
    CalibratedLogisticRegression,
    EmbeddingFeatures,
    IntentEnsemble,
    OutOfScopeDetector,
    TfidfFeatures,
)
from wendu.assistant.nlu.evaluation import evaluate
from wendu.assistant.nlu.model import cached_model_path, default_model_path, load_or_train

# The model under test learns the assistant's intents and a handful of Banking77 ones,
# from the shipped data, with all three views: small enough to train in seconds.
SUBSET = {
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
    "lost_or_stolen_card",
    "card_arrival",
    "exchange_rate",
    "request_refund",
    "transfer_timing",
    "activate_my_card",
    "change_pin",
    "top_up_failed",
}

# Held-out sentences written for these tests; none of them is in the training data.
HELD_OUT = {
    "check_balance": [
        "could you check how much money I've got left",
        "what's the balance on my savings right now",
        "how much is in the account ending 7788",
        "do i have any money left on my debit card",
        "balance check for my current account",
        "帮忙看看我账户里还剩多少",
        "我的工资卡现在有多少钱",
        "尾号7788的账户余额查一下",
        "我储蓄账户还有钱吗",
        "查查我还剩多少余额",
    ],
    "recent_transactions": [
        "what did I buy last weekend",
        "list the payments I made yesterday",
        "show me my card spending for the past week",
        "which purchases did I make at Costa this month",
        "let me see the last five transactions",
        "我前天都买了什么",
        "把上周的支出列给我看看",
        "这个月在麦当劳消费了几次",
        "最近五笔交易是什么",
        "查看信用卡最近的消费记录",
    ],
    "manage_connected_apps": [
        "which third parties have permission to read my account",
        "please remove the budgeting tool's access to my data",
        "I want to revoke the consent I gave to an app",
        "show all apps connected to my bank",
        "disconnect that fintech app from my account",
        "我给哪些第三方开了账户访问权限",
        "把记账软件的授权取消掉",
        "撤回我给某个应用的授权",
        "显示所有连接到我银行账户的应用",
        "断开那个理财App和我账户的连接",
    ],
    "talk_to_human": [
        "can I speak to somebody real please",
        "get me a customer service agent",
        "I need a human being not a bot",
        "put me through to an advisor",
        "transfer this chat to a person",
        "麻烦帮我转一下人工客服",
        "我想找真人客服聊",
        "别让机器人回答了，转人工",
        "可以接通人工服务吗",
        "请让客服人员来处理",
    ],
    "make_complaint": [
        "I want to file a formal complaint about your staff",
        "your service today was appalling and I want to complain",
        "how can I lodge a complaint with the bank",
        "I'm really angry about how I was treated and want to complain",
        "complain about the fees you charged me",
        "我要投诉你们网点的服务态度",
        "你们的处理太让人失望了，我要投诉",
        "怎么提交投诉",
        "对客服很不满意，我要投诉他",
        "这收费太不合理，我要投诉",
    ],
    "product_inquiry": [
        "what kinds of credit cards can I apply for",
        "do you have any savings products with good interest",
        "tell me about your loan options",
        "which investment products do you recommend",
        "what's the rate on a one-year deposit",
        "你们有什么信用卡可以办",
        "有没有利息高一点的存款产品",
        "介绍一下你们的贷款产品",
        "一年定期的利率是多少",
        "有什么适合新手的理财产品",
    ],
}

UNRELATED = [
    "what's the best way to learn the guitar",
    "how many legs does a spider have",
    "recommend a podcast about history",
    "what's the recipe for chocolate cake",
    "太阳系有几颗行星",
    "给我推荐一本科幻小说",
    "长城有多长",
    "怎么养多肉植物",
]


@pytest.fixture(scope="session")
def subset_data() -> TrainingData:
    """Return the shipped examples of the SUBSET intents."""
    data = load_training_data(default_data_dir())
    return TrainingData([(t, i) for t, i in data.examples if i in SUBSET])


@pytest.fixture(scope="session")
def model(subset_data: TrainingData) -> NLUModel:
    """Train the three-view model once for the session."""
    return train_model(subset_data, random_state=0)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write a tiny Rasa data folder for CLI and caching tests."""
    folder = tmp_path_factory.mktemp("nlu-data")
    data = load_training_data(default_data_dir())
    keep = {"check_balance", "talk_to_human", "greeting", "lost_or_stolen_card", OUT_OF_SCOPE}
    write_training_data(
        TrainingData([p for p in data.examples if p[1] in keep]), folder / "nlu.yml"
    )
    return folder


def test_held_out_sentences_are_not_training_examples(subset_data: TrainingData) -> None:
    training = {t.lower() for t in subset_data.texts}
    for texts in HELD_OUT.values():
        assert not training & {t.lower() for t in texts}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_task_intents_classify_held_out_sentences(model: NLUModel, language: str) -> None:
    cases = [
        (text, intent)
        for intent, texts in HELD_OUT.items()
        for text in texts
        if (language == "zh") == any("\u4e00" <= ch <= "\u9fff" for ch in text)
    ]
    predicted = model.predict([t for t, _ in cases])
    misses = [(t, i, p) for (t, i), p in zip(cases, predicted, strict=True) if i != p]
    assert len(misses) <= len(cases) // 10, misses  # at least 90 % right per language


def test_clearly_unrelated_text_is_rejected(model: NLUModel) -> None:
    predicted = model.predict(UNRELATED)
    assert sum(p == OUT_OF_SCOPE for p in predicted) >= len(UNRELATED) - 1, predicted


def test_parse_returns_rasa_style_json(model: NLUModel) -> None:
    result = model.parse(
        "How much did I spend at Starbucks yesterday on my card ending 1234?",
        merchants=["Starbucks|星巴克"],
    )
    out = result.as_dict()
    assert set(out) == {
        "text", "intent", "intent_ranking", "entities", "language", "script", "normalized"
    }  # fmt: skip
    assert out["intent"]["name"] == "recent_transactions"
    assert 0.0 < out["intent"]["confidence"] <= 1.0
    ranking = out["intent_ranking"]
    assert ranking[0] == out["intent"]
    assert [r["confidence"] for r in ranking] == sorted(
        (r["confidence"] for r in ranking), reverse=True
    )
    assert {e["entity"] for e in out["entities"]} == {"merchant", "date", "account"}
    for e in out["entities"]:
        assert set(e) >= {"entity", "value", "start", "end", "text"}
        assert result.text[e["start"] : e["end"]] == e["text"]
    assert out["language"] == "en"
    json.dumps(out, ensure_ascii=False)


def test_parse_chinese_with_entities(model: NLUModel) -> None:
    result = model.parse(
        "帮我查一下尾号1234的卡上周一在星巴克的消费", merchants=["星巴克|Starbucks"]
    )
    assert result.intent == "recent_transactions"
    assert result.language == "zh"
    assert {(e.entity, e.value) for e in result.entities} >= {
        ("account", "*1234"),
        ("merchant", "星巴克"),  # the first gazetteer alias is the canonical name
    }


def test_rejected_parse_puts_out_of_scope_first(model: NLUModel) -> None:
    out = model.parse("给我推荐一本科幻小说").as_dict()
    assert out["intent"]["name"] == OUT_OF_SCOPE
    assert out["intent_ranking"][0]["name"] == OUT_OF_SCOPE
    assert [r["name"] for r in out["intent_ranking"]].count(OUT_OF_SCOPE) == 1


def test_probabilities_are_calibrated_distributions(model: NLUModel) -> None:
    proba = model.predict_proba(["我的卡丢了", "hello", "查余额"])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert len(model.classifier.weights_) == 3 and (model.classifier.weights_ > 0).all()
    assert 0.0 <= model.detector.threshold_ <= 1.0
    assert 0.0 <= model.detector.margin_ <= 0.5


def test_save_and_load_give_identical_predictions(model: NLUModel, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m" / "model.joblib")
    loaded = NLUModel.load(path)
    texts = ["我的卡丢了", "what's my balance", "tell me a joke"]
    assert np.allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.metadata == model.metadata


def test_load_refuses_foreign_files(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"format": -1}, tmp_path / "x.joblib")
    with pytest.raises(ValueError, match="not a wendu NLU model"):
        NLUModel.load(tmp_path / "x.joblib")


def test_evaluation_report(model: NLUModel, subset_data: TrainingData) -> None:
    held = TrainingData([(t, i) for i, texts in HELD_OUT.items() for t in texts])
    report = evaluate(model, held, top_confusions=3)
    assert report.n_examples == len(held)
    assert report.accuracy >= 0.9
    assert 0.0 <= report.macro_f1 <= 1.0
    assert {s.intent for s in report.per_intent} == set(HELD_OUT)
    assert len(report.confusions) <= 3
    assert "macro-F1" in report.render()


def test_default_model_trains_once_then_loads_from_cache(tiny_dir: Path, tmp_path: Path) -> None:
    first = load_or_train(tiny_dir, cache_dir=tmp_path)
    path = cached_model_path(tiny_dir, tmp_path)
    assert path.is_file()
    stamp = path.stat().st_mtime_ns
    second = load_or_train(tiny_dir, cache_dir=tmp_path)
    assert path.stat().st_mtime_ns == stamp  # loaded, not retrained
    assert second.predict(["我的卡丢了"]) == first.predict(["我的卡丢了"])
    (tiny_dir / "extra.yml").write_text(
        "nlu:\n- intent: greeting\n  examples: |\n    - good day to you\n", encoding="utf-8"
    )
    try:
        assert cached_model_path(tiny_dir, tmp_path) != path  # data edit -> new cache key
    finally:
        (tiny_dir / "extra.yml").unlink()


def test_training_is_deterministic(tiny_dir: Path) -> None:
    data = load_training_data(tiny_dir)
    a = train_model(data, views=("tfidf", "use"), random_state=3)
    b = train_model(data, views=("tfidf", "use"), random_state=3)
    texts = ["我的卡丢了", "hello there", "余额"]
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))
    assert (a.detector.threshold_, a.detector.margin_) == (
        b.detector.threshold_,
        b.detector.margin_,
    )


# ------------------------------------------------------------------ CLI


def test_cli_train_evaluate_and_parse(tiny_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "tiny.joblib"
    result = runner.invoke(
        nlu_app, ["train", "--data", str(tiny_dir), "--out", str(out), "--views", "tfidf"]
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and "intents" in result.output

    result = runner.invoke(
        nlu_app, ["evaluate", "--model", str(out), "--data", str(tiny_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"n_examples", "accuracy", "macro_f1", "per_intent", "confusions"}
    assert report["accuracy"] > 0.8

    result = runner.invoke(nlu_app, ["evaluate", "--model", str(out), "--data", str(tiny_dir)])
    assert result.exit_code == 0 and "accuracy:" in result.output

    result = runner.invoke(
        nlu_app, ["parse", "--model", str(out), "--today", "2026-11-25", "尾号1234的卡昨天丢了"]
    )
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["intent"]["name"] == "lost_or_stolen_card"
    assert parsed["language"] == "zh"
    assert {(e["entity"], e["value"]) for e in parsed["entities"]} == {
        ("account", "*1234"),
        ("date", "2026-11-24"),
    }

    lines = tmp_path / "in.txt"
    lines.write_text("what's my balance\n\n转人工\nhello\n", encoding="utf-8")
    result = runner.invoke(nlu_app, ["parse", "--model", str(out), "--file", str(lines), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in rows] == ["what's my balance", "转人工", "hello"]
    assert [r["intent"]["name"] for r in rows] == ["check_balance", "talk_to_human", "greeting"]


def test_cli_parse_without_model_uses_the_cached_default(
    model: NLUModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENDU_MODEL_DIR", str(tmp_path))
    # Seed the cache slot of the default model so the test does not retrain it.
    model.save(default_model_path())
    result = CliRunner().invoke(nlu_app, ["parse", "--json", "我要投诉"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intent"]["name"] == "make_complaint"


def test_cli_refuses_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(nlu_app, ["parse"]).exit_code != 0  # neither TEXT nor --file
    result = runner.invoke(
        nlu_app, ["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m")]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        nlu_app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), "--views", "x"]
    )
    assert result.exit_code != 0


def test_nlu_group_is_registered_in_the_wendu_command() -> None:
    from wendu.cli import app as wendu_app

    result = CliRunner().invoke(wendu_app, ["nlu", "--help"])
    assert result.exit_code == 0
    assert "train" in result.output and "parse" in result.output


# ------------------------------------------------------------------ estimator contract

TEXTS = [
    "我的卡丢了", "card lost", "卡被偷了", "stolen card", "卡不见了", "lost my card",
    "查余额", "my balance", "余额多少", "balance please", "还有多少钱", "how much money",
    "你好", "hello", "您好", "hi there", "早上好", "good morning",
]  # fmt: skip
LABELS = ["lost"] * 6 + ["balance"] * 6 + ["greet"] * 6
RNG = np.random.default_rng(0)
X_NUM = RNG.normal(size=(60, 5)) + np.repeat(np.eye(3, 5) * 3, 20, axis=0)
Y_NUM = np.repeat(["a", "b", "c"], 20)
PROBA = RNG.dirichlet(np.ones(3) * 0.3, size=60)
Y_OOS = np.where(np.arange(60) % 10 == 0, -1, PROBA.argmax(axis=1))

Case = tuple[Callable[[], Any], Any, Any, str]
CASES: dict[str, Case] = {
    "tfidf": (TfidfFeatures, TEXTS, None, "transform"),
    "use": (lambda: EmbeddingFeatures("use"), TEXTS, None, "transform"),
    "minilm": (lambda: EmbeddingFeatures("minilm"), TEXTS, None, "transform"),
    "calibrated_lr": (lambda: CalibratedLogisticRegression(cv=3), X_NUM, Y_NUM, "predict_proba"),
    "ensemble": (
        lambda: IntentEnsemble(views=("tfidf", "use", "minilm"), cv=3),
        TEXTS,
        LABELS,
        "predict_proba",
    ),
    "oos_detector": (OutOfScopeDetector, PROBA, Y_OOS, "predict"),
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


def test_calibrated_regression_passes_sklearn_estimator_checks() -> None:
    check_estimator(CalibratedLogisticRegression(cv=2, random_state=0))


# ------------------------------------------------------------------ intent names as examples

NAMED_TEXTS = [
    "where is the card you posted", "my new card hasn't come", "still waiting for the card",
    "卡还没寄到", "新卡什么时候到", "寄的卡没收到",
    "what rate do you use for euros", "pound to yuan rate today", "how many dollars for 100 pounds",
    "欧元汇率多少", "今天美元兑人民币多少", "换外币按什么价",
    "asdf qwer", "tell me a joke", "what's the weather", "讲个笑话", "今天天气", "随便说说",
]  # fmt: skip
NAMED_LABELS = ["card_arrival"] * 6 + ["exchange_rate"] * 6 + [OUT_OF_SCOPE] * 6


def _tfidf_ensemble(name_weight: float) -> IntentEnsemble:
    return IntentEnsemble(views=("tfidf",), C=(10.0,), cv=3, name_weight=name_weight)


def test_intent_names_are_learned_as_weighted_examples() -> None:
    with_names = _tfidf_ensemble(2.0).fit(NAMED_TEXTS, NAMED_LABELS)
    without = _tfidf_ensemble(0.0).fit(NAMED_TEXTS, NAMED_LABELS)
    vocabulary = with_names.featurizers_[0].word_vectorizer_.vocabulary_
    assert (
        "arrival" in vocabulary
        and "arrival" not in without.featurizers_[0].word_vectorizer_.vocabulary_
    )
    # the out-of-scope class has no name example: its name is not something customers say
    assert "scope" not in vocabulary
    assert with_names.predict(["card arrival", "exchange rate"]).tolist() == [
        "card_arrival",
        "exchange_rate",
    ]
    # calibration and out-of-fold probabilities cover the given examples only
    assert with_names.oof_proba_ is not None and with_names.oof_proba_.shape == (18, 3)


def test_numeric_labels_get_no_name_examples() -> None:
    ensemble = _tfidf_ensemble(2.0).fit(TEXTS, [LABELS.index(x) for x in LABELS])
    assert ensemble.oof_proba_ is not None and ensemble.oof_proba_.shape[0] == len(TEXTS)
    assert set(ensemble.predict(TEXTS)) <= {0, 6, 12}


def test_negative_name_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="name_weight"):
        _tfidf_ensemble(-1.0).fit(NAMED_TEXTS, NAMED_LABELS)


def test_one_message_tfidf_path_matches_scikit_learn() -> None:
    features = TfidfFeatures().fit(NAMED_TEXTS + TEXTS)
    messages = [*NAMED_TEXTS[:3], "我的卡丢了怎么办", "card card card lost", "", "zzqx unknown"]
    fast = sp.vstack([features.transform([m]) for m in messages]).toarray()
    batch = features.transform(messages * 2)[: len(messages)].toarray()  # > 8 rows: sklearn
    assert np.allclose(fast, batch, atol=1e-6)
    assert np.allclose(np.linalg.norm(fast[:5], axis=1), np.sqrt(2), atol=1e-5)  # 2 unit blocks
