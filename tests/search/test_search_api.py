"""GET /api/v1/orgs/{org}/search: scope by role inside the engine, filters, order, pages,
highlights, and every bad query answered with a 422 naming `q` (never a 500, never an engine
error)."""

import pytest

from callstudio.calls import search as engine_search
from callstudio.calls.models import Call
from tests.helpers import fingerprint

from .conftest import call, segment


@pytest.fixture
def calls(world, send):
    agent, sup = world["agent"], world["supervisor"]
    send(
        world.team,
        call(
            "b1",
            segment("agent", "Thanks for calling billing."),
            segment("customer", "I want to cancel my subscription today.", 6),
            agent={"account_id": agent.account_id},
            started_at="2026-11-20T10:00:00Z",
            tags=["churn"],
        ),
        call(
            "b2",
            segment("agent", "Would you like to cancel? My colleague can help."),
            segment("customer", "No, a refund for the subscription please.", 6),
            agent={"account_id": sup.account_id},
            started_at="2026-11-21T10:00:00Z",
            direction="outbound",
        ),
        call(
            "b3",
            segment("customer", "<script>alert(1)</script> café CANCEL"),
            started_at="2026-11-22T10:00:00Z",
            customer={"name": "Zoë Quinn", "phone": "+1 (555) 010-2030"},
            duration_seconds=900,
        ),
    )
    send(
        world.other_team,
        call(
            "r1", segment("customer", "cancel my subscription"), started_at="2026-11-23T10:00:00Z"
        ),
    )
    send(
        world.foreign_team,
        call(
            "g1", segment("customer", "cancel my subscription"), started_at="2026-11-24T10:00:00Z"
        ),
    )


def found(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["call"]["external_id"] for item in response.json()["items"]]


def search(world, who, **params):
    return world.api(who).get(f"{world.org_url}/search", **params)


def test_each_role_finds_what_it_may_read_and_never_another_organizations_calls(world, calls):
    q = "cancel"
    assert found(search(world, "admin", q=q)) == ["r1", "b3", "b2", "b1"]
    assert found(search(world, "manager", q=q)) == ["r1", "b3", "b2", "b1"]
    assert found(search(world, "supervisor", q=q)) == ["b3", "b2", "b1"]
    assert found(search(world, "qa", q=q)) == ["b3", "b2", "b1"]
    assert found(search(world, "agent", q=q)) == ["b1"]  # own calls only
    assert found(search(world, "member", q=q)) == []  # no team where calls may be read
    globex = world.api("foreign_admin").get(f"/api/v1/orgs/{world.foreign_org.id}/search", q=q)
    assert found(globex) == ["g1"]


def test_other_organizations_and_strangers_get_404(world, calls):
    assert search(world, "outsider", q="cancel").status_code == 404
    response = world.api("foreign_admin").get(f"/api/v1/orgs/{world.org.id}/search", q="cancel")
    assert response.status_code == 404
    assert world.api(None).get(f"{world.org_url}/search", q="cancel").status_code == 401


def test_the_team_filter_is_the_team_or_404_or_403(world, calls):
    assert found(search(world, "admin", q="cancel", team=world.other_team.id)) == ["r1"]
    assert search(world, "admin", q="x", team=world.foreign_team.id).status_code == 404
    assert search(world, "supervisor", q="x", team=world.other_team.id).status_code == 403
    assert search(world, "member", q="x", team=world.team.id).status_code == 403


def test_phrases_speakers_prefixes_or_and_left_out_words(world, calls):
    def admin(q, **kw):
        return found(search(world, "admin", q=q, team=world.team.id, **kw))

    assert admin('"cancel my subscription"') == ["b1"]
    assert admin('"cancel my"') == ["b2", "b1"]  # "cancel? My": punctuation is not a word
    assert admin("customer:cancel") == ["b3", "b1"]
    assert admin("agent:cancel") == ["b2"]
    assert admin("subscri*") == ["b2", "b1"]
    assert admin("refund OR churn*") == ["b2"]
    assert admin("cancel -refund") == ["b3", "b1"]
    assert admin('cancel -customer:"cancel my"') == ["b3", "b2"]
    assert admin("CAFÉ") == ["b3"]
    assert admin("cafe") == ["b3"]
    # the call's fields: the customer's name (accents folded), phone (any spelling), external id
    assert admin("zoe") == ["b3"]
    assert admin("5550102030") == ["b3"]
    assert admin("15550102030") == ["b3"]
    assert admin("0102030") == ["b3"]
    assert admin('"555 010 2030"') == ["b3"]
    assert admin("b2") == ["b2"]
    # whole words: no substrings
    assert admin("cancell") == []
    assert admin("subscript") == []


