"""Words, as search sees them: one tokenizer for the index (both engines), the query parser,
the matcher of alert rules, automations and trackers, and the highlighter.

A word is a run of letters and digits (combining marks stay inside the word they mark), folded
in Python before either engine sees it: NFKD, accents (combining marks) removed, case folded.
Both engines are then given words already folded, so SQLite FTS5 and PostgreSQL cannot disagree
about case, accents or where a word ends (docs/search.md, "Words").

A call's searchable text is its segments, by speaker role, and three fields of metadata
(customer name, customer phone, external ID); the phone also as its digits, whole and their
last 10 and 7, so `5550102030` finds `+1 (555) 010-2030`. Each segment and each field is a separate run of
words: a phrase matches inside one segment (or field), never across two."""

import re
import unicodedata
from dataclasses import dataclass

AGENT, CUSTOMER, OTHER, META = "agent", "customer", "other", "meta"
ROLES = (AGENT, CUSTOMER, OTHER, META)
# Longer "words" (a base64 blob pasted into a transcript) are not indexed: PostgreSQL refuses
# lexemes over 2 KB, and nobody searches for them.
MAX_WORD = 100

_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_RAW_WORD = re.compile(rf"(?:[^\W_]|[{_COMBINING}])+")
_WORD = re.compile(r"[^\W_]+")
# ASCII text (most transcripts) folds by lower-casing alone: the same words, found ~10x faster
# (whole words of at most MAX_WORD characters, longer ones skipped, by the expression itself).
_ASCII_WORD = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{1,{MAX_WORD}}}(?![A-Za-z0-9])")
# Every ASCII byte as `a` when it is a letter or digit, a space otherwise: a word too long to
# count is then a run of MAX_WORD + 1 `a`s, found by a byte search (~10x faster than a regex).
_LETTERS_AS_A = bytes(97 if chr(b).isalnum() else 32 for b in range(128)) + b" " * 128
_TOO_LONG = b"a" * (MAX_WORD + 1)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) in `text`: the words and where each came from, for highlights.
    A raw word that folds into several (`½` → `1`, `2`) gives each the raw word's span."""
    if text.isascii():
        return [(m.group().lower(), m.start(), m.end()) for m in _ASCII_WORD.finditer(text)]
    out = []
    for m in _RAW_WORD.finditer(text):
        for word in _WORD.findall(fold(m.group())):
            if len(word) <= MAX_WORD:
                out.append((word, m.start(), m.end()))
    return out


def longest_word(text: str) -> int:
    return max(
        (len(w) for m in _RAW_WORD.finditer(text) for w in _WORD.findall(fold(m.group()))),
        default=0,
    )


def words(text: str) -> list[str]:
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    return [w for w, _, _ in word_spans(text)]


def plain_ascii(text: str) -> bool:
    """Whether any tokenizer splitting ASCII on what is not a letter or digit reads exactly
    `words(text)` in `text` (no word too long to count)."""
    return text.isascii() and _TOO_LONG not in text.encode("ascii").translate(_LETTERS_AS_A)


def role_of(speaker) -> str:
    """A segment's speaker as search scopes it: `agent`, `customer`, anyone else `other`
    (the same split as the talk figures, calls/derive.py)."""
    return speaker if speaker in (AGENT, CUSTOMER) else OTHER


@dataclass(frozen=True)
class Document:
    """A call's searchable text: runs of words, each with its role."""

    runs: tuple[tuple[str, tuple[str, ...]], ...]  # (role, words)


def texts(*, transcript, customer, external_id) -> list[tuple[str, str]]:
    """A call's searchable texts as (role, text): each segment, then the call's fields."""
    out = [
        (role_of(segment.get("speaker")), str(segment.get("text", "")))
        for segment in transcript or ()
        if isinstance(segment, dict)
    ]
    customer = customer if isinstance(customer, dict) else {}
    phone = str(customer.get("phone") or "")
    digits = "".join(c for c in phone if c.isdigit())
    # The number as typed, all its digits, and its last 10 and 7 (without country or area code).
    numbers = " ".join(dict.fromkeys(d for d in (digits, digits[-10:], digits[-7:]) if d))
    for value in (customer.get("name"), phone, numbers, external_id):
        if value:
            out.append((META, str(value)))
    return out


def document(*, transcript, customer, external_id) -> Document:
    runs = []
    for role, text in texts(transcript=transcript, customer=customer, external_id=external_id):
        found = words(text)
        if found:
            runs.append((role, tuple(found)))
    return Document(runs=tuple(runs))
