"""The one matcher: whether a call matches a query, evaluated in Python on the call's document
(search/text.py). Alert rules, automations and trackers use it on each call the analysis pass
sees; search uses it to pick and highlight the segments of the calls the engine found. The
engines (search/engines.py) compile the same tree; the property test holds all three equal."""

from html import escape

from .query import Query, Term
from .text import META, Document, fold, word_spans


def _at(run: tuple[str, ...], i: int, term: Term) -> bool:
    n = len(term.words)
    if i + n > len(run):
        return False
    for k in range(n - 1):
        if run[i + k] != term.words[k]:
            return False
    last = run[i + n - 1]
    return last.startswith(term.words[-1]) if term.prefix else last == term.words[-1]


def _in_run(run: tuple[str, ...], term: Term) -> bool:
    first = term.words[0]
    if len(term.words) == 1 and not term.prefix:
        return first in run
    return any(_at(run, i, term) for i in range(len(run)))


def _applies(role: str, term: Term) -> bool:
    return term.scope is None or term.scope == role


def term_holds(document: Document, term: Term) -> bool:
    return any(_in_run(run, term) for role, run in document.runs if _applies(role, term))


def matches(query: Query, document: Document) -> bool:
    for clause in query.clauses:
        found = any(term_holds(document, t) for t in clause.terms)
        if found == clause.negated:
            return False
    return True


def highlight(query: Query, *, role: str, text: str) -> str | None:
    """The segment's text, escaped, with the words of the query's terms in <mark>; None when
    no term of the query is found in it (a segment with only left-out words is not a match)."""
    if role == META:
        return None
    terms = [t for t in query.terms() if _applies(role, t)]
    folded = text.lower() if text.isascii() else fold(text)
    if not any(t.words[0] in folded for t in terms):  # cheap: no term's first word is in it
        return None
    spans = word_spans(text)
    run = tuple(w for w, _, _ in spans)
    marked = [False] * len(run)
    for term in terms:
        for i in range(len(run)):
            if _at(run, i, term):
                for k in range(i, i + len(term.words)):
                    marked[k] = True
    if not any(marked):
        return None
    out, cursor, i = [], 0, 0
    while i < len(run):
        if not marked[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(run) and marked[j + 1]:
            j += 1
        start, end = spans[i][1], spans[j][2]
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor, i = end, j + 1
    out.append(escape(text[cursor:]))
    return "".join(out)
