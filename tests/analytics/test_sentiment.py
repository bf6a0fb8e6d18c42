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


# The fast scorer must give the library's score exactly: texts built from the words every VADER
# rule looks at (boosters in any case, negations, "no", "least", "but", "never so", "without
# doubt", "kind of", idioms, emoji, !/?), mixed with lexicon and plain words.
RULE_WORDS = [
    *("very", "VERY", "extremely", "barely", "kind", "of", "sort", "kinda", "just", "enough"),
    *("not", "NOT", "isn't", "don't", "never", "so", "this", "without", "doubt", "no", "No"),
    *("or", "nor", "least", "at", "but", "BUT", "the", "bomb", "shit", "yeah", "right", "bad"),
    *("ass", "kiss", "death", "to", "die", "for", "beating", "heart", "bus", "stop", "cut"),
    *("GREAT", "great", "good", "love", "LOVE", "hate", "terrible", "awful", "nice", "fine"),
    *("okay", "sorry", "thanks", "help", "problem", "refund", "cancel", "angry", "happy", "ok"),
    *("account", "call", "the", "a", "I", "you", "we", "it", ":)", ":(", ":-D", "<3", "lol"),
    *("😀", "😡", "💔", "👍", "...", "!!", "?", "??", "!!!!!", "-", "'", '"', "(good)", "wow!"),
]


def _library_score(text: str) -> float:
    from callstudio.analytics.sentiment import _analyzer

    return _analyzer().polarity_scores(text)["compound"]


def test_the_fast_scorer_gives_the_library_score_on_texts_built_to_hit_every_rule():
    import random

    from callstudio.analytics.sentiment import _analyzer

    rng = random.Random(20261207)
    lexicon = sorted(_analyzer().lexicon)
    plain = ["queue", "billing", "Tuesday", "order", "number", "email", "transfer", "line"]
    mismatches = []
    for _ in range(20_000):
        pool = rng.choice([RULE_WORDS, RULE_WORDS + lexicon[:: rng.randint(5, 50)] + plain])
        words = rng.choices(pool, k=rng.randint(1, 30))
        if rng.random() < 0.3:
            words = [w.upper() if rng.random() < 0.3 else w for w in words]
        text = " ".join(w + rng.choice(["", "", ",", ".", "!", "?"]) for w in words)
        if _library_score(text) != text_sentiment(text):
            mismatches.append(text)
    assert mismatches == []


@pytest.mark.parametrize(
    "text",
    [
        "VADER is smart, handsome, and funny!",
        "The book was kind of good.",
        "At least it isn't a horrible book.",
        "Not bad at all",
        "Today SUX!",
        "Make sure you :) or :D today!",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "It was the bomb, never so good, without doubt the best",
        "no good or bad",
        "   ",
        "",
        "café résumé naïve – “quoted” ‘text’",
    ],
)
def test_the_fast_scorer_gives_the_library_score_on_vaders_own_examples(text):
    assert text_sentiment(text) == _library_score(text)
