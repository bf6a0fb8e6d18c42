"""Sentiment of a call: VADER (vaderSentiment, a lexicon and rules for conversational English,
installed from PyPI with its lexicon; nothing is downloaded at run time). A call's sentiment is
the mean compound score (-1 to 1) of its transcript segments that have text; None without text.

It runs in the analysis pass (pipeline/analysis.py), never in the ingest request."""

import functools

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def text_sentiment(text: str) -> float:
    return _analyzer().polarity_scores(text)["compound"]


def call_sentiment(transcript: list) -> float | None:
    scores = [
        text_sentiment(s["text"])
        for s in transcript
        if isinstance(s, dict) and isinstance(s.get("text"), str) and s["text"].strip()
    ]
    return round(sum(scores) / len(scores), 4) if scores else None
