"""Storing calls sent to a workflow ID. One insert per batch, `ON CONFLICT DO NOTHING` on
(team, external_id): a resend never duplicates, and the rows the database reports as inserted are
exactly the ones counted as accepted."""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from callstudio.accounts.selectors import verified_emails
from callstudio.core.activity import mark_ingest_busy
from callstudio.core.errors import Forbidden, Gone, NotFound
from callstudio.core.metrics import CALLS_INGESTED
from callstudio.core.sql import SQLITE_ROWS, values_clause
from callstudio.orgs.models import Team, TeamMembership
from callstudio.search import index as search_index

from .derive import talk_figures, timing
from .lifecycle import arrival_state
from .lifecycle import link_agent_calls as link_agent_calls  # where team-member services find it
from .models import Call, IngestKey
from .signals import calls_stored

KEY_PREFIX = "cs_ik_"
# Calls per transaction of a stream: the commit, the search index's new segment and the agent
# directory are paid once per batch.
BATCH_SIZE = 1000


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def ingest_key_authenticate(raw: str | None) -> IngestKey | None:
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 128:
        return None
    key = IngestKey.objects.filter(digest=key_digest(raw), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(
        seconds=settings.CALLSTUDIO_TOKEN_TOUCH_SECONDS
    ):
        IngestKey.objects.filter(id=key.id).update(last_used_at=now)
    return key


def ingest_team(key: IngestKey, workflow_id: str) -> Team:
    """The team behind a workflow ID, for this key. Unknown and foreign look the same: 404."""
    team = Team.objects.filter(workflow_id=workflow_id, organization_id=key.organization_id).first()
    if team is None:
        raise NotFound("No team has this workflow ID.")
    if not key.allows(team.id):
        raise Forbidden("This ingest key is not allowed to send calls to this team.")
    if team.archived_at is not None:
        raise Gone("This team is archived and takes no new calls.")
    return team


def agent_directory(team_id: str) -> dict[str, int]:
    """Every way a sender may name an active member of the team, to the member's account: the
    account ID, the agent ID an admin gave them in this team, and their VERIFIED addresses only
    (an address anyone can type into their profile must not pull in the calls meant for its
    owner). Two queries, whatever the team's size."""
    directory = {}
    members = TeamMembership.objects.filter(team_id=team_id, revoked_at__isnull=True).values_list(
        "account_id", "account__account_id", "agent_external_id"
    )
    for account_pk, account_id, external in members:
        directory[f"account_id:{account_id}"] = account_pk
        if external:
            directory[f"external_id:{external}"] = account_pk
    for account_pk, email in verified_emails(pk for pk, _, _ in members):
        directory[f"email:{email}"] = account_pk
    return directory


# The columns ingestion writes, in the order `_row` gives their values; every column of the
# calls table but the id (checked below, so a new column cannot be left out silently).
_ORDER = (
    "organization_id", "team_id", "external_id", "started_at", "ended_at", "duration_seconds",
    "direction", "agent_id", "agent_ref", "customer", "transcript", "recording_url", "tags",
    "metadata", "archived", "agent_talk_seconds", "customer_talk_seconds", "other_talk_seconds",
    "talk_ratio", "silence_share", "longest_monologue_seconds", "created_at", "sentiment",
    "keywords", "trackers", "analyzed_at",
)  # fmt: skip
_FIELDS = {f.column: f for f in Call._meta.concrete_fields if f.name != "id"}
assert set(_ORDER) == set(_FIELDS), "calls/ingest.py _ORDER must name every column of Call"
_COLUMNS = ", ".join(connection.ops.quote_name(c) for c in _ORDER)
_JSON_AT = [i for i, c in enumerate(_ORDER) if isinstance(_FIELDS[c], JSONField)]
_TIME_AT = [i for i, c in enumerate(_ORDER) if c in ("started_at", "ended_at", "created_at")]
_EMPTY_LIST = b"[]"
_AGENT_AT, _REF_AT = _ORDER.index("agent_id"), _ORDER.index("agent_ref")


def _customer(call) -> dict:
    customer = call.customer
    if customer is None:
        return {}
    return {k: v for k, v in (("name", customer.name), ("phone", customer.phone)) if v is not None}


def _row(team: Team, call, customer: dict, now) -> list:
    """A call's values in `_ORDER`, its JSON columns as JSON bytes, its agent not yet linked
    (`write` does, by its reference). `call` is a `CallIn` or a `wire.Call`: the same
    attributes."""
    ended_at, duration = timing(call)
    ref = call.agent.ref if call.agent else ""
    state = arrival_state(agent_id=None)
    figures = talk_figures(call.transcript, duration)
    return [
        team.organization_id,
        team.id,
        call.external_id,
        call.started_at,
        ended_at,
        duration,
        call.direction or "",
        state["agent_id"],
        ref,
        orjson.dumps(customer),
        # Segments are plain dicts (validated), serialised as they are.
        orjson.dumps(call.transcript),
        call.recording_url or "",
        orjson.dumps(list(dict.fromkeys(call.tags))),
        orjson.dumps(call.metadata),
        state["archived"],
        figures["agent_talk_seconds"],
        figures["customer_talk_seconds"],
        figures["other_talk_seconds"],
        figures["talk_ratio"],
        figures["silence_share"],
        figures["longest_monologue_seconds"],
        now,
        None,
        _EMPTY_LIST,
        _EMPTY_LIST,
        state["analyzed_at"],
    ]


def _sqlite_params(rows: list[list]) -> list:
    """What Django stores on SQLite: JSON as text, times as naive UTC text."""
    params = []
    for row in rows:
        for i in _JSON_AT:
            row[i] = str(row[i], "utf-8")
        for i in _TIME_AT:
            row[i] = str(row[i].astimezone(UTC).replace(tzinfo=None))
        params.extend(row)
    return params


def _postgresql_param(rows: list[list]) -> str:
    """One JSON array of objects for jsonb_to_recordset."""
    for row in rows:
        for i in _JSON_AT:
            row[i] = orjson.Fragment(row[i])
    return orjson.dumps([dict(zip(_ORDER, row, strict=True)) for row in rows]).decode()


@functools.cache
def _insert_sql_pg() -> str:
    spec = ", ".join(f"{c} {_FIELDS[c].db_type(connection)}" for c in _ORDER)
    return (
        f"INSERT INTO {Call._meta.db_table} ({_COLUMNS}) SELECT {_COLUMNS} FROM jsonb_to_recordset(%s::jsonb) "
        f"AS r({spec}) ON CONFLICT (team_id, external_id) DO NOTHING RETURNING id, external_id"
    )


def _insert_pg(cursor, statements: list) -> dict[str, int]:
    inserted = {}
    for sql, params in statements:
        cursor.execute(sql, params)
        inserted.update((external_id, pk) for pk, external_id in cursor.fetchall())
    return inserted


@functools.cache
def _insert_sql_sqlite(n: int) -> str:
    return (
        f"INSERT INTO {Call._meta.db_table} ({_COLUMNS}) VALUES {values_clause(n, len(_ORDER))} "
        "ON CONFLICT (team_id, external_id) DO NOTHING"
    )


def _insert_sqlite(cursor, statements: list) -> dict[str, int]:
    """The rows, then which were inserted, in a few statements of one step each: the calls' ids
    are AUTOINCREMENT, and the transaction holds the write lock from its start (IMMEDIATE), so
    the rows inserted now are exactly those above the largest id before. (RETURNING, or
    fetching rows, would step once per row, giving up and taking back the GIL each time: slow
    while another thread waits for it, calls/stream.py.)"""
    table = Call._meta.db_table
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    (before,) = cursor.fetchone()
    for sql, params in statements:
        cursor.execute(sql, params)
    cursor.execute(
        f"SELECT json_group_array(json_array(id, external_id)) FROM {table} WHERE id > %s",
        [before],
    )
    return {external_id: pk for pk, external_id in orjson.loads(cursor.fetchone()[0])}


@dataclass
class Batch:
    """Calls on their way in. `prepare` derives their rows and search index documents without
    the database; `bind` links their agents (reading the team's members) and binds the rows into
    statements; `write` stores them in one transaction. A stream prepares the next batch while
    the last one is written (calls/stream.py), so `write` does as little Python as it can."""

    team: Team
    calls: list
    rows: list[list]
    documents: list | None
    statements: list | None = None


def prepare(*, team: Team, calls: list) -> Batch:
    """`calls` (each a `CallIn` or a `wire.Call`) made ready to store; repeats of an
    external_id within them count once."""
    now = timezone.now()
    unique = list({c.external_id: c for c in calls}.values())
    customers = [_customer(c) for c in unique]
    rows = [_row(team, c, customer, now) for c, customer in zip(unique, customers, strict=True)]
    documents = None
    if search_index.enabled():
        documents = [
            search_index.document(c.transcript, customer, c.external_id)
            for c, customer in zip(unique, customers, strict=True)
        ]
    return Batch(team, unique, rows, documents)


def bind(batch: Batch) -> Batch:
    """Link each call to the member its agent reference names (the team's members now), and
    bind the rows into the INSERT statements."""
    directory = agent_directory(batch.team.id)
    rows = batch.rows
    for row in rows:
        row[_AGENT_AT] = directory.get(row[_REF_AT])
    if connection.vendor == "postgresql":
        batch.statements = [(_insert_sql_pg(), [_postgresql_param(rows)])] if rows else []
    else:
        batch.statements = [
            (_insert_sql_sqlite(len(part)), _sqlite_params(part))
            for part in (rows[i : i + SQLITE_ROWS] for i in range(0, len(rows), SQLITE_ROWS))
        ]
    return batch


def write(batch: Batch) -> dict[str, int]:
    """Store a bound batch in one transaction. Returns {external_id: call id} of the rows
    inserted now; the others were already there."""
    if not batch.statements:
        return {}
    team = batch.team
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        insert = _insert_pg if postgresql else _insert_sqlite
        inserted = insert(cursor, batch.statements)
        if inserted and batch.documents is not None:
            search_index.write_entries(
                [
                    (inserted[c.external_id], team.organization_id, team.id, c.started_at, doc)
                    for c, doc in zip(batch.calls, batch.documents, strict=True)
                    if c.external_id in inserted
                ]
            )
        mark_ingest_busy()
        if inserted:
            call_ids = list(inserted.values())
            transaction.on_commit(lambda: _announce(team.id, call_ids))
    return inserted


def store_calls(*, team: Team, calls: list) -> dict[str, int]:
    """Insert a batch in one transaction. Returns {external_id: call id} of the rows inserted now;
    the others of the batch were already there (or repeated within it)."""
    return write(bind(prepare(team=team, calls=calls)))


def _announce(team_id: str, call_ids: list[int]) -> None:
    # After the commit: the analysis pipeline (listening above calls) enqueues the pass. The
    # batch is stored whatever a listener does, so a failing one is logged (by Django's
    # dispatcher, logger django.dispatch), never raised into the request.
    CALLS_INGESTED.inc(len(call_ids))
    calls_stored.send_robust(sender=Call, team_id=team_id, call_ids=call_ids)


def ingest_one(*, team: Team, call) -> tuple[int, bool]:
    """(call id, created). Sending the same external_id again returns the stored call."""
    inserted = store_calls(team=team, calls=[call])
    if call.external_id in inserted:
        return inserted[call.external_id], True
    existing = (
        Call.objects.filter(team_id=team.id, external_id=call.external_id)
        .values_list("id", flat=True)
        .first()
    )
    return existing, False
