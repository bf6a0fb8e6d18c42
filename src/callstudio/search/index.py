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

from .engines import FTS_COLUMNS, fts_columns, sort_key, tsvector
from .text import document, texts

FTS_TABLE = "search_fts"
PG_TABLE = "search_document"
TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '|'"


def create_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        columns = ", ".join(FTS_COLUMNS)
        return [
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='', "
            f'tokenize="{TOKENIZER}")'
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
            f"CREATE INDEX search_document_team_newest ON {PG_TABLE} (team_id, sort_key)",
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
    rows = []
    for call_id, org_id, team_id, started_at, transcript, customer, external_id in entries:
        fields = {"transcript": transcript, "customer": customer, "external_id": external_id}
        key = sort_key(started_at, call_id)
        if connection.vendor == "sqlite":
            rows.append((key, *fts_columns(texts(**fields))))
        else:
            rows.append((call_id, org_id, team_id, key, tsvector(document(**fields))))
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * (1 + len(FTS_COLUMNS)))
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) VALUES ({marks})", rows
            )
        else:
            values = ", ".join(["(%s, %s, %s, %s, %s::tsvector)"] * len(rows))
            cursor.execute(
                f"INSERT INTO {PG_TABLE} (call_id, organization_id, team_id, sort_key, doc) "
                f"VALUES {values} ON CONFLICT (call_id) DO NOTHING",
                [v for row in rows for v in row],
            )


def clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
        else:
            cursor.execute(f"TRUNCATE {PG_TABLE}")
