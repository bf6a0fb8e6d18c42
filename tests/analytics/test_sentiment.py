"""A call's sentiment: VADER's compound score, averaged over the transcript's segments with text."""

import pytest

from callstudio.analytics.sentiment import call_sentiment, text_sentiment


def seg(text, speaker="customer"):
    return {"speaker": speaker, "start": 0, "end": 1, "text": text}


@pytest.mark.parametrize(
    "text",
    ["Thank you so much, this is wonderful!", "I love it, excellent service.", "Great, thanks."],
)
def test_positive_text_scores_above_zero(text):
    assert text_sentiment(text) > 0.05
    assert call_sentiment([seg(text)]) > 0.05


@pytest.mark.parametrize(
    "text",
    ["This is terrible, I am very angry.", "Awful, horrible service.", "I hate this. Useless."],
)
def test_negative_text_scores_below_zero(text):
    assert text_sentiment(text) < -0.05
    assert call_sentiment([seg(text)]) < -0.05


@pytest.mark.parametrize(
    "transcript",
    [
        [],
        [seg("")],
        [seg("   \n\t")],
        [{"speaker": "agent", "start": 0, "end": 1}],  # no text at all
        ["not a segment", 42, None],
    ],
)
def test_no_text_has_no_sentiment(transcript):
    assert call_sentiment(transcript) is None


def test_a_call_is_the_mean_of_its_segments_with_text():
    good, bad = "Wonderful, thank you!", "Terrible and awful."
    expected = round((text_sentiment(good) + text_sentiment(bad)) / 2, 4)
    assert call_sentiment([seg(good, "agent"), seg(""), seg(bad)]) == expected
    assert -1 <= call_sentiment([seg(bad)] * 5) <= call_sentiment([seg(good)]) <= 1


def test_neutral_text_is_neutral():
    assert (
        abs(call_sentiment([seg("Your account ends in 4471."), seg("The meeting is on Tuesday.")]))
        <= 0.05
    )
