"""Storing calls sent to a workflow ID. One insert per batch, `ON CONFLICT DO NOTHING` on
(team, external_id): a resend never duplicates, and the rows the database reports as inserted are
exactly the ones counted as accepted."""

import functools
import hashlib
from datetime import UTC, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from callstudio.accounts.selectors import verified_emails
from callstudio.core.activity import mark_ingest_busy
from callstudio.core.errors import Forbidden, Gone, NotFound
from callstudio.core.metrics import CALLS_INGESTED
from callstudio.orgs.models import Team, TeamMembership
from callstudio.search import index as search_index

from .derive import talk_figures, timing
from .lifecycle import arrival_state
from .lifecycle import link_agent_calls as link_agent_calls  # where team-member services find it
from .models import Call, IngestKey
from .schemas import CallIn
from .signals import calls_stored

KEY_PREFIX = "cs_ik_"
BATCH_SIZE = 500


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


_FIELDS = [f for f in Call._meta.concrete_fields if f.name != "id"]
_COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
_JSON = {"customer", "transcript", "tags", "metadata", "keywords", "trackers"}


def _sqlite_datetime(value):
    # What Django stores on SQLite: naive UTC text.
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_json(value):
    return str(orjson.dumps(value), "utf-8")


def _same(value):
    return value


_SQLITE_PARAMS = [
    (
        f.column,
        _sqlite_json
        if f.name in _JSON
        else _sqlite_datetime
        if f.get_internal_type() == "DateTimeField"
        else _same,
    )
    for f in _FIELDS
]


def _customer(call: CallIn) -> dict:
    return call.customer.model_dump(exclude_none=True) if call.customer else {}


def _row(team: Team, call: CallIn, customer: dict, directory: dict[str, int], now) -> dict:
    ended_at, duration = timing(call)
    ref = call.agent.ref if call.agent else ""
    return {
        "organization_id": team.organization_id,
        "team_id": team.id,
        "external_id": call.external_id,
        "started_at": call.started_at,
        "ended_at": ended_at,
        "duration_seconds": duration,
        "direction": call.direction or "",
        "agent_ref": ref,
        "customer": orjson.Fragment(orjson.dumps(customer)),
        # Segments are validated TypedDicts: plain dicts, serialised as they are.
        "transcript": orjson.Fragment(orjson.dumps(call.transcript)),
        "recording_url": call.recording_url or "",
        "tags": orjson.Fragment(orjson.dumps(list(dict.fromkeys(call.tags)))),
        "metadata": orjson.Fragment(orjson.dumps(call.metadata)),
        "created_at": now,
        "sentiment": None,
        "keywords": orjson.Fragment(b"[]"),
        "trackers": orjson.Fragment(b"[]"),
        **arrival_state(agent_id=directory.get(ref)),
        **talk_figures(call.transcript, duration),
    }


@functools.cache
def _insert_sql_pg() -> str:
    types = {f.column: f.db_type(connection) for f in _FIELDS}
    spec = ", ".join(f"{c} {t}" for c, t in types.items())
    return (
        f"INSERT INTO {Call._meta.db_table} ({_COLUMNS}) SELECT {_COLUMNS} FROM jsonb_to_recordset(%s::jsonb) "
        f"AS r({spec}) ON CONFLICT (team_id, external_id) DO NOTHING RETURNING id, external_id"
    )


def store_calls(*, team: Team, calls: list[CallIn]) -> dict[str, int]:
    """Insert a batch in one transaction. Returns {external_id: call id} of the rows inserted now;
    the others of the batch were already there (or repeated within it)."""
    if not calls:
        return {}
    directory = agent_directory(team.id)
    now = timezone.now()
    unique = list({c.external_id: c for c in calls}.values())
    customers = [_customer(c) for c in unique]
    rows = [
        _row(team, c, customer, directory, now)
        for c, customer in zip(unique, customers, strict=True)
    ]
    if connection.vendor == "postgresql":
        sql, params = _insert_sql_pg(), [orjson.dumps(rows).decode()]
    else:
        placeholders = "(" + ", ".join(["%s"] * len(_FIELDS)) + ")"
        sql = (
            f"INSERT INTO {Call._meta.db_table} ({_COLUMNS}) VALUES "
            + ", ".join([placeholders] * len(rows))
            + " ON CONFLICT (team_id, external_id) DO NOTHING RETURNING id, external_id"
        )
        params = [convert(row[column]) for row in rows for column, convert in _SQLITE_PARAMS]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {external_id: pk for pk, external_id in cursor.fetchall()}
        if inserted and search_index.enabled():
            search_index.index_entries(
                (
                    inserted[c.external_id],
                    team.organization_id,
                    team.id,
                    c.started_at,
                    c.transcript,
                    customer,
                    c.external_id,
                )
                for c, customer in zip(unique, customers, strict=True)
                if c.external_id in inserted
            )
        mark_ingest_busy()
        if inserted:
            call_ids = list(inserted.values())
            transaction.on_commit(lambda: _announce(team.id, call_ids))
    return inserted


def _announce(team_id: str, call_ids: list[int]) -> None:
    # After the commit: the analysis pipeline (listening above calls) enqueues the pass. The
    # batch is stored whatever a listener does, so a failing one is logged (by Django's
    # dispatcher, logger django.dispatch), never raised into the request.
    CALLS_INGESTED.inc(len(call_ids))
    calls_stored.send_robust(sender=Call, team_id=team_id, call_ids=call_ids)


def ingest_one(*, team: Team, call: CallIn) -> tuple[int, bool]:
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
