"""The analysis pass: what happens to a call after it is stored.

Ingestion only stores calls (fast, and nothing here can slow or block it). The worker then takes
pending calls (`analyzed_at IS NULL`) in batches of 500, shared out between the organizations
that have some (round robin, `pending_batch`): one organization's backlog of a million calls
does not hold back another's fresh ones.

1. outside any transaction, scores their sentiment (the costly part, pure computation);
2. in one short transaction, with the rows locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
   several workers share the work; SQLite: one writer at a time), for the calls still pending:
   records sentiment, tracked keywords and matching trackers (the team's saved queries, through
   the one matcher, search/matcher.py), runs the team's automations and alert rules
   (rules/engine.py), stores the alerts and webhook deliveries, adds the unarchived calls to
   the rollups and sets `analyzed_at` (calls/lifecycle.py `mark_analysed`, the one place that
   changes what a call counts for).

Either all of step 2 commits or none of it, so a crash or a retry never counts a call twice nor
loses one: it is simply still pending. Deliveries are handed to the worker after the commit; the
periodic sweep sends any whose hand-over was lost."""

import time

from django.db import connection, transaction
from django.utils import timezone

from callstudio.accounts.models import Account
from callstudio.analytics import rollups
from callstudio.analytics.sentiment import call_sentiment
from callstudio.calls import lifecycle
from callstudio.calls.models import Call
from callstudio.core.activity import ingest_busy
from callstudio.orgs.models import Team
from callstudio.rules.conditions import facts
from callstudio.rules.engine import process_call, team_rules
from callstudio.rules.models import Alert, WebhookDelivery

from .delivery import deliver_webhook

BATCH = 500
_FIELDS = (
    *rollups.CALL_FIELDS,
    "external_id",
    "customer",
    "ended_at",
    "agent_ref",
    "metadata",
    "archived",
    "analyzed_at",  # None: read so calls/lifecycle.py can check it without a query per call
)


# While ingestion is busy, the worker's pass takes about a tenth of the time: it rests nine
# times as long as a full batch takes (at most 10 s) before each full batch, the first one of
# the pass included (a stream's first seconds are not shared with a batch at full speed), so a
# stream keeps its speed and the backlog is analysed at full speed as soon as it ends. A pass
# that finds less than a full batch waiting never rests: single calls are counted at once.
GIVE_WAY = 9
MAX_REST = 10.0
_batch_seconds = {"last": 0.3}  # how long this process's last full batch took


def _rest() -> None:
    time.sleep(min(_batch_seconds["last"] * GIVE_WAY, MAX_REST))


def _full_batch_waiting(size: int) -> bool:
    return Call.objects.filter(analyzed_at__isnull=True)[:size].count() >= size


def analyze_pending(
    *, batch: int = BATCH, limit: int | None = None, progress=None, give_way: bool = False
) -> int:
    """Analyse pending calls until none is left (or `limit` are done). Returns how many.
    `give_way`: the worker's pass rests before full batches while ingestion is busy."""
    done = 0
    if give_way and ingest_busy() and _full_batch_waiting(batch):
        _rest()
    while limit is None or done < limit:
        started = time.monotonic()
        size = min(batch, limit - done) if limit else batch
        n = analyze_batch(size)
        done += n
        if progress and n:
            progress(done)
        if n == 0:  # a short batch is not the end: an organization may have had less than its share
            break
        if n >= size:
            _batch_seconds["last"] = time.monotonic() - started
            if give_way and ingest_busy():
                _rest()
    return done


# A batch serves at most this many organizations, so each gets at least BATCH / MAX_ORGS calls;
# the next batch starts with the organizations after the last one served.
MAX_ORGS = 10
_rotation = {"after": None}


def pending_batch(size: int) -> list[tuple[int, list]]:
    """(id, transcript) of up to `size` pending calls, oldest first within each organization,
    shared equally between the organizations with pending calls, in turn."""
    orgs = _orgs_with_pending()
    after = _rotation["after"]
    if after is not None:
        orgs = [o for o in orgs if o > after] + [o for o in orgs if o <= after]
    orgs = orgs[:MAX_ORGS]
    if not orgs:
        return []
    _rotation["after"] = orgs[-1]
    share = max(size // len(orgs), 1)
    pending = Call.objects.filter(analyzed_at__isnull=True).order_by("id")
    rows = []
    for org in orgs:
        rows += pending.filter(organization_id=org).values_list("id", "transcript")[:share]
    return rows[:size]


def _orgs_with_pending(limit: int = 1000) -> list[str]:
    """The organizations with pending calls, in id order: one probe of the index call_pending_by_org
    per organization (a loose index scan), however many calls each has waiting."""
    table = connection.ops.quote_name(Call._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE o(org) AS (
                SELECT (SELECT MIN(organization_id) FROM {table} WHERE analyzed_at IS NULL)
                UNION ALL
                SELECT (SELECT MIN(organization_id) FROM {table}
                        WHERE analyzed_at IS NULL AND organization_id > o.org)
                FROM o WHERE o.org IS NOT NULL
            ) SELECT org FROM o WHERE org IS NOT NULL LIMIT %s""",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def analyze_batch(size: int = BATCH) -> int:
    pending = pending_batch(size)
    if not pending:
        return 0
    transcripts = dict(pending)
    scores = {pk: call_sentiment(transcript) for pk, transcript in pending}
    with transaction.atomic():
        calls = Call.objects.filter(id__in=list(scores), analyzed_at__isnull=True).only(*_FIELDS)
        if connection.features.has_select_for_update_skip_locked:
            calls = calls.select_for_update(skip_locked=True)
        calls = list(calls.order_by("id"))
        if not calls:  # all taken by another worker meanwhile
            return 0
        for call in calls:  # read above: a transcript never changes once stored
            call.transcript = transcripts[call.id]
        _analyze(calls, scores)
    return len(pending)


def _analyze(calls: list[Call], scores: dict) -> None:
    now = timezone.now()
    team_ids = {c.team_id for c in calls}
    teams = Team.objects.in_bulk(team_ids)
    rules = team_rules(team_ids)
    agents = Account.objects.in_bulk({c.agent_id for c in calls if c.agent_id})
    alerts, deliveries = [], []
    for call in calls:
        call.sentiment = scores[call.id]
        team_rules_ = rules[call.team_id]
        seen = facts(
            transcript=call.transcript,
            sentiment=call.sentiment,
            duration=call.duration_seconds,
            agent_id=call.agent_id,
            metadata=call.metadata,
            customer=call.customer,
            external_id=call.external_id,
        )
        call.keywords = team_rules_.keywords_said(seen)
        call.trackers = team_rules_.trackers_matched(seen)
        outcome = process_call(
            call,
            team=teams[call.team_id],
            agent=agents.get(call.agent_id),
            rules=team_rules_,
            facts=seen,
            now=now,
        )
        alerts += outcome.alerts
        deliveries += outcome.deliveries
    lifecycle.mark_analysed(calls, now=now)
    Alert.objects.bulk_create(alerts, batch_size=250)
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=250)
    if deliveries:
        ids = [d.id for d in deliveries]
        transaction.on_commit(lambda: _hand_over(ids))


def _hand_over(delivery_ids: list[str]) -> None:
    for delivery_id in delivery_ids:
        deliver_webhook(delivery_id)


def pending_count() -> int:
    return Call.objects.filter(analyzed_at__isnull=True).count()
