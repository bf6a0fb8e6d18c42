"""Trackers over the API: a team's saved queries `{id, name, query}`. Exact statuses and effects,
names unique in the team (case and confusables), queries checked by the parser (422 naming
`query`, with the position), reading with an analytics permission and managing with
`alerts.manage`, refusals that change nothing (fingerprint), audit entries."""

import pytest

from callstudio.core.models import AuditLogEntry
from callstudio.rules.models import Tracker
from tests.helpers import assert_problem, expect, fingerprint

from .conftest import give_team_role


def trackers_url(world, team=None) -> str:
    return f"{world.org_url}/teams/{(team or world.team).id}/trackers"


def create(
    world, name="Cancellations", query='customer:"cancel my subscription"', who="supervisor"
):
    return expect(world.api(who).post(trackers_url(world), {"name": name, "query": query}), 201)


def test_create_list_patch_and_delete_a_tracker(world):
    supervisor = world.api("supervisor")
    tracker = create(world, name=" Cancellations ", query=' customer:"cancel my subscription" ')
    assert tracker["id"].startswith("trk_") and len(tracker["id"]) == 24
    assert tracker["name"] == "Cancellations"
    assert tracker["query"] == 'customer:"cancel my subscription"'
    assert set(tracker) == {"id", "name", "query", "created_at"}
    stored = Tracker.objects.get(id=tracker["id"])
    assert (stored.team_id, stored.organization_id) == (world.team.id, world.org.id)
    assert stored.created_by == world["supervisor"].account

    listed = expect(supervisor.get(trackers_url(world)), 200)
    assert listed == {"items": [tracker]}
    # Another team's list does not show it.
    other = expect(world.api("admin").get(trackers_url(world, world.other_team)), 200)
    assert other["items"] == []

    url = f"{trackers_url(world)}/{tracker['id']}"
    renamed = expect(supervisor.patch(url, {"name": "Churn"}), 200)
    assert renamed["name"] == "Churn" and renamed["query"] == tracker["query"]
    requeried = expect(supervisor.patch(url, {"query": "cancel* OR churn"}), 200)
    assert requeried["name"] == "Churn" and requeried["query"] == "cancel* OR churn"
    assert expect(supervisor.patch(url, {}), 200) == requeried

    actions = list(
        AuditLogEntry.objects.filter(target_id=tracker["id"])
        .order_by("id")
        .values_list("action", "before", "after", "team_id", "actor_id")
    )
    supervisor_pk = world["supervisor"].account.pk
    assert actions == [
        (
            "tracker.create",
            None,
            {"name": "Cancellations", "query": 'customer:"cancel my subscription"'},
            world.team.id,
            supervisor_pk,
        ),
        (
            "tracker.update",
            {"name": "Cancellations", "query": 'customer:"cancel my subscription"'},
            {"name": "Churn", "query": 'customer:"cancel my subscription"'},
            world.team.id,
            supervisor_pk,
        ),
        (
            "tracker.update",
            {"name": "Churn", "query": 'customer:"cancel my subscription"'},
            {"name": "Churn", "query": "cancel* OR churn"},
            world.team.id,
            supervisor_pk,
        ),
    ]  # the empty PATCH changed nothing and recorded nothing

    response = supervisor.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert not Tracker.objects.filter(id=tracker["id"]).exists()
    assert AuditLogEntry.objects.filter(target_id=tracker["id"]).latest("id").action == (
        "tracker.delete"
    )
    assert expect(supervisor.get(trackers_url(world)), 200) == {"items": []}
    assert_problem(supervisor.delete(url), 404)
    assert_problem(supervisor.patch(url, {"name": "again"}), 404)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"name": "Q", "query": '"cancel my'},
            "query",
            "This quote is never closed (at character 1).",
        ),
        (
            {"name": "Q", "query": "a OR OR b"},
            "query",
            "OR needs a term on each side (at character 3).",
        ),
        ({"name": "Q", "query": "-refund"}, "query", "Give at least one word to find"),
        ({"name": "Q", "query": "x" * 501}, "query", "At most 500 characters."),
        ({"name": "Q", "query": "   "}, "query", "This field is required."),
        ({"name": "Q", "query": "a\x00"}, "query", "NUL"),
        ({"name": "Q", "query": 7}, "query", ""),
        ({"name": "", "query": "refund"}, "name", "This field is required."),
        ({"name": "x" * 101, "query": "refund"}, "name", "At most 100 characters."),
        ({"name": "a\u202eb", "query": "refund"}, "name", "invisible formatting"),
        ({"query": "refund"}, "name", ""),
        ({"name": "Q", "query": "refund", "team": "x"}, "team", ""),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(world, body, field, message):
    before = fingerprint()
    problem = assert_problem(world.api("supervisor").post(trackers_url(world), body), 422)
    found = {e["field"]: e["message"] for e in problem.get("errors", [])}
    assert any(f == field or f.endswith(f".{field}") for f in found), problem
    assert message in " ".join(found.values()), problem
    assert fingerprint() == before


