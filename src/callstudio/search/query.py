"""The query language (docs/search.md): parsed once into a small tree that the engines compile
(search/engines.py) and the matcher evaluates (search/matcher.py).

    query   := clause+                      every clause must hold (AND)
    clause  := ["-"] term ("OR" term)*      a "-" clause must not hold; OR binds tighter than AND
    term    := [("agent" | "customer") ":"] (word ["*"] | '"' phrase '"')

A word typed with punctuation inside (`e-mail`, `555-0100`) is the phrase of its words, as in
the index; characters that make no word (`^`, `:`, a lone `*` or `-`) are ignored. `OR` in
capitals joins terms; any other spelling is a word. Anything that cannot be read is a 422 naming
`q` and the position (1-based) where reading stopped."""

from dataclasses import dataclass

from callstudio.core.errors import Invalid

from .text import AGENT, CUSTOMER, MAX_WORD, longest_word, words

MAX_LENGTH = 500
MAX_TERMS = 20
SCOPES = (AGENT, CUSTOMER)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase: consecutive words of one segment
    prefix: bool = False  # the last word is a prefix (`refun*`)
    scope: str | None = None  # who said it: agent, customer; None: anyone, or the call's fields


@dataclass(frozen=True)
class Clause:
    terms: tuple[Term, ...]  # any of them (OR)
    negated: bool = False


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    def terms(self, *, negated: bool = False):
        return [t for c in self.clauses if c.negated == negated for t in c.terms]


def _error(message: str, position: int) -> Invalid:
    return Invalid(f"{message} (at character {position + 1}).", field="q")


@dataclass
class _Token:
    kind: str  # "term" or "or"
    at: int
    term: Term | None = None
    negated: bool = False


def _lex(text: str) -> list[_Token]:
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
        scope = None
        for name in SCOPES:
            if text[i : i + len(name) + 1].casefold() == name + ":" and i + len(name) + 1 < n:
                after = text[i + len(name) + 1]
                if not after.isspace():
                    scope, i = name, i + len(name) + 1
                break
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise _error("This quote is never closed", i)
            inner, i = text[i + 1 : close], close + 1
            if i < n and text[i] == "*":
                raise _error("A * ends a word, not a phrase", i)
            if i < n and not text[i].isspace():
                raise _error("Leave a space after a closing quote", i)
            found, prefix = words(inner), False
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] != '"':
                end += 1
            if end < n and text[end] == '"':
                raise _error("A quote must start a phrase, after a space", end)
            raw, i = text[i:end], end
            if raw == "OR" and not negated and scope is None:
                tokens.append(_Token("or", start))
                continue
            prefix = raw.endswith("*") and len(raw.rstrip("*")) > 0
            found = words(raw)
            if prefix and (not found or not raw.rstrip("*")[-1:].isalnum()):
                prefix = False
        if longest_word(text[start:i]) > MAX_WORD:
            raise _error(f"Words have at most {MAX_WORD} characters", start)
        if not found:
            if negated or scope:
                raise _error("Nothing to search for after this", start)
            continue  # punctuation alone: no word, nothing to look for
        term = Term(words=tuple(found), prefix=prefix, scope=scope)
        tokens.append(_Token("term", start, term=term, negated=negated))
    return tokens


def parse(text) -> Query:
    """The tree of a query, or Invalid (422, field `q`)."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("Type something to search for.", field="q")
    if len(text) > MAX_LENGTH:
        raise Invalid(f"At most {MAX_LENGTH} characters.", field="q")
    if "\x00" in text:
        raise Invalid("A search cannot contain NUL characters.", field="q")
    tokens = _lex(text)
    clauses: list[Clause] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "or":
            raise _error("OR needs a term on each side", token.at)
        terms = [token.term]
        negated = token.negated
        while i + 1 < len(tokens) and tokens[i + 1].kind == "or":
            if i + 2 >= len(tokens) or tokens[i + 2].kind == "or":
                raise _error("OR needs a term on each side", tokens[i + 1].at)
            nxt = tokens[i + 2]
            if nxt.negated or negated:
                raise _error("A term after - cannot be part of an OR", nxt.at)
            terms.append(nxt.term)
            i += 2
        clauses.append(Clause(terms=tuple(terms), negated=negated))
        i += 1
    query = Query(clauses=tuple(clauses))
    if not query.positive:
        raise Invalid("Give at least one word to find (not only words to leave out).", field="q")
    if len(query.terms()) + len(query.terms(negated=True)) > MAX_TERMS:
        raise Invalid(f"At most {MAX_TERMS} terms.", field="q")
    return query
