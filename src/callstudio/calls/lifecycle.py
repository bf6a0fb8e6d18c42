"""The one place that changes a stored call's `archived`, `agent_id` or `analyzed_at`.

Those three fields decide whether and where a call counts in its team's rollups: a call is
counted exactly when it is analysed (`analyzed_at` set) and not archived, under its agent (or
"unlinked"). So whoever changes one of them must move the call's figures in the same
transaction, or the rollups drift from the calls for good. Keeping every such write here makes
that a property of one small module instead of a habit of every caller: services, the analysis
pass, the rules engine and team-member services call these functions, and
tests/calls/test_lifecycle.py fails if code anywhere else in the project writes those fields.

A new call is stored by ingestion (calls/ingest.py) with the state `arrival_state` gives it:
pending analysis, so not counted yet, whatever its agent."""

import json

from django.db import connection
from django.db.models import JSONField

from callstudio.analytics import rollups

from .models import Call

# What a call must carry (attributes) for its figures to be moved.
LOCKED_FIELDS = (*rollups.CALL_FIELDS, "archived", "analyzed_at")


def arrival_state(*, agent_id: int | None) -> dict:
    """The three fields of a call as ingestion inserts it: pending, so in no rollup yet."""
    return {"agent_id": agent_id, "archived": False, "analyzed_at": None}


def _require_transaction() -> None:
    # The callers hold row locks (or their fresh rows) that only mean something until their
    # transaction ends; changing the call and the rollups outside one could split them.
    if not connection.in_atomic_block:
        raise RuntimeError("calls.lifecycle changes run inside the caller's transaction")


def set_archived(*, call: Call, archived: bool) -> Call:
    """Archive or unarchive a call the caller may change. Returns the call as stored now (locked
    until the caller's transaction ends). An analysed call leaves or rejoins the rollups."""
    _require_transaction()
    locked = Call.objects.select_for_update().get(id=call.id)
    if locked.archived != archived:
        Call.objects.filter(id=locked.id).update(archived=archived)
        if locked.analyzed_at is not None:
            rollups.apply([locked], -1 if archived else 1)
        locked.archived = archived
    locked.agent = call.agent
    return locked


def link_agent_calls(*, team_id: str, account_pk: int, refs: list[str]) -> int:
    """Calls that named this member before they joined (or before their agent ID was set) become
    theirs; the analysed, unarchived ones move from "unlinked" to the member in the team's
    rollups. Returns how many calls were linked."""
    _require_transaction()
    # Lock every call to link, pending ones too: one the analysis pass holds is waited for and
    # read as the pass left it, so a call counted as "unlinked" meanwhile is moved, not missed.
    calls = list(
        Call.objects.filter(team_id=team_id, agent__isnull=True, agent_ref__in=refs)
        .select_for_update()
        .only(*LOCKED_FIELDS)
    )
    counted = [c for c in calls if not c.archived and c.analyzed_at is not None]
    rollups.apply(counted, -1)
    ids = [c.id for c in calls]
    linked = sum(
        Call.objects.filter(id__in=ids[i : i + 5000]).update(agent_id=account_pk)
        for i in range(0, len(ids), 5000)
    )
    for call in counted:
        call.agent_id = account_pk
    rollups.apply(counted, 1)
    return linked


def archive_on_arrival(call: Call) -> None:
    """An automation archives a call the analysis pass holds, before it is marked analysed: the
    call was never counted, so nothing moves now; `mark_analysed` stores it archived and leaves
    it out of the rollups."""
    if call.analyzed_at is not None:
        raise ValueError("only a call being analysed can be archived on arrival")
    call.archived = True


def mark_analysed(calls: list[Call], *, now) -> None:
    """The analysis pass's last step for calls it holds locked and pending, in its transaction:
    store what it found (sentiment, keywords, trackers, tags, archiving by automations), set
    `analyzed_at` and add the unarchived calls to the rollups, all or nothing."""
    _require_transaction()
    for call in calls:
        if call.analyzed_at is not None:
            raise ValueError(f"call {call.id} is already analysed")
        call.analyzed_at = now
    _update_rows(calls, ANALYSED_FIELDS)
    rollups.apply([c for c in calls if not c.archived], 1)


ANALYSED_FIELDS = ("sentiment", "keywords", "trackers", "tags", "archived", "analyzed_at")


def _update_rows(calls: list[Call], names: tuple[str, ...]) -> None:
    """Write `names` of each call. Django's bulk_update builds a CASE expression per field and
    row, which cost the analysis pass 4 ms a call. PostgreSQL: one UPDATE joined to the values
    sent as arrays (unnest), one round trip; SQLite (in process, no round trips): one
    `UPDATE ... WHERE id = ?` per call, in one executemany."""
    fields = [Call._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(Call._meta.db_table), quote(Call._meta.pk.column)
    ids = [c.pk for c in calls]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [quote(f.column) for f in fields]
            arrays = [
                [json.dumps(getattr(c, f.attname)) for c in calls]
                if isinstance(f, JSONField)
                else [f.get_db_prep_save(getattr(c, f.attname), connection) for c in calls]
                for f in fields
            ]
            cursor.execute(
                "UPDATE {t} AS c SET {sets} FROM unnest(%s::{id}[], {arrays}) AS v(id, {cols}) "
                "WHERE c.{pk} = v.id".format(
                    t=table,
                    id=Call._meta.pk.rel_db_type(connection),
                    sets=", ".join(f"{col} = v.{col}" for col in columns),
                    arrays=", ".join(f"%s::{f.db_type(connection)}[]" for f in fields),
                    cols=", ".join(columns),
                    pk=pk,
                ),
                [ids, *arrays],
            )
        else:
            cursor.executemany(
                "UPDATE {} SET {} WHERE {} = %s".format(
                    table, ", ".join(f"{quote(f.column)} = %s" for f in fields), pk
                ),
                [
                    [f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields] + [c.pk]
                    for c in calls
                ],
            )
