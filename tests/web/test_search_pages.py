"""The organization's Search page (web/views/search.py) and the Calls tab's search box: who may
open it, what each role finds, bad input as a 422 on its field, the next page's link, escaped
snippets linking to their segment, and a query count that does not grow with the results."""

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from tests.calls.conftest import call_body
from tests.helpers import fingerprint

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
RESULT = re.compile(r'<li class="card result">')
ALL_ROLES = ["admin", "manager", "member", "supervisor", "agent", "qa"]


def search_url(world) -> str:
    return f"/o/{world.org.id}/search"


def store(team, external_id, *texts, agent="agent@acme.test", minutes=0, **over):
    """One call in `team` whose transcript says `texts`, the customer first, then the agent."""
    speakers = ("customer", "agent")
    body = call_body(
        external_id,
        started_at=(START + timedelta(minutes=minutes)).isoformat(),
        agent={"email": agent},
        transcript=[
            {"speaker": speakers[i % 2], "start": 10 * i, "end": 10 * i + 5, "text": text}
            for i, text in enumerate(texts)
        ],
        **over,
    )
    store_calls(team=team, calls=[CallIn.model_validate(body)])
    return Call.objects.get(team=team, external_id=external_id)


def results(response) -> list[str]:
    """The external ids of the result cards, in order."""
    return re.findall(r">Call ([^<]+)</a></h3>", response.content.decode())


@pytest.mark.parametrize("q", ["", "refund"])
@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("manager", 200), ("supervisor", 200), ("agent", 200), ("qa", 200)]
    + [("member", 403), ("foreign_admin", 404), ("outsider", 404)],
)
def test_status_per_role(world, browser_as, who, status, q):
    store(world.team, "c1", "A refund, please.")
    response = browser_as(who).get(search_url(world), {"q": q} if q else None)
    assert response.status_code == status
    if status == 200:
        assert (len(results(response)) == 1) == bool(q)


def test_signed_out_is_sent_to_the_login_page(world):
    response = Client().get(search_url(world))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ALL_ROLES)
def test_the_main_navigation_links_search_for_those_who_read_calls(world, browser_as, who):
    for path in (f"/o/{world.org.id}/", f"/o/{world.org.id}/roles"):
        page = browser_as(who).get(path).content.decode()
        link = f'<a href="{search_url(world)}">Search</a>'
        assert (link in page) == (who != "member"), (who, path)


def test_an_agent_finds_only_their_own_calls(world, browser_as):
    store(world.team, "mine", "My refund is late.")
    store(world.team, "theirs", "Their refund is late.", agent="supervisor@acme.test", minutes=1)
    store(world.other_team, "retention", "A refund elsewhere.", minutes=2)
    store(world.foreign_team, "globex", "A refund at Globex.", minutes=3)
    assert results(browser_as("agent").get(search_url(world), {"q": "refund"})) == ["mine"]
    assert results(browser_as("supervisor").get(search_url(world), {"q": "refund"})) == [
        "theirs",
        "mine",
    ]
    assert results(browser_as("admin").get(search_url(world), {"q": "refund"})) == [
        "retention",
        "theirs",
        "mine",
    ]
    # The team filter narrows, and offers only the teams whose calls the person may read.
    agent_page = browser_as("agent").get(search_url(world)).content.decode()
    assert f'value="{world.team.id}"' in agent_page
    assert f'value="{world.other_team.id}"' not in agent_page
    admin = browser_as("admin").get(search_url(world), {"q": "refund", "team": world.team.id})
    assert results(admin) == ["theirs", "mine"]