def test_a_bad_patch_is_422_and_changes_nothing(world):
    tracker = create(world)
    url = f"{trackers_url(world)}/{tracker['id']}"
    before = fingerprint()
    for body, field in [
        ({"query": "refund OR"}, "query"),
        ({"query": None}, "query"),
        ({"name": None}, "name"),
        ({"name": "ok", "query": '"open'}, "query"),  # all or nothing: the name stays too
    ]:
        assert_problem(world.api("supervisor").patch(url, body), 422, field=field)
    assert fingerprint() == before


@pytest.mark.parametrize(
    "clash", ["Cancellations", "CANCELLATIONS", "Cancellatіons", "Cance11ations", "САNCELLATIONS"]
)
def test_names_are_unique_in_the_team_ignoring_case_and_confusables(world, clash):
    """As team and role names: the same name in another case, with a Cyrillic і, with 1 for l
    (one TR39 skeleton), or a look-alike in another case (Cyrillic С and А in capitals) is 409
    `duplicate`; another team may use it."""
    create(world)
    before = fingerprint()
    problem = assert_problem(
        world.api("supervisor").post(trackers_url(world), {"name": clash, "query": "refund"}),
        409,
        field="name",
        code="duplicate",
    )
    assert problem["detail"] == (
        "A tracker with this name already exists in the team."
        if clash.casefold() == "cancellations"
        else "This name looks like the tracker “Cancellations” already in the team."
    )
    assert fingerprint() == before
    expect(
        world.api("admin").post(
            trackers_url(world, world.other_team), {"name": clash, "query": "refund"}
        ),
        201,
    )
    # Renaming onto a taken name is a conflict too; renaming a tracker to its own name in
    # another case is not.
    other = create(world, name="Other", query="refund")
    assert_problem(
        world.api("supervisor").patch(f"{trackers_url(world)}/{other['id']}", {"name": clash}),
        409,
        field="name",
        code="duplicate",
    )
    first = Tracker.objects.get(team=world.team, name="Cancellations")
    renamed = world.api("supervisor").patch(
        f"{trackers_url(world)}/{first.id}", {"name": "CANCELLATIONS"}
    )
    assert expect(renamed, 200)["name"] == "CANCELLATIONS"


# --- who may do what ---------------------------------------------------------------------------

READERS = {"admin": 200, "manager": 200, "supervisor": 200, "agent": 200, "qa": 403, "member": 403}
MANAGERS = {"admin": True, "manager": True, "supervisor": True}


@pytest.mark.parametrize("who", sorted(READERS))
def test_reading_needs_an_analytics_permission(world, who):
    create(world)
    response = world.api(who).get(trackers_url(world))
    if READERS[who] == 200:
        assert len(expect(response, 200)["items"]) == 1
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize("who", ["agent", "qa", "member", "outsider", "foreign_admin", None])
def test_managing_needs_alerts_manage_and_a_refusal_changes_nothing(world, who):
    tracker = create(world)
    url = f"{trackers_url(world)}/{tracker['id']}"
    expected = {"outsider": 404, "foreign_admin": 404, None: 401}.get(who, 403)
    client = world.api(who)
    before = fingerprint()
    for response in (
        client.post(trackers_url(world), {"name": "Mine", "query": "refund"}),
        client.patch(url, {"name": "Mine"}),
        client.delete(url),
    ):
        assert response.status_code == expected, (who, response.content)
    assert fingerprint() == before


def test_alerts_manage_manages_trackers_and_an_analytics_reader_only_reads(world):
    give_team_role(world, "qa", ["team.read", "alerts.manage"], name="Alert keeper")
    tracker = create(world, who="qa")
    assert_problem(world.api("qa").get(trackers_url(world)), 403)  # no analytics permission
    give_team_role(world, "member", ["team.read", "analytics.read.all"], name="Analyst")
    assert len(expect(world.api("member").get(trackers_url(world)), 200)["items"]) == 1
    before = fingerprint()
    assert_problem(
        world.api("member").patch(f"{trackers_url(world)}/{tracker['id']}", {"name": "x"}), 403
    )
    assert fingerprint() == before


def test_another_teams_or_organizations_tracker_is_not_found(world):
    theirs = expect(
        world.api("admin").post(
            trackers_url(world, world.other_team), {"name": "Retention", "query": "stay"}
        ),
        201,
    )
    before = fingerprint()
    for method, body in (("patch", {"name": "Mine"}), ("delete", None)):
        response = getattr(world.api("admin"), method)(
            f"{trackers_url(world)}/{theirs['id']}", *([body] if body else [])
        )
        assert_problem(response, 404)
    assert fingerprint() == before
