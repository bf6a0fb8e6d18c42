"""Calls found by a query, through the engine of the database (search/): the rows an actor may
read, filtered and ordered inside ONE engine query (the own-calls scope included, never a filter
applied to results afterwards), then the page's calls read and their matching segments
highlighted by the one matcher.

The conditions on the calls themselves (scope, archived, agent, dates, ...) are written with the
ORM and compiled into the engine query's WHERE clause, so they mean exactly what they mean in the
call list."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from callstudio.access.policy import ReadScope
from callstudio.core.errors import Invalid
from callstudio.core.pagination import clean_limit, decode_cursor, encode_cursor
from callstudio.search import engines
from callstudio.search.index import FTS_TABLE, PG_TABLE
from callstudio.search.matcher import highlight
from callstudio.search.query import Query
from callstudio.search.text import role_of

from .models import Call

NEWEST, RELEVANCE = "newest", "relevance"
SORTS = (NEWEST, RELEVANCE)
MAX_OFFSET = 1000  # relevance pages reach this deep (a query that broad wants more words)
MAX_MATCHES = 3  # segments shown per call
CALLS = Call._meta.db_table


@dataclass
class Hit:
    call_id: int
    key: int
    score: float | None  # relevance pages only


def scoped_calls(scope: ReadScope, *, organization_id: str, account_pk: int) -> QuerySet:
    """The calls a read scope covers, as a queryset (no query runs)."""
    condition = Q(team_id__in=sorted(scope.all_teams))
    if scope.own_teams:
        condition |= Q(team_id__in=sorted(scope.own_teams), agent_id=account_pk)
    return Call.objects.filter(condition, organization_id=organization_id)


def tag_filter(tag: str) -> RawSQL:
    if connection.vendor == "postgresql":
        sql = f'"{CALLS}"."tags" @> jsonb_build_array(%s::text)'
    else:
        sql = f'EXISTS (SELECT 1 FROM json_each("{CALLS}"."tags") WHERE value = %s)'
    return RawSQL(sql, [tag], output_field=BooleanField())


def _where(qs: QuerySet) -> tuple[str, list]:
    compiler = qs.query.get_compiler(connection=connection)
    sql, params = compiler.compile(qs.query.where)
    return sql, list(params)


def _sqlite(query: Query, where: str, params: list, *, org, teams, sort, after, offset, limit):
    # bm25 only where it orders the page: FTS5 works out its IDF by counting every match of
    # each phrase in the whole index, which a newest-first page would pay for nothing.
    match = engines.fts_match(query)
    score = f"-bm25({FTS_TABLE})" if sort == RELEVANCE else "NULL"
    sql = (
        f'SELECT "{CALLS}"."id", f.rowid, {score} FROM {FTS_TABLE} f '
        f'JOIN "{CALLS}" ON "{CALLS}"."id" = (f.rowid & {engines.MAX_ID}) '
        f"WHERE {FTS_TABLE} MATCH %s AND {where}"
    )
    args = [match, *params]
    if after is not None:
        sql += " AND f.rowid < %s"
        args.append(after)
    order = "f.rowid DESC" if sort == NEWEST else f"bm25({FTS_TABLE}), f.rowid DESC"
    sql += f" ORDER BY {order} LIMIT %s OFFSET %s"
    return sql, [*args, limit, offset]


def _postgresql(
    query: Query, where: str, params: list, *, org, teams, sort, after, offset, limit, window=None
):
    # The teams are asked of the index's own rows too: one team reads its (team, sort key) range
    # newest first instead of the organization's. With a `window`, only the scope's newest
    # `window` entries are read (see PROBE_ROWS).
    def scope(alias: str) -> str:
        teams_sql = f"{alias}team_id = %s" if len(teams) == 1 else f"{alias}team_id = ANY(%s)"
        after_sql = "" if after is None else f" AND {alias}sort_key < %s"
        return f"{alias}organization_id = %s AND {teams_sql}{after_sql}"

    scope_args = [org, teams[0] if len(teams) == 1 else list(teams)]
    scope_args += [] if after is None else [after]
    source, source_args = PG_TABLE, []
    if window is not None:
        source = (
            f"(SELECT call_id, organization_id, team_id, sort_key, doc FROM {PG_TABLE} "
            f"WHERE {scope('')} ORDER BY sort_key DESC LIMIT %s)"
        )
        source_args = [*scope_args, window]
    score = "ts_rank_cd(s.doc, q.q)" if sort == RELEVANCE else "NULL"
    order = "s.sort_key DESC" if sort == NEWEST else "ts_rank_cd(s.doc, q.q) DESC, s.sort_key DESC"
    sql = (
        f"SELECT s.call_id, s.sort_key, {score} FROM {source} s "
        f"CROSS JOIN (SELECT %s::tsquery AS q) q "
        f'JOIN "{CALLS}" ON "{CALLS}"."id" = s.call_id '
        f"WHERE s.doc @@ q.q AND {scope('s.')} AND {where} "
        f"ORDER BY {order} LIMIT %s OFFSET %s"
    )
    return sql, [*source_args, engines.tsquery(query), *scope_args, *params, limit, offset]


# A phrase's words are each common more often than the phrase is, and PostgreSQL estimates a
# phrase as if its words were independent: it then takes a common phrase for a rare one and
# rechecks every call holding its words (27,000 at a million calls, growing with them) instead
# of reading the newest calls until a page is full (3,000 of them). So a newest-first page of a
# query with a phrase first reads at most this many of the scope's newest entries; when they
# fill the page that is the answer, otherwise the whole query runs (a rare phrase pays ~9 ms).
PROBE_ROWS = 5000


def _has_phrase(query: Query) -> bool:
    return any(len(t.words) > 1 for c in query.positive for t in c.terms)


# PostgreSQL plans the engine query with these, for that query only. Random reads cost about
# what sequential ones do on the SSDs it runs on (the default 4.0 is for spinning disks, and
# makes the planner AND a rare word's few GIN hits with a team's whole B-tree range instead of
# reading those hits), and one page of 50 never repays starting parallel workers (an Agent's
# own list: 36 ms with two workers scanning the organization, 7 ms without). They are sent in
# one message with the query: PostgreSQL runs a message's statements in one transaction (the
# request's, inside one), so `SET LOCAL` holds for the query and ends with it, in one round trip.
PG_PLANNER = "SET LOCAL random_page_cost = 1.1; SET LOCAL max_parallel_workers_per_gather = 0; "


def run_engine(db, sql: str, args: list) -> list[tuple]:
    """The rows of an engine statement (with PostgreSQL's planner settings)."""
    if connection.vendor != "postgresql":
        db.execute(sql, args)
        return db.fetchall()
    db.execute(PG_PLANNER + sql, args)
    while db.description is None and db.nextset():  # past the two SETs
        pass
    return db.fetchall()


def _hits(rows) -> list[Hit]:
    return [Hit(call_id=r[0], key=r[1], score=None if r[2] is None else float(r[2])) for r in rows]


def find(
    query: Query,
    calls: QuerySet,
    *,
    organization_id: str,
    teams: list[str],
    sort: str = NEWEST,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Hit], str | None]:
    """One engine query (on PostgreSQL, a phrase's newest-first page the probe cannot fill
    takes two): the hits of `query` among `calls` (a Call queryset with filters only, whose
    calls are in `teams`), a page in `sort` order, and the cursor of the next page."""
    limit = clean_limit(limit)
    if sort not in SORTS:
        raise Invalid("Sort by newest or relevance.", field="sort")
    scope = f"search:{sort}"
    after, offset = None, 0
    if cursor:
        (value,) = decode_cursor(cursor, 1, scope=scope)
        if not isinstance(value, int) or (sort == RELEVANCE and not 0 < value <= MAX_OFFSET):
            raise Invalid("Not a cursor this list returned.", field="cursor")
        after, offset = (value, 0) if sort == NEWEST else (None, value)
    where, params = _where(calls.filter(organization_id=organization_id))
    build = _sqlite if connection.vendor == "sqlite" else _postgresql
    page = dict(org=organization_id, teams=sorted(teams), sort=sort, after=after, offset=offset)
    probe = connection.vendor == "postgresql" and sort == NEWEST and _has_phrase(query)
    with connection.cursor() as db:
        hits = []
        if probe:
            statement = _postgresql(
                query, where, params, **page, limit=limit + 1, window=PROBE_ROWS
            )
            hits = _hits(run_engine(db, *statement))
        if len(hits) <= limit:
            hits = _hits(run_engine(db, *build(query, where, params, **page, limit=limit + 1)))
    next_cursor = None
    if len(hits) > limit:
        hits = hits[:limit]
        if sort == NEWEST:
            next_cursor = encode_cursor([hits[-1].key], scope=scope)
        elif offset + limit <= MAX_OFFSET:
            next_cursor = encode_cursor([offset + limit], scope=scope)
    return hits, next_cursor


def matching_segments(query: Query, transcript) -> list[dict]:
    """The first segments where the query's words are found, highlighted."""
    found = []
    for index, segment in enumerate(transcript or ()):
        if not isinstance(segment, dict):
            continue
        html = highlight(
            query, role=role_of(segment.get("speaker")), text=str(segment.get("text", ""))
        )
        if html is not None:
            found.append(
                {
                    "segment": index,
                    "speaker": segment.get("speaker"),
                    "start": segment.get("start"),
                    "html": html,
                }
            )
            if len(found) == MAX_MATCHES:
                break
    return found