def test_another_organizations_team_is_not_found_and_an_unreadable_team_forbidden(
    world, browser_as
):
    store(world.team, "mine", "My refund is late.")
    before = fingerprint()
    for who in ("admin", "agent"):
        foreign = browser_as(who).get(
            search_url(world), {"q": "refund", "team": world.foreign_team.id}
        )
        assert foreign.status_code == 404 and "refund" not in foreign.content.decode().lower()
    retention = browser_as("agent").get(
        search_url(world), {"q": "refund", "team": world.other_team.id}
    )
    assert retention.status_code == 403
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ('"refund', "This quote is never closed (at character 1)."),
        ("refund OR", "OR needs a term on each side (at character 8)."),
        ("-refund", "Give at least one word to find (not only words to leave out)."),
        ("x" * 501, "At most 500 characters."),
    ],
)
def test_a_bad_query_is_a_422_with_its_message_on_the_field_and_nothing_else(
    world, browser_as, q, message
):
    store(world.team, "mine", "My refund is late.")
    response = browser_as("supervisor").get(search_url(world), {"q": q})
    page = response.content.decode()
    assert response.status_code == 422
    assert f'<p class="field-error" role="alert">{html.escape(message)}</p>' in page
    assert 'id="id_q"' in page and 'aria-invalid="true"' in page
    assert page.count('aria-invalid="true"') == 1 and page.count('class="field-error"') == 1
    assert results(response) == [] and "No calls match" not in page


def test_a_filter_the_search_refuses_is_a_422_on_that_field(world, browser_as):
    store(world.team, "mine", "My refund is late.")
    for filters, field, message in [
        ({"max_duration": "700000"}, "max_duration", "Seconds, between 0 and 604800."),
        ({"from": "2026-11-21", "to": "2026-11-20"}, "range-from", "From must be on or before To."),
        ({"sort": "oldest"}, "sort", "Select a valid choice."),
        ({"cursor": "nonsense"}, None, "Not a cursor this list returned."),
    ]:
        response = browser_as("supervisor").get(search_url(world), {"q": "refund", **filters})
        page = response.content.decode()
        assert response.status_code == 422, filters
        assert message in page and results(response) == [], filters
        if field:
            assert re.search(rf'id="(id_)?{field}"[^>]*aria-invalid="true"', page) or re.search(
                rf'aria-invalid="true"[^>]*id="(id_)?{field}"', page
            ), (field, page)


