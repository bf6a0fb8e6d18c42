"""A query tree compiled for each engine, and a call's document written for each.

- SQLite FTS5: a contentless table with one column per role (agent, customer, other, meta);
  runs are separated by the token `|`, which no query can contain, so a phrase never spans two
  segments. Every word is quoted, so FTS5's own syntax (`NEAR`, `^`, `:`, `*`) typed by a user
  is only ever a word.
- PostgreSQL: one `tsvector` per call written position by position (no text search parser or
  dictionary sees it, so nothing is stemmed or dropped): the role is the position's weight
  (agent A, customer B, other C, meta D) and each run starts one position after the last, so a
  phrase (`<->`) never spans two segments.

Both order "newest" by one key, `sort_key(started_at, id)`: the start time to the second, then
the call's id."""

from datetime import UTC, datetime

from .query import Query, Term
from .text import AGENT, CUSTOMER, META, OTHER, plain_ascii, words

RUN_BREAK = "|"
FTS_COLUMNS = (AGENT, CUSTOMER, OTHER, META)
WEIGHTS = {AGENT: "A", CUSTOMER: "B", OTHER: "C", META: "D"}
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this one

# The sort key: seconds since 2000 (clamped to ±2^32, years 1864-2136) times 2^30, plus the id.
ID_BITS = 30
MAX_ID = (1 << ID_BITS) - 1
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_SPAN = 1 << 32


def sort_key(started_at: datetime, call_id: int) -> int:
    if not 0 < call_id <= MAX_ID:
        raise ValueError(f"call id {call_id} is beyond the search index's {MAX_ID}")
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    seconds = int((started_at - _EPOCH).total_seconds() // 1)
    seconds = max(-_SPAN, min(_SPAN - 1, seconds))
    return (seconds << ID_BITS) | call_id


def call_id_of(key: int) -> int:
    return key & MAX_ID


# --- SQLite FTS5 -----------------------------------------------------------------------------


def _fts_text(text: str) -> str:
    # Plain ASCII is handed over as it is (without the run break): FTS5's unicode61 reads the
    # same words in it as search/text.py. Anything else is handed over as its words, folded.
    if plain_ascii(text):
        return text.replace(RUN_BREAK, " ")
    return " ".join(words(text))


def fts_columns(texts: list[tuple[str, str]]) -> list[str]:
    """The text of each FTS5 column (FTS_COLUMNS order), from a call's (role, text) runs
    (search/text.py `texts`)."""
    runs = {role: [] for role in FTS_COLUMNS}
    for role, text in texts:
        runs[role].append(text)
    return [_fts_column(runs[role]) for role in FTS_COLUMNS]


def _fts_column(texts: list[str]) -> str:
    # A column's texts are usually all plain ASCII without the run break: then they are handed
    # over as they are, checked once together instead of one by one.
    whole = "\n".join(texts)
    if RUN_BREAK not in whole and plain_ascii(whole):
        return f" {RUN_BREAK} ".join(texts)
    return f" {RUN_BREAK} ".join(map(_fts_text, texts))


def _fts_term(term: Term) -> str:
    phrase = '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")
    return f"{term.scope} : {phrase}" if term.scope else phrase


def fts_match(query: Query) -> str:
    clauses = []
    for clause in query.positive:
        clauses.append("(" + " OR ".join(_fts_term(t) for t in clause.terms) + ")")
    expression = " AND ".join(clauses)
    for clause in query.negative:
        expression = f"({expression}) NOT (" + " OR ".join(_fts_term(t) for t in clause.terms) + ")"
    return expression


# --- PostgreSQL --------------------------------------------------------------------------------


# The text after each word in a tsvector literal, by weight and position: `':12B '`. Built as
# positions are first needed (rarely beyond a few thousand), read by slicing: gluing a word to
# its suffix is then one C call per word instead of a format. A longer list replaces the old
# one whole (never extended in place), so threads indexing at once only ever see a complete one.
_SUFFIXES = {weight: [""] for weight in WEIGHTS.values()}


def _suffixes(weight: str, start: int, end: int) -> list[str]:
    known = _SUFFIXES[weight]
    if len(known) < min(end, MAX_POSITION + 1):
        upto = min(max(2 * end, 1024), MAX_POSITION + 1)
        known = known + [f"':{p}{weight} '" for p in range(len(known), upto)]
        _SUFFIXES[weight] = known
    if end <= MAX_POSITION + 1:
        return known[start:end]
    # PostgreSQL keeps positions up to MAX_POSITION: the rest share the last one.
    return known[start:] + [known[MAX_POSITION]] * (end - max(start, MAX_POSITION + 1))


def tsvector(texts: list[tuple[str, str]]) -> str:
    """The `tsvector` literal of a call, from its (role, text) runs (search/text.py `texts`):
    'word':position+weight for every word, in order (PostgreSQL merges a word's positions
    itself). Each run starts one position after the last, so no phrase spans two."""
    parts = []
    at = 1
    for role, text in texts:
        found = words(text)
        if not found:
            continue
        end = at + len(found)
        parts.append("".join(map(str.__add__, found, _suffixes(WEIGHTS[role], at, end))))
        at = end + 1  # a gap: no phrase across two runs
    return ("'" + "".join(parts))[:-2] if parts else ""


def _ts_term(term: Term) -> str:
    weight = WEIGHTS[term.scope] if term.scope else ""
    parts = [f"'{word}':{weight}" if weight else f"'{word}'" for word in term.words[:-1]]
    last = term.words[-1]
    suffix = ("*" if term.prefix else "") + weight
    parts.append(f"'{last}':{suffix}" if suffix else f"'{last}'")
    return "(" + " <-> ".join(parts) + ")"


def tsquery(query: Query) -> str:
    clauses = ["(" + " | ".join(_ts_term(t) for t in c.terms) + ")" for c in query.positive]
    clauses += ["!(" + " | ".join(_ts_term(t) for t in c.terms) + ")" for c in query.negative]
    return " & ".join(clauses)
