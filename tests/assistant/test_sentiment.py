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