def test_matches_are_escaped_and_marked(world, calls):
    response = search(world, "admin", q="cancel", team=world.team.id)
    items = {i["call"]["external_id"]: i for i in response.json()["items"]}
    (match,) = items["b3"]["matches"]
    assert match == {
        "segment": 0,
        "speaker": "customer",
        "start": 0.0,
        "html": "&lt;script&gt;alert(1)&lt;/script&gt; café <mark>CANCEL</mark>",
    }
    assert (
        items["b1"]["matches"][0]["html"] == "I want to <mark>cancel</mark> my subscription today."
    )
    assert items["b1"]["call"]["team"] == {"id": world.team.id, "name": "Billing"}
    phrase = search(world, "admin", q='"my subscription"', team=world.team.id).json()
    assert phrase["items"][0]["matches"][0]["html"].count("<mark>") == 1


def test_filters(world, calls):
    def admin(**kw):
        return found(search(world, "admin", q="cancel OR refund", **kw))

    assert admin(direction="outbound") == ["b2"]
    assert admin(tag="churn") == ["b1"]
    assert admin(min_duration=600) == ["b3"]
    assert admin(max_duration=600, team=world.team.id) == ["b2", "b1"]
    assert admin(agent=world["agent"].account_id) == ["b1"]
    assert admin(**{"from": "2026-11-21", "to": "2026-11-22T23:00:00Z"}) == ["b3", "b2"]
    assert admin(has_alert=True) == []
    assert admin(has_alert=False, team=world.team.id) == ["b3", "b2", "b1"]


def test_archived_calls_are_not_found(world, calls):
    b1 = Call.objects.get(external_id="b1")
    response = world.api("supervisor").post(f"{world.team_url}/calls/{b1.id}/archive")
    assert response.status_code == 200
    assert found(search(world, "admin", q="cancel", team=world.team.id)) == ["b3", "b2"]


