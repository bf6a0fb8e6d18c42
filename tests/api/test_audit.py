from tests.helpers import assert_problem, expect


def test_audit_log_lists_changes_newest_first_with_before_and_after(world):
    admin = world.api("admin")
    expect(admin.patch(world.team_url, {"name": "Billing EU"}), 200)
    body = admin.get(f"{world.org_url}/audit-log").json()
    first = body["items"][0]
    assert first["action"] == "team.update"
    assert first["actor"] == {"account_id": world["admin"].account_id, "email": "admin@acme.test"}
    assert first["target"] == {"type": "team", "id": world.team.id, "label": "Billing EU"}
    assert first["team"] == {"id": world.team.id, "name": "Billing EU"}
    assert first["details"] == {"before": {"name": "Billing"}, "after": {"name": "Billing EU"}}
    ids = [e["id"] for e in body["items"]]
    assert ids == sorted(ids, reverse=True)


def test_audit_log_filters_by_actor_action_and_team(world):
    admin = world.api("admin")
    expect(world.api("manager").patch(world.team_url, {"description": "by manager"}), 200)
    by_manager = admin.get(f"{world.org_url}/audit-log", actor=world["manager"].account_id).json()[
        "items"
    ]
    assert [e["action"] for e in by_manager] == ["team.update"]
    adds = admin.get(f"{world.org_url}/audit-log", action="team.member.add").json()["items"]
    assert len(adds) == 3 and all(e["team"]["id"] == world.team.id for e in adds)
    in_retention = admin.get(f"{world.org_url}/audit-log", team=world.other_team.id).json()["items"]
    assert [e["action"] for e in in_retention] == ["team.create"]


def test_audit_log_paginates_and_holds_no_other_orgs_entries(world):
    admin = world.api("admin")
    seen, cursor = [], None
    while True:
        page = admin.get(
            f"{world.org_url}/audit-log", limit=3, **({"cursor": cursor} if cursor else {})
        ).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len({e["id"] for e in seen}) > 3
    assert all("globex" not in (e["actor"]["email"] + e["target"]["label"]).lower() for e in seen)


def test_audit_log_needs_org_audit_read(world):
    assert_problem(world.api("manager").get(f"{world.org_url}/audit-log"), 403)
