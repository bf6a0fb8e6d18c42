"""SCIM tokens (PRODUCT §8.2) over the API and on Organization > Settings > Provisioning: created
with `org.manage` only, shown once, stored as a SHA-256 digest, listed without secrets (revoked
ones too), revoked, audited; and the SCIM team role setting (API and page)."""

import hashlib
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access
from callstudio.access.services import role_create
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_change_role
from callstudio.scim.models import ScimToken
from callstudio.scim.tokens import TOKEN_PREFIX, scim_token_create, token_digest
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

FIELDS = {"id", "name", "hint", "created_at", "created_by", "last_used_at", "revoked_at"}


def tokens_url(world) -> str:
    return f"{world.org_url}/scim-tokens"


def create(world, name="Okta", who="admin"):
    return world.api(who).post(tokens_url(world), {"name": name})


def browser(world, who) -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


def page_url(world) -> str:
    return f"/o/{world.org.id}/settings/provisioning"


# -- the API -------------------------------------------------------------------------------


def test_creating_shows_the_token_once_and_stores_its_digest(world):
    response = create(world)
    body = expect(response, 201)
    assert set(body) == FIELDS | {"token"}
    raw = body["token"]
    assert raw.startswith(TOKEN_PREFIX) and len(raw) >= len(TOKEN_PREFIX) + 43
    assert body["hint"] == raw[: len(TOKEN_PREFIX) + 4]
    assert body["name"] == "Okta"
    assert body["created_by"] == world["admin"].account_id
    assert body["last_used_at"] is None and body["revoked_at"] is None
    assert response["Cache-Control"] == "no-store"
    stored = ScimToken.objects.get(id=body["id"])
    assert stored.organization_id == world.org.id
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest() == token_digest(raw)
    assert raw not in {stored.name, stored.hint, stored.digest}
    listed = expect(world.api("admin").get(tokens_url(world)), 200)
    assert listed == {
        "items": [{k: body[k] for k in FIELDS}],
        "next_cursor": None,
    }
    assert raw not in str(listed)


def test_creating_and_revoking_are_audited_without_the_secret(world):
    body = expect(create(world), 201)
    expect(world.api("admin").delete(f"{tokens_url(world)}/{body['id']}"), 204)
    entries = list(
        AuditLogEntry.objects.filter(organization=world.org, target_type="scim_token").order_by(
            "id"
        )
    )
    assert [(e.action, e.actor_id, e.target_id, e.target_label) for e in entries] == [
        ("scim_token.create", world["admin"].account.pk, body["id"], "Okta"),
        ("scim_token.revoke", world["admin"].account.pk, body["id"], "Okta"),
    ]
    assert entries[0].after == {"name": "Okta", "hint": body["hint"]}
    assert (entries[1].before, entries[1].after) == ({"revoked": False}, {"revoked": True})
    assert body["token"] not in str([(e.before, e.after) for e in entries])
    log = expect(
        world.api("admin").get(f"{world.org_url}/audit-log", action="scim_token.revoke"), 200
    )
    assert [item["action"] for item in log["items"]] == ["scim_token.revoke"]


def test_a_revoked_token_stays_listed_after_the_live_ones(world):
    old = expect(create(world, "Old Okta"), 201)
    expect(world.api("admin").delete(f"{tokens_url(world)}/{old['id']}"), 204)
    new = expect(create(world, "Okta"), 201)
    items = expect(world.api("admin").get(tokens_url(world)), 200)["items"]
    assert [(i["id"], i["revoked_at"] is None) for i in items] == [
        (new["id"], True),
        (old["id"], False),
    ]
    assert all("token" not in i for i in items)
    assert ScimToken.objects.get(id=old["id"]).revoked_at is not None


def test_revoking_twice_is_a_conflict_that_changes_nothing(world):
    body = expect(create(world), 201)
    url = f"{tokens_url(world)}/{body['id']}"
    expect(world.api("admin").delete(url), 204)
    before = fingerprint()
    assert_problem(world.api("admin").delete(url), 409, code="already_revoked")
    assert_unchanged(before)


@pytest.mark.parametrize("who", ["manager", "member", "supervisor", "agent", "qa"])
def test_without_org_manage_every_operation_is_forbidden(world, who):
    token, _ = scim_token_create(
        access=org_access(world["admin"].account, world.org.id), name="Okta"
    )
    before = fingerprint()
    assert_problem(create(world, who=who), 403)
    assert_problem(world.api(who).get(tokens_url(world)), 403)
    assert_problem(world.api(who).delete(f"{tokens_url(world)}/{token.id}"), 403)
    assert_unchanged(before)


