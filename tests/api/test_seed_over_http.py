"""The seed page, step by step, over real HTTP (a live server on a socket), as a developer would
follow it with curl."""

import httpx
import pytest

from tests.helpers import expect


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=30) as client:
        yield client


def sign_up_and_token(http, email, name):
    password = "seed-walkthrough-password-42"
    account = http.post("/accounts", json={"email": email, "password": password, "name": name})
    assert account.status_code == 201, account.text
    token = http.post("/auth/tokens", json={"email": email, "password": password})
    assert token.status_code == 201, token.text
    return account.json()["account_id"], {"Authorization": f"Bearer {token.json()['token']}"}


def test_the_seed_through_the_api(http):
    _, admin = sign_up_and_token(http, "ada@seed.test", "Ada")
    alex_id, alex = sign_up_and_token(http, "alex@seed.test", "Alex")
    org = expect(http.post("/orgs", json={"name": "Seed Org"}, headers=admin), 201)
    orgs = f"/orgs/{org['id']}"

    # Creating a Team: name and description -> the team, with its unique workflow ID.
    team = http.post(
        f"{orgs}/teams", json={"name": "Support", "description": "Front line"}, headers=admin
    )
    assert team.status_code == 201
    team = team.json()
    assert team["workflow_id"].startswith("wf_")
    assert (
        http.get(f"{orgs}/teams/{team['id']}", headers=admin).json()["workflow_id"]
        == team["workflow_id"]
    )
    second = expect(
        http.post(f"{orgs}/teams", json={"name": "Sales", "description": ""}, headers=admin), 201
    )

    # Adding a new member by account ID, then to teams with a role.
    assert (
        http.post(f"{orgs}/members", json={"account_id": alex_id}, headers=admin).status_code == 201
    )
    for t, role in [(team, "agent"), (second, "supervisor")]:
        added = http.post(
            f"{orgs}/teams/{t['id']}/members",
            json={"account_id": alex_id, "role": role},
            headers=admin,
        )
        assert added.status_code == 201
    assert http.get(f"{orgs}/teams/{team['id']}", headers=alex).status_code == 200

    # Revoking access from a team: other teams keep working.
    assert (
        http.delete(f"{orgs}/teams/{team['id']}/members/{alex_id}", headers=admin).status_code
        == 204
    )
    assert http.get(f"{orgs}/teams/{team['id']}", headers=alex).status_code == 403
    assert http.get(f"{orgs}/teams/{second['id']}", headers=alex).status_code == 200

    # Revoking access from the organization: refused until out of every team.
    refused = http.delete(f"{orgs}/members/{alex_id}", headers=admin)
    assert (
        refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    )
    assert refused.json()["teams"] == [{"id": second["id"], "name": "Sales"}]
    assert (
        http.delete(f"{orgs}/teams/{second['id']}/members/{alex_id}", headers=admin).status_code
        == 204
    )
    archived = http.delete(f"{orgs}/members/{alex_id}", headers=admin)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert http.get(orgs, headers=alex).status_code == 404
    assert http.get(f"{orgs}/teams/{second['id']}", headers=alex).status_code == 404

    # ... the member's data is archived and can be restored.
    listed = http.get(f"{orgs}/members", params={"status": "archived"}, headers=admin).json()[
        "items"
    ]
    assert [m["account_id"] for m in listed] == [alex_id]
    restored = expect(http.post(f"{orgs}/members/{alex_id}/restore", headers=admin), 200)
    assert restored["status"] == "active" and restored["role"] == "member"
    assert {t["name"] for t in restored["former_teams"]} == {"Support", "Sales"}
    assert http.get(orgs, headers=alex).status_code == 200


def test_openapi_and_docs_are_served_without_a_cdn(http):
    spec = http.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in [
        "/api/v1/accounts",
        "/api/v1/auth/tokens",
        "/api/v1/me",
        "/api/v1/orgs",
        "/api/v1/orgs/{org}/members/{account_id}/restore",
        "/api/v1/orgs/{org}/teams/{team}/rotate-workflow-id",
        "/api/v1/permissions",
        "/api/v1/orgs/{org}/roles/{role}",
        "/api/v1/orgs/{org}/audit-log",
    ]:
        assert path in paths, path
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    for asset in ["/static/ninja/swagger-ui.css", "/static/ninja/swagger-ui-bundle.js"]:
        assert asset in docs.text
        assert (
            httpx.get(str(http.base_url).replace("/api/v1", "") + asset.lstrip("/")).status_code
            == 200
        )
