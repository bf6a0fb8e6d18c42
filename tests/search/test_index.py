"""The index follows the calls: written in the transaction that stores them (a batch that fails
leaves neither), rebuilt from them by `callstudio search rebuild`, skipped with
CALLSTUDIO_SEARCH_INDEX=0."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from callstudio.access.policy import org_access
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.rules.search import search_calls
from callstudio.search.engines import MAX_POSITION, tsvector
from callstudio.search.index import FTS_TABLE, PG_TABLE

from .conftest import call, segment


def index_size() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A contentless table's rows are counted by the docsize shadow table.
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}_docsize")
        else:
            cursor.execute(f"SELECT count(*) FROM {PG_TABLE}")
        return cursor.fetchone()[0]


def found(world, q) -> set[str]:
    page = search_calls(access=org_access(world["admin"].account, world.org.id), q=q, limit=200)
    return {item["call"].external_id for item in page.items}


def stored(world, *bodies):
    return store_calls(team=world.team, calls=[CallIn.model_validate(b) for b in bodies])


def test_a_stored_call_is_found_at_once_and_a_resend_indexes_nothing_twice(world):
    stored(world, call("a", segment("customer", "parcel lost")))
    stored(
        world, call("a", segment("customer", "parcel lost")), call("b", segment("agent", "parcel"))
    )
    assert found(world, "parcel") == {"a", "b"}
    assert index_size() == 2


def test_a_batch_that_fails_leaves_no_entry(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        stored(world, call("x", segment("customer", "parcel")))
        raise RuntimeError("the transaction storing the batch fails")
    assert not Call.objects.filter(external_id="x").exists()
    assert index_size() == 0
    assert found(world, "parcel") == set()


def test_with_the_index_off_calls_are_stored_unindexed_until_a_rebuild(world, settings):
    settings.CALLSTUDIO_SEARCH_INDEX = False
    stored(world, call("a", segment("customer", "parcel")), call("b", segment("agent", "refund")))
    assert Call.objects.count() == 2 and index_size() == 0
    assert found(world, "parcel") == set()
    settings.CALLSTUDIO_SEARCH_INDEX = True
    out = io.StringIO()
    call_command("search", "rebuild", stdout=out)
    assert found(world, "parcel") == {"a"} and found(world, "refund") == {"b"}
    assert index_size() == 2
    assert out.getvalue().splitlines() == [
        "Indexing 2 calls...",
        "  indexed 2 of 2 calls (100 %)",
        "Indexed 2 calls.",
    ]


def test_a_rebuild_writes_every_entry_once(world):
    stored(world, *[call(f"c{i}", segment("agent", f"parcel {i}")) for i in range(5)])
    call_command("search", "rebuild", stdout=io.StringIO())
    call_command("search", "rebuild", stdout=io.StringIO())
    assert index_size() == 5
    assert found(world, "parcel") == {f"c{i}" for i in range(5)}


def test_words_too_long_to_count_and_bars_are_read_alike_by_every_part(world):
    said = f"cancel {'x' * 101} my|subscription"
    stored(world, call("long", segment("customer", said)), call("bar", segment("agent", "a|b c")))
    assert found(world, '"cancel my subscription"') == {"long"}
    assert found(world, '"a b c"') == {"bar"}
    assert found(world, "customer:subscription") == {"long"}


def test_the_postgresql_literal_names_every_word_at_its_position_and_speaker():
    runs = [("agent", "Hello, hello there"), ("customer", "Café!"), ("meta", "")]
    assert tsvector(runs) == "'hello':1A 'hello':2A 'there':3A 'cafe':5B"
    assert tsvector([("agent", "")]) == ""


def test_positions_past_postgresqls_last_share_it_and_the_words_stay_in_order():
    long_run = " ".join(f"w{i}" for i in range(MAX_POSITION + 10))
    entries = tsvector([("customer", long_run), ("agent", "late words")]).split(" ")
    assert len(entries) == MAX_POSITION + 12
    assert entries[0] == "'w0':1B"
    assert entries[MAX_POSITION - 1] == f"'w{MAX_POSITION - 1}':{MAX_POSITION}B"
    assert entries[MAX_POSITION + 9] == f"'w{MAX_POSITION + 9}':{MAX_POSITION}B"
    assert entries[-2:] == [f"'late':{MAX_POSITION}A", f"'words':{MAX_POSITION}A"]


def test_postgresql_reads_the_literal_as_written(world):
    if connection.vendor != "postgresql":
        pytest.skip("the tsvector literal is PostgreSQL's")
    literal = tsvector([("agent", "cancel my plan"), ("customer", "cancel my subscription")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::tsvector::text, %s::tsvector @@ %s::tsquery, %s::tsvector @@ %s::tsquery",
            [literal, literal, "'cancel':B <-> 'my':B", literal, "'plan' <-> 'cancel'"],
        )
        text, customer_phrase, across_runs = cursor.fetchone()
    assert text == "'cancel':1A,5B 'my':2A,6B 'plan':3A 'subscription':7B"
    assert customer_phrase is True
    assert across_runs is False  # the gap between runs: no phrase spans two segments