def test_other_organizations_and_strangers_find_nothing(world):
    ours, _ = scim_token_create(
        access=org_access(world["admin"].account, world.org.id), name="Okta"
    )
    theirs, _ = scim_token_create(
        access=org_access(world["foreign_admin"].account, world.foreign_org.id), name="Globex"
    )
    before = fingerprint()
    for who in ("foreign_admin", "outsider"):
        assert_problem(create(world, who=who), 404)
        assert_problem(world.api(who).get(tokens_url(world)), 404)
        assert_problem(world.api(who).delete(f"{tokens_url(world)}/{ours.id}"), 404)
    # Acme's Admin naming Globex's token through Acme: not found, and Globex's token lives on.
    assert_problem(world.api("admin").delete(f"{tokens_url(world)}/{theirs.id}"), 404)
    assert_problem(world.api("admin").delete(f"{tokens_url(world)}/scimtok_nothing"), 404)
    assert world["admin"].token not in str(expect(world.api("admin").get(tokens_url(world)), 200))
    assert [i["id"] for i in world.api("admin").get(tokens_url(world)).json()["items"]] == [ours.id]
    assert world.api(None).get(tokens_url(world)).status_code == 401
    assert world.api(None).post(tokens_url(world), {"name": "x"}).status_code == 401
    assert_unchanged(before)


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "Okta\u202e"},
        {"name": "Okta\nEntra"},
        {"name": 7},
        {},
        {"name": "Okta", "token": "cs_scim_mine"},
    ],
)
def test_bad_names_are_refused_and_nothing_is_created(world, body):
    before = fingerprint()
    response = world.api("admin").post(tokens_url(world), body)
    assert_problem(response, 422)
    assert "name" in {e["field"] for e in response.json().get("errors", [])} or "token" in body
    assert_unchanged(before)


# -- the SCIM team role (API) --------------------------------------------------------------


def test_the_scim_team_role_defaults_to_agent_and_is_set_by_patch(world):
    assert (
        expect(world.api("admin").get(world.org_url), 200)["settings"]["scim_team_role"] == "agent"
    )
    body = expect(world.api("admin").patch(world.org_url, {"scim_team_role": "supervisor"}), 200)
    assert body["settings"]["scim_team_role"] == "supervisor"
    body = expect(
        world.api("admin").patch(world.org_url, {"scim_team_role": world.custom_role.id}), 200
    )
    assert body["settings"]["scim_team_role"] == world.custom_role.id
    entry = AuditLogEntry.objects.filter(organization=world.org, action="org.update").latest("id")
    assert (entry.before, entry.after) == (
        {"scim_team_role": "supervisor"},
        {"scim_team_role": world.custom_role.id},
    )


@pytest.mark.parametrize("value", ["member", "admin", "nobody", "", 7])
def test_a_scim_team_role_that_is_not_a_team_role_is_refused(world, value):
    before = fingerprint()
    response = world.api("admin").patch(world.org_url, {"scim_team_role": value})
    assert_problem(response, 422, field="scim_team_role" if isinstance(value, str) else None)
    assert_unchanged(before)


def test_another_organizations_custom_role_is_not_a_scim_team_role(world):
    theirs = role_create(
        access=org_access(world["foreign_admin"].account, world.foreign_org.id),
        name="Globex QA",
        scope="team",
        permissions=["team.read"],
    )
    before = fingerprint()
    response = world.api("admin").patch(world.org_url, {"scim_team_role": theirs.id})
    assert_problem(response, 422, field="scim_team_role")
    assert_unchanged(before)


def test_the_scim_team_role_needs_org_manage_and_the_permissions_it_grants(world):
    before = fingerprint()
    assert_problem(world.api("manager").patch(world.org_url, {"scim_team_role": "agent"}), 403)
    # An org role with `org.manage` but no team permission cannot make SCIM grant Supervisor.
    admin = org_access(world["admin"].account, world.org.id)
    settings_only = role_create(
        access=admin, name="Settings", scope="org", permissions=["org.read", "org.manage"]
    )
    org_member_change_role(
        access=admin, account_id=world["member"].account_id, role=settings_only.id
    )
    before = fingerprint()
    response = world.api("member").patch(world.org_url, {"scim_team_role": "supervisor"})
    assert_problem(response, 403, field="scim_team_role")
    assert_unchanged(before)


# -- the Provisioning page -----------------------------------------------------------------


