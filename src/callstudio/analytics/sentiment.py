"""Sentiment of a call: VADER (vaderSentiment, a lexicon and rules for conversational English,
installed from PyPI with its lexicon; nothing is downloaded at run time). A call's sentiment is
the mean compound score (-1 to 1) of its transcript segments that have text; None without text.

It runs in the analysis pass (pipeline/analysis.py), never in the ingest request.

`compound` gives exactly the score of vaderSentiment 3.3.2's `polarity_scores(text)["compound"]`
about ten times faster, which the worker needs to keep up with ingestion (2.4 ms a call became
0.2 ms). The library lowercases the whole segment three or four times for every lexicon word it
meets and builds its emoji-free copy of the text one character at a time; here each segment is
lowercased once, only the lexicon words (about one word in eight) get the rules, and a segment
with no emoji is taken as it is. The rules themselves are the library's, step for step, in the
same order (its quirks included: `_but_check` is its own function, called on the same list);
tests/analytics/test_sentiment.py compares the two on tens of thousands of texts built to hit
every rule."""

import functools
import string

from vaderSentiment import vaderSentiment as vader

PUNCTUATION = string.punctuation
# Every word of the library's multi-word idioms and boosters ("kind of", "the bomb"): a window of
# words none of which is here cannot match one, and the idiom rule is skipped.
IDIOM_WORDS = frozenset(
    word
    for phrase in (*vader.SPECIAL_CASES, *vader.BOOSTER_DICT)
    if " " in phrase
    for word in phrase.split()
)


@functools.cache
def _analyzer() -> vader.SentimentIntensityAnalyzer:
    return vader.SentimentIntensityAnalyzer()


@functools.cache
def _emoji() -> frozenset:
    # The library replaces single characters only (it looks each character of the text up).
    return frozenset(ch for ch in _analyzer().emojis if len(ch) == 1)


def text_sentiment(text: str) -> float:
    """The VADER compound score of one piece of text."""
    analyzer = _analyzer()
    if not text.isascii() and not _emoji().isdisjoint(text):
        return analyzer.polarity_scores(text)["compound"]  # rare: it spells the emoji out
    text = text.strip()
    # The library's word split: punctuation stripped from both ends, unless that leaves two
    # characters or fewer (":)", "ok!").
    words = [s if len(s := w.strip(PUNCTUATION)) > 2 else w for w in text.split()]
    if not words:
        return 0.0
    lowered = [w.lower() for w in words]
    lexicon = analyzer.lexicon
    sentiments = [0] * len(words)
    hits = [i for i, w in enumerate(lowered) if w in lexicon]
    if hits:
        # vader.allcap_differential: some words are ALL CAPS, not all.
        cap_diff = 0 < sum(map(str.isupper, words)) < len(words)
        last = len(words) - 1
        for i in hits:
            low = lowered[i]
            if low in vader.BOOSTER_DICT or (i < last and low == "kind" and lowered[i + 1] == "of"):
                continue  # modifiers, not sentiment of their own
            sentiments[i] = _valence(i, words, lowered, lexicon, cap_diff)
        if "but" in lowered:
            sentiments = analyzer._but_check(words, sentiments)
    total = float(sum(sentiments))
    emphasis = analyzer._punctuation_emphasis(text)
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    return round(vader.normalize(total), 4)


def call_sentiment(transcript: list) -> float | None:
    scores = [
        text_sentiment(s["text"])
        for s in transcript
        if isinstance(s, dict) and isinstance(s.get("text"), str) and s["text"].strip()
    ]
    return round(sum(scores) / len(scores), 4) if scores else None


NEGATE = frozenset(vader.NEGATE)
BOOSTERS = vader.BOOSTER_DICT
N_SCALAR, C_INCR = vader.N_SCALAR, vader.C_INCR


def _valence(i: int, words: list, lw: list, lexicon: dict, cap_diff: bool) -> float:
    """SentimentIntensityAnalyzer.sentiment_valence for the lexicon word at i, with its
    _negation_check and _least_check written out over the lowercased words `lw`."""
    low = lw[i]
    valence = lexicon[low]
    if low == "no" and i != len(lw) - 1 and lw[i + 1] in lexicon:
        valence = 0.0  # "no" negates the next word instead
    if (
        (i > 0 and lw[i - 1] == "no")
        or (i > 1 and lw[i - 2] == "no")
        or (i > 2 and lw[i - 3] == "no" and lw[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[low] * N_SCALAR
    if cap_diff and words[i].isupper():
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    # The three words before: boosters and dampeners (less the further), negations.
    if i > 0 and lw[i - 1] not in lexicon:
        w = lw[i - 1]
        if w in BOOSTERS:
            valence += vader.scalar_inc_dec(words[i - 1], valence, cap_diff)
        if w in NEGATE or "n't" in w:
            valence *= N_SCALAR
    if i > 1 and lw[i - 2] not in lexicon:
        w = lw[i - 2]
        if w in BOOSTERS:
            s = vader.scalar_inc_dec(words[i - 2], valence, cap_diff)
            valence += s * 0.95 if s != 0 else s
        if w == "never" and (lw[i - 1] == "so" or lw[i - 1] == "this"):
            valence *= 1.25
        elif w == "without" and lw[i - 1] == "doubt":
            pass
        elif w in NEGATE or "n't" in w:
            valence *= N_SCALAR
    if i > 2 and lw[i - 3] not in lexicon:
        w = lw[i - 3]
        if w in BOOSTERS:
            s = vader.scalar_inc_dec(words[i - 3], valence, cap_diff)
            valence += s * 0.9 if s != 0 else s
        if (
            w == "never"
            and (lw[i - 2] == "so" or lw[i - 2] == "this")
            or (lw[i - 1] == "so" or lw[i - 1] == "this")
        ):
            valence *= 1.25
        elif w == "without" and (lw[i - 2] == "doubt" or lw[i - 1] == "doubt"):
            pass
        elif w in NEGATE or "n't" in w:
            valence *= N_SCALAR
        valence = _idioms(valence, lw, i)
    least = i > 0 and lw[i - 1] == "least" and "least" not in lexicon
    if least and (i == 1 or (lw[i - 2] != "at" and lw[i - 2] != "very")):
        valence *= N_SCALAR
    return valence


def _idioms(valence: float, lw: list, i: int) -> float:
    """SentimentIntensityAnalyzer._special_idioms_check on the lowercased words (i >= 3)."""
    if IDIOM_WORDS.isdisjoint(lw[i - 3 : i + 3]):
        return valence
    onezero = f"{lw[i - 1]} {lw[i]}"
    twoonezero = f"{lw[i - 2]} {lw[i - 1]} {lw[i]}"
    twoone = f"{lw[i - 2]} {lw[i - 1]}"
    threetwoone = f"{lw[i - 3]} {lw[i - 2]} {lw[i - 1]}"
    threetwo = f"{lw[i - 3]} {lw[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[seq]
            break
    if len(lw) - 1 > i:
        zeroone = f"{lw[i]} {lw[i + 1]}"
        if zeroone in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[zeroone]
    if len(lw) - 1 > i + 1:
        zeroonetwo = f"{lw[i]} {lw[i + 1]} {lw[i + 2]}"
        if zeroonetwo in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in vader.BOOSTER_DICT:
            valence = valence + vader.BOOSTER_DICT[n_gram]
    return valence
