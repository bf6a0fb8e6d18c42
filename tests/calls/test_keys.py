from callstudio.calls.models import IngestKey
from tests.helpers import assert_problem, expect, fingerprint


def test_admin_creates_lists_and_revokes_keys(world):
    admin = world.api("admin")
    created = admin.post(
        f"{world.org_url}/api-keys", {"name": "Phone system", "teams": [world.team.id]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith("cs_ik_") and body["teams"] == [world.team.id]
    stored = IngestKey.objects.get(id=body["id"])
    assert body["key"] not in (stored.digest, stored.hint)
    listed = admin.get(f"{world.org_url}/api-keys").json()["items"]
    assert [k["id"] for k in listed] == [body["id"]] and "key" not in listed[0]
    assert admin.delete(f"{world.org_url}/api-keys/{body['id']}").status_code == 204
    assert admin.get(f"{world.org_url}/api-keys").json()["items"] == []


def test_keys_need_org_keys_manage(world):
    for who in ("manager", "supervisor", "agent", "member"):
        before = fingerprint()
        assert_problem(world.api(who).post(f"{world.org_url}/api-keys", {"name": "x"}), 403)
        assert_problem(world.api(who).get(f"{world.org_url}/api-keys"), 403)
        assert fingerprint() == before
    assert_problem(world.api("foreign_admin").get(f"{world.org_url}/api-keys"), 404)


def test_key_teams_must_be_the_orgs(world):
    before = fingerprint()
    body = assert_problem(
        world.api("admin").post(
            f"{world.org_url}/api-keys", {"name": "x", "teams": [world.foreign_team.id]}
        ),
        422,
    )
    assert body["errors"][0]["field"] == "teams"
    assert_problem(
        world.api("admin").post(f"{world.org_url}/api-keys", {"name": "x", "teams": []}), 422
    )
    assert fingerprint() == before


def test_another_orgs_key_cannot_be_revoked(world):
    foreign = expect(
        world.api("foreign_admin").post(
            f"/api/v1/orgs/{world.foreign_org.id}/api-keys", {"name": "g"}
        ),
        201,
    )
    assert_problem(world.api("admin").delete(f"{world.org_url}/api-keys/{foreign['id']}"), 404)
    assert IngestKey.objects.get(id=foreign["id"]).revoked_at is None