def test_the_page_shows_the_base_url_and_the_tokens(world):
    expect(create(world, "Okta"), 201)
    page = browser(world, "admin").get(page_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    base = settings.CALLSTUDIO_URL.rstrip("/") + f"/scim/v2/{world.org.id}/"
    assert f'<code id="scim-base-url" aria-labelledby="scim-base-url-label">{base}</code>' in html
    assert 'data-copy="scim-base-url"' in html
    assert '<th scope="row">Okta</th>' in html and "Live" in html
    assert TOKEN_PREFIX in html  # the hint
    assert 'name="scim_team_role"' in html
    assert re.findall(r'<option value="([^"]+)" selected', html) == ["agent"]


def test_a_token_created_on_the_page_is_shown_once(world):
    client = browser(world, "admin")
    response = client.post(page_url(world), {"name": "Entra"})
    assert response.status_code == 302 and response["Location"] == page_url(world)
    token = ScimToken.objects.get(organization=world.org, name="Entra")
    html = client.get(page_url(world)).content.decode()
    [raw] = re.findall(r'<code id="new-scim-token"[^>]*>([^<]+)</code>', html)
    assert token_digest(raw) == token.digest
    assert raw not in client.get(page_url(world)).content.decode()
    assert AuditLogEntry.objects.filter(action="scim_token.create", target_id=token.id).count() == 1


def test_a_bad_name_on_the_page_shows_on_the_form(world):
    before = fingerprint()
    response = browser(world, "admin").post(page_url(world), {"name": "Okta\u200b"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_name_error"' in html and "invisible formatting characters" in html
    assert_unchanged(before)


def test_revoking_on_the_page_asks_then_revokes(world):
    token, _ = scim_token_create(
        access=org_access(world["admin"].account, world.org.id), name="Okta"
    )
    client = browser(world, "admin")
    url = f"{page_url(world)}/tokens/{token.id}/revoke"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Revoke the SCIM token Okta?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = client.get(page_url(world)).content.decode()
    assert "Revoked " in html and f"tokens/{token.id}/revoke" not in html


def test_the_page_is_for_org_manage_only_and_for_this_organization(world):
    theirs, _ = scim_token_create(
        access=org_access(world["foreign_admin"].account, world.foreign_org.id), name="Globex"
    )
    before = fingerprint()
    for who in ("manager", "member", "supervisor"):
        assert browser(world, who).get(page_url(world)).status_code == 403
        assert browser(world, who).post(page_url(world), {"name": "x"}).status_code == 403
    assert browser(world, "foreign_admin").get(page_url(world)).status_code == 404
    # Globex's token through Acme's page: not found, on GET and POST.
    url = f"{page_url(world)}/tokens/{theirs.id}/revoke"
    assert browser(world, "admin").get(url).status_code == 404
    assert browser(world, "admin").post(url).status_code == 404
    assert Client().get(page_url(world)).status_code == 302
    assert_unchanged(before)


def test_the_team_role_is_set_on_the_page(world):
    client = browser(world, "admin")
    url = f"{page_url(world)}/team-role"
    response = client.post(url, {"scim_team_role": world.custom_role.id})
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.scim_team_role == world.custom_role.id
    before = fingerprint()
    response = client.post(url, {"scim_team_role": "admin"})
    assert response.status_code == 422
    assert 'id="id_scim_team_role_error"' in response.content.decode()
    assert_unchanged(before)


def test_the_list_and_the_page_take_the_same_queries_for_one_token_or_many(world):
    """One query for the tokens (their creators joined), whatever their number."""
    admin = org_access(world["admin"].account, world.org.id)
    scim_token_create(access=admin, name="Okta")

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as api_queries:
            expect(world.api("admin").get(tokens_url(world)), 200)
        client = browser(world, "admin")
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(page_url(world)).status_code == 200
        return len(api_queries), len(page_queries)

    counts()  # once-a-minute writes (the token's last use, the last organization opened)
    one = counts()
    for n in range(5):
        scim_token_create(access=admin, name=f"Entra {n}")
    assert counts() == one


def test_the_scim_team_role_cannot_be_deleted(world):
    """Every push of an IdP group would fail to add its members: refused like the default
    role (409, nothing changed) until another team role is chosen."""
    role = role_create(
        access=org_access(world["admin"].account, world.org.id),
        name="Group member",
        scope="team",
        permissions=["team.read"],
    )
    expect(world.api("admin").patch(world.org_url, {"scim_team_role": role.id}), 200)
    before = fingerprint()
    response = world.api("admin").delete(f"{world.org_url}/roles/{role.id}")
    assert_problem(response, 409, code="scim_team_role")
    assert_unchanged(before, "delete the SCIM team role")
    expect(world.api("admin").patch(world.org_url, {"scim_team_role": "agent"}), 200)
    assert world.api("admin").delete(f"{world.org_url}/roles/{role.id}").status_code == 204
