"""Sentiment of customer messages: a trained, calibrated model shared by every domain.

The assistant (hand-off on anger), the helpdesk (conversation sentiment and priority)
and the reputation monitor read ``analyse(text) -> Sentiment(score, emotion, anger)``.
"""

from wendu.sentiment.analysis import analyse, analyse_many, anger_rising
from wendu.sentiment.model import Emotion, Sentiment, SentimentModel, load_default_model

__all__ = [
    "Emotion",
    "Sentiment",
    "SentimentModel",
    "analyse",
    "analyse_many",
    "anger_rising",
    "load_default_model",
]
