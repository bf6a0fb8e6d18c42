"""Words, as every part of search reads them (search/text.py)."""

from hypothesis import given
from hypothesis import strategies as st

from callstudio.search import text
from callstudio.search.matcher import highlight
from callstudio.search.query import parse


def general_path(value: str) -> list[tuple[str, int, int]]:
    """The general reading, without the ASCII shortcut."""
    out = []
    for m in text._RAW_WORD.finditer(value):
        for word in text._WORD.findall(text.fold(m.group())):
            if len(word) <= text.MAX_WORD:
                out.append((word, m.start(), m.end()))
    return out


ascii_text = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=127)),
    st.lists(st.sampled_from(["a" * 100, "b" * 101, "ab1", "|", " ", "-", "Z9"])).map("".join),
)


@given(ascii_text)
def test_the_ascii_shortcut_reads_exactly_the_words_of_the_general_path(value):
    assert text.word_spans(value) == general_path(value)
    assert text.words(value) == [w for w, _, _ in general_path(value)]


def test_words_fold_case_accents_and_compatibility_forms():
    assert text.words("Café CAFE\u0301S naïve Straße ½ e-mail foo_bar Москва ﬁle") == [
        "cafe",
        "cafes",
        "naive",
        "strasse",
        "1",
        "2",
        "e",
        "mail",
        "foo",
        "bar",
        "москва",
        "file",
    ]
    assert text.words("x" * 100 + " " + "y" * 101) == ["x" * 100]


def test_a_document_has_a_run_per_segment_and_per_field():
    doc = text.document(
        transcript=[
            {"speaker": "agent", "text": "Hello there"},
            {"speaker": "bot", "text": "hi"},
            {"speaker": "customer", "text": "?!"},
        ],
        customer={"name": "Ann Lee", "phone": "+1 (555) 010-2030"},
        external_id="C-17",
    )
    assert doc.runs == (
        ("agent", ("hello", "there")),
        ("other", ("hi",)),
        ("meta", ("ann", "lee")),
        ("meta", ("1", "555", "010", "2030")),
        ("meta", ("15550102030", "5550102030", "0102030")),
        ("meta", ("c", "17")),
    )


def test_highlight_marks_whole_phrases_and_escapes_the_rest():
    query = parse('"my refund" agent:sorry')
    said = "<b>My  refund</b>, sorry: MY REFUNDS"
    assert highlight(query, role="customer", text=said) == (
        "&lt;b&gt;<mark>My  refund</mark>&lt;/b&gt;, sorry: MY REFUNDS"
    )
    assert highlight(query, role="agent", text="Sorry, so SORRY") == (
        "<mark>Sorry</mark>, so <mark>SORRY</mark>"
    )
    assert highlight(query, role="customer", text="nothing here") is None
    assert highlight(query, role="meta", text="my refund") is None