def test_an_empty_query_shows_the_form_and_the_syntax_help_only(world, browser_as):
    store(world.team, "mine", "My refund is late.")
    response = browser_as("agent").get(search_url(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<details class="search-help">' in page and "customer:" in page and "refun*" in page
    assert results(response) == [] and "No calls match" not in page
    assert 'aria-invalid="true"' not in page


def test_filters_reach_the_search(world, browser_as):
    store(world.team, "short", "A refund.", duration_seconds=30)
    store(world.team, "long", "A refund.", duration_seconds=900, minutes=1, direction="outbound")
    supervisor = browser_as("supervisor")
    for filters, expected in [
        ({"min_duration": "600"}, ["long"]),
        ({"max_duration": "60"}, ["short"]),
        ({"direction": "outbound"}, ["long"]),
        ({"from": "2026-11-21"}, []),
        ({"from": "2026-11-20", "to": "2026-11-20"}, ["long", "short"]),
        ({"agent": world["agent"].account_id}, ["long", "short"]),
        ({"agent": world["supervisor"].account_id}, []),
        ({"tag": "refund"}, ["long", "short"]),
        ({"has_alert": "true"}, []),
        ({"has_alert": "false"}, ["long", "short"]),
    ]:
        response = supervisor.get(search_url(world), {"q": "refund", **filters})
        assert response.status_code == 200 and results(response) == expected, filters
    empty = supervisor.get(search_url(world), {"q": "refund", "direction": "outbound", "tag": "x"})
    assert "No calls match" in empty.content.decode()
    assert 'href="?q=refund">Search without filters</a>' in empty.content.decode()


def test_results_show_team_time_agent_customer_and_snippets_linking_to_their_segment(
    world, browser_as
):
    call = store(
        world.team,
        "c1",
        "Hello.",
        "Thanks for calling.",
        "I need a refund for my order.",
        "A refund, of course.",
        "Refund it today.",
        "And one more refund.",
        customer={"name": "Jordan", "phone": "+15550001"},
    )
    page = browser_as("agent").get(search_url(world), {"q": "refund"}).content.decode()
    assert "<dd>Billing</dd>" in page and "2026-11-20 10:00 UTC" in page
    assert f"<dd>{world['agent'].account.name}</dd>" in page and "<dd>Jordan</dd>" in page
    links = re.findall(r'<a href="([^"]+#segment-\d+)">', page)
    base = f"/o/{world.org.id}/teams/{world.team.id}/calls/{call.id}"
    assert links == [f"{base}#segment-2", f"{base}#segment-3", f"{base}#segment-4"]  # 3 at most
    assert "Customer at <time>0:20</time>" in page and "<mark>refund</mark>" in page
    detail = browser_as("agent").get(base).content.decode()
    assert all(f'<li id="segment-{i}" class="turn' in detail for i in range(6))


def test_a_transcript_with_markup_shows_escaped(world, browser_as):
    store(world.team, "xss", '<script>alert("refund")</script> <b>refund</b> & "more"')
    page = browser_as("supervisor").get(search_url(world), {"q": "refund"}).content.decode()
    assert results_count(page) == 1
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;<mark>refund</mark>&lt;/b&gt;" in page


def results_count(page: str) -> int:
    return len(RESULT.findall(page))


def more_link(page: str) -> str:
    match = re.search(r'<a class="btn" href="([^"]*)">More results</a>', page)
    assert match, "no More results link"
    return urlsplit(html.unescape(match.group(1))).query


@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_more_results_keeps_the_query_and_filters(world, browser_as, sort):
    for i in range(23):
        store(world.team, f"c{i:02}", "A refund & more, 50% off.", minutes=i)
    store(world.team, "other", "Nothing to see.", minutes=30)
    supervisor = browser_as("supervisor")
    params = {"q": "refund", "team": world.team.id, "from": "2026-11-20", "sort": sort}
    first = supervisor.get(search_url(world), params)
    assert first.status_code == 200 and results_count(first.content.decode()) == 20
    query = parse_qs(more_link(first.content.decode()))
    assert {k: v for k, v in query.items() if k != "cursor"} == {k: [v] for k, v in params.items()}
    second = supervisor.get(search_url(world), {k: v[0] for k, v in query.items()})
    assert second.status_code == 200 and results_count(second.content.decode()) == 3
    assert "More results" not in second.content.decode()
    seen = results(first) + results(second)
    assert sorted(seen) == [f"c{i:02}" for i in range(23)]


def count_queries(client: Client, url: str, params: dict) -> int:
    client.get(url, params)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx), results_count(response.content.decode())


# Session, account, org access, the gate (none for an org role that reads calls), the team
# filter (three: read_scope and the names), the search (four: read_scope, the engine, the calls)
# and the organization switcher.
SEARCH_QUERIES = 12


@pytest.mark.parametrize("who", ["admin", "agent"])
def test_query_count_is_pinned_and_the_same_for_one_result_and_many(
    world, browser_as, who, django_assert_max_num_queries
):
    store(world.team, "one", "A lonely refund.")
    client = browser_as(who)
    params = {"q": "refund"}
    one, shown = count_queries(client, search_url(world), params)
    assert shown == 1
    for i in range(25):
        store(world.team, f"many-{i}", "Another refund.", "And a refund again.", minutes=i + 1)
    many, shown = count_queries(client, search_url(world), params)
    assert shown == 20 and many == one
    with django_assert_max_num_queries(SEARCH_QUERIES):
        client.get(search_url(world), params)


def test_the_calls_tab_search_says_its_query_language_and_puts_errors_on_the_field(
    world, browser_as
):
    store(world.team, "mine", "My refund is late.")
    supervisor = browser_as("supervisor")
    url = f"/o/{world.org.id}/teams/{world.team.id}/calls"
    page = supervisor.get(url).content.decode()
    assert f'href="{search_url(world)}#search-syntax">syntax help</a>' in page
    assert 'maxlength="500"' in page
    found = supervisor.get(url, {"q": 'customer:"refund is"'})
    assert found.status_code == 200 and "/calls/" in found.content.decode()
    for q, message in [
        ('"refund', "This quote is never closed (at character 1)."),
        ("OR refund", "OR needs a term on each side (at character 1)."),
        ("x" * 501, "At most 500 characters."),
        ("refund\x00", "A search cannot contain NUL characters."),
    ]:
        response = supervisor.get(url, {"q": q})
        page = response.content.decode()
        assert response.status_code == 422, q
        assert f'<p class="field-error" id="f-q-error" role="alert">{message}</p>' in page
        assert 'aria-invalid="true"' in page and page.count('aria-invalid="true"') == 1
        assert "<tbody>" not in page and 'class="form-errors"' not in page