@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_pages_follow_each_other_without_gaps_or_repeats(world, send, sort):
    send(
        world.team,
        *[
            call(
                f"p{i:02d}",
                segment("agent", f"parcel number {i}"),
                started_at=f"2026-11-{1 + i % 20:02d}T10:00:00Z",
            )
            for i in range(23)
        ],
    )
    seen, cursor = [], None
    for _ in range(10):
        params = {"q": "parcel", "limit": 5, "sort": sort}
        if cursor:
            params["cursor"] = cursor
        body = search(world, "admin", **params).json()
        seen += [i["call"]["external_id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(f"p{i:02d}" for i in range(23))
    assert len(seen) == 23
    if sort == "newest":
        times = [Call.objects.get(external_id=e).started_at for e in seen]
        assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("probe_rows", [5000, 3])
def test_phrase_pages_are_the_same_whether_the_newest_entries_fill_them_or_not(
    world, send, monkeypatch, probe_rows
):
    # PostgreSQL first reads the scope's newest PROBE_ROWS entries for a phrase: with 5,000 the
    # first page is filled from them and the second is not (the whole query runs); with 3 no
    # page is. Both give the same calls, newest first, without gaps or repeats.
    monkeypatch.setattr(engine_search, "PROBE_ROWS", probe_rows)
    send(
        world.team,
        *[
            call(
                f"ph{i:02d}",
                segment("customer", "cancel my subscription" if i % 3 == 0 else "my subscription"),
                segment("agent", "cancel my subscription" if i % 3 == 1 else "certainly"),
                started_at=f"2026-11-{1 + i:02d}T10:00:00Z",
            )
            for i in range(12)
        ],
    )
    seen, cursor = [], None
    for _ in range(5):
        params = {"q": 'customer:"cancel my subscription"', "limit": 2, "team": world.team.id}
        body = search(world, "supervisor", **params, **({"cursor": cursor} if cursor else {}))
        assert body.status_code == 200, body.content
        seen += [item["call"]["external_id"] for item in body.json()["items"]]
        cursor = body.json()["next_cursor"]
        if not cursor:
            break
    assert seen == ["ph09", "ph06", "ph03", "ph00"]


def test_relevance_pages_carry_a_score_and_newest_pages_none(world, calls):
    # b1, b2, b3 and the other team's r1: the Admin reads both teams, never g1.
    relevance = search(world, "admin", q="cancel OR subscription", sort="relevance").json()
    scores = [item["score"] for item in relevance["items"]]
    assert len(scores) == 4 and all(isinstance(s, float) and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    newest = search(world, "admin", q="cancel OR subscription", sort="newest").json()
    assert [item["score"] for item in newest["items"]] == [None, None, None, None]


@pytest.mark.parametrize(
    "q, message",
    [
        ('"cancel my', "This quote is never closed (at character 1)."),
        ("cancel OR", "OR needs a term on each side (at character 8)."),
        ("-", "Give at least one word to find"),
        ("-cancel", "Give at least one word to find"),
        ("x" * 501, "At most 500 characters."),
        ("cancel\x00", "A search cannot contain NUL characters."),
        ("   ", "Type something to search for."),
        ("^", "Give at least one word to find"),
        ('"cancel"*', "A * ends a word, not a phrase (at character 9)."),
        ("x" * 101, "Words have at most 100 characters (at character 1)."),
        (" ".join(f"w{i}" for i in range(21)), "At most 20 terms."),
    ],
)
def test_bad_queries_are_422_naming_q_and_change_nothing(world, calls, q, message):
    before = fingerprint()
    response = search(world, "admin", q=q)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["errors"][0]["field"] == "q"
    assert body["errors"][0]["message"].startswith(message)
    assert fingerprint() == before


@pytest.mark.parametrize(
    "q",
    [
        "cancel NEAR my",
        "NEAR(cancel my)",
        "cancel ^my",
        "cancel : my",
        "* cancel",
        "cancel AND NOT x",
        "{agent}: cancel",
        "cancel*  *",
        "customer:",
        "agent: cancel",
        " ".join(["cancel"] * 20) + " " * 361,
    ],
)
def test_engine_syntax_typed_as_text_is_a_literal_search(world, calls, q):
    response = search(world, "admin", q=q)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "a\x00b"}, "cursor"),
        ({"sort": "oldest"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"direction": "sideways"}, "direction"),
        ({"min_duration": -1}, "min_duration"),
        ({"from": "yesterday"}, "from"),
        ({"agent": "acc_\x00"}, "agent"),
        ({"tag": "refund\x00"}, "tag"),
        ({"team": "team_\x00"}, "team"),
    ],
)
def test_bad_parameters_are_422(world, calls, params, field):
    response = search(world, "admin", q="cancel", **params)
    assert response.status_code == 422, response.content
    assert field in str(response.json())


def test_a_cursor_of_the_other_order_is_refused(world, send):
    send(world.team, *[call(f"c{i}", segment("agent", "parcel")) for i in range(3)])
    newest = search(world, "admin", q="parcel", limit=1).json()["next_cursor"]
    response = search(world, "admin", q="parcel", limit=1, sort="relevance", cursor=newest)
    assert response.status_code == 422


def test_query_count_is_fixed(world, send, django_assert_max_num_queries):
    send(world.team, *[call(f"q{i}", segment("agent", "parcel")) for i in range(30)])
    with django_assert_max_num_queries(12):
        assert len(found(search(world, "agent", q="parcel"))) == 0
    with django_assert_max_num_queries(12):
        assert len(found(search(world, "admin", q="parcel"))) == 30
