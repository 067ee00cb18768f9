"""Sentiment and emotion per message, in Chinese and English."""

from __future__ import annotations

import pytest

from wendu.assistant.sentiment import analyse, anger_rising


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("谢谢，太好了", "happy"),
        ("Thanks, that was really helpful", "happy"),
        ("查一下余额", "neutral"),
        ("what is my balance", "neutral"),
        ("我的卡丢了怎么办", "anxious"),
        ("my card was stolen, please help", "anxious"),
        ("你们这什么破银行！！！我要投诉", "angry"),
        ("垃圾银行，气死我了", "angry"),
        ("This is UNACCEPTABLE!!! I will go to the regulator", "angry"),
        ("You are useless, what the hell", "angry"),
    ],
)
def test_emotion_labels(text: str, emotion: str) -> None:
    result = analyse(text)
    assert result.emotion == emotion
    assert -1.0 <= result.score <= 1.0


def test_scores_order_and_negation() -> None:
    assert analyse("great service, thank you").score > 0.3
    assert analyse("not good at all").score < 0
    assert analyse("this is terrible").score < analyse("this is bad").score <= 0
    assert analyse("感谢您的帮助，非常满意").score > 0.3
    assert analyse("我要投诉！！").score <= -0.5
    assert analyse("").emotion == "neutral"


def test_anger_cues_raise_the_anger_level() -> None:
    calm = analyse("I would like to complain about a fee")
    loud = analyse("I WANT TO COMPLAIN!!! ridiculous!!!")
    assert loud.anger > calm.anger
    assert analyse("我要向监管部门举报你们").anger >= 0.4


def test_anger_rising_trend() -> None:
    assert not anger_rising([])
    assert not anger_rising([0.2, -0.1])
    assert anger_rising([-0.2, -0.5, -0.7])
    assert anger_rising([0.5, -0.9])
    assert not anger_rising([-0.7, -0.5, -0.2])  # getting calmer


def test_currency_codes_and_banking_terms_are_not_shouting() -> None:
    # Capitals were read as shouting: "send 100 EUR to my IBAN" came out angry (anger 0.6),
    # and two such messages in a row were enough for anger_rising to hand off.
    for text in ("send 100 EUR to my IBAN", "Transfer 500 USD by SWIFT", "我要换1000 USD和CNY"):
        result = analyse(text)
        assert result.anger == 0.0, text
        assert result.emotion == "neutral", text
    assert anger_rising([analyse("send 100 EUR to my IBAN").score] * 3) is False
    assert analyse("I WANT TO COMPLAIN").anger > 0  # shouting still counts


def test_curly_apostrophe_negates_like_a_straight_one() -> None:
    # Phone keyboards type "isn’t"; it used to split into "isn" + "t" and lose the negation.
    assert analyse("This isn’t good").score == analyse("This isn't good").score < 0
    assert analyse("It wasn’t helpful").score == analyse("It wasn't helpful").score < 0
