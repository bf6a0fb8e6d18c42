"""The search index: one entry per call, written in the transaction that stores the call
(calls/ingest.py), so a call is searchable exactly when it is stored. `rebuild` writes it again
from the calls (`callstudio search rebuild`).

SQLite: the FTS5 table `search_fts` (contentless: it stores the index, not the text a second
time), its rowid the call's sort key. PostgreSQL: the table `search_document` (call id, team,
organization, sort key, tsvector) with a GIN index on the tsvector and a B-tree on
(organization, sort key) for newest-first pages. See search/engines.py for how each is written.

Neither references the calls table by a foreign key: Django does not know these tables, and a
key would stop it from emptying the calls table (`flush`). Every read joins the calls table, so
an entry whose call is gone is never found; whatever deletes calls removes their entries."""

from django.conf import settings
from django.db import connection

from callstudio.core.sql import SQLITE_ROWS, values_clause

from .engines import FTS_COLUMNS, fts_columns, sort_key, tsvector
from .text import texts

FTS_TABLE = "search_fts"
PG_TABLE = "search_document"
PG_COLUMNS = ("call_id", "organization_id", "team_id", "sort_key", "doc")
TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '|'"


def create_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        columns = ", ".join(FTS_COLUMNS)
        return [
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='', "
            f'tokenize="{TOKENIZER}")',
            *tuning_sql(vendor),
        ]
    if vendor == "postgresql":
        return [
            f"""CREATE TABLE {PG_TABLE} (
                call_id bigint PRIMARY KEY,
                organization_id varchar(40) NOT NULL,
                team_id varchar(40) NOT NULL,
                sort_key bigint NOT NULL,
                doc tsvector NOT NULL)""",
            f"CREATE INDEX search_document_doc ON {PG_TABLE} USING gin (doc)",
            f"CREATE INDEX search_document_newest ON {PG_TABLE} (organization_id, sort_key)",
            *tuning_sql(vendor),
        ]
    return []


def tuning_sql(vendor: str) -> list[str]:
    """What the index was given after it was first built (migration search 0002 applies it to
    indexes built before)."""
    if vendor == "sqlite":
        # FTS5 writes each transaction's words as a new segment and merges segments as they
        # pile up: by default 4 of a size at once, which re-writes the index often and was half
        # of what indexing cost ingestion. 16 at once re-writes it a quarter as often; a query
        # then reads at most 16 segments of a size instead of 4.
        return [f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('automerge', 16)"]
    if vendor == "postgresql":
        return [
            # One team's pages read its own range newest first, not the organization's.
            f"CREATE INDEX IF NOT EXISTS search_document_team_newest ON {PG_TABLE} "
            "(team_id, sort_key)",
            # Word frequencies for the planner: with the default it knows ~1,000 words, takes a
            # rare one for common and reads the organization newest first hoping to meet it.
            f"ALTER TABLE {PG_TABLE} ALTER COLUMN doc SET STATISTICS 1000",
        ]
    return []


def drop_sql(vendor: str) -> list[str]:
    table = FTS_TABLE if vendor == "sqlite" else PG_TABLE
    return [f"DROP TABLE IF EXISTS {table}"] if vendor in ("sqlite", "postgresql") else []


def enabled() -> bool:
    return settings.CALLSTUDIO_SEARCH_INDEX


def index_entries(entries) -> None:
    """Index calls: `entries` are (call id, organization id, team id, started_at, transcript,
    customer, external id). Run inside the transaction that stores them."""
    write_entries(
        [
            (call_id, org_id, team_id, started_at, document(transcript, customer, external_id))
            for call_id, org_id, team_id, started_at, transcript, customer, external_id in entries
        ]
    )


def document(transcript, customer, external_id):
    """A call's entry as this database's index holds it (no database needed: ingestion prepares
    it before taking the connection, calls/stream.py): SQLite, the FTS5 columns' texts;
    PostgreSQL, the tsvector literal."""
    runs = texts(transcript=transcript, customer=customer, external_id=external_id)
    return fts_columns(runs) if connection.vendor == "sqlite" else tsvector(runs)


def write_entries(entries) -> None:
    """Write `entries`, (call id, organization id, team id, started_at, `document(...)`)."""
    if not entries:
        return
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        rows = [(sort_key(at, call_id), *doc) for call_id, _, _, at, doc in entries]
    else:
        rows = [
            (call_id, org, team, sort_key(at, call_id), doc)
            for call_id, org, team, at, doc in entries
        ]
    with connection.cursor() as cursor:
        if sqlite:
            for i in range(0, len(rows), SQLITE_ROWS):  # core/sql.py: one step per statement
                part = rows[i : i + SQLITE_ROWS]
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) VALUES "
                    + values_clause(len(part), 1 + len(FTS_COLUMNS)),
                    [value for row in part for value in row],
                )
            return
        # COPY: about a third of the cost of one INSERT of the same rows bound client-side.
        # The calls were inserted by this transaction, so no entry can exist for them already
        # (call ids are never reused); if one ever did, the primary key refuses the batch.
        with cursor.cursor.copy(f"COPY {PG_TABLE} ({', '.join(PG_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
        else:
            cursor.execute(f"TRUNCATE {PG_TABLE}")
