"""Effective permissions cost a constant, small number of queries, whatever the org's size; so do
the management endpoints."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access, team_access
from callstudio.accounts.models import Account
from callstudio.accounts.services import token_create
from callstudio.directory.services import organization_create, team_create
from callstudio.orgs.models import OrgMembership, Team, TeamMembership
from tests.conftest import Api


def build_org(teams: int, members: int):
    admin = Account.objects.create_user(email=f"admin{teams}@size.test", password="x", name="Admin")
    org = organization_create(actor=admin, name=f"Org {teams}")
    first = team_create(access=org_access(admin, org.id), name="Team 0")
    Team.objects.bulk_create(Team(organization=org, name=f"Team {i}") for i in range(1, teams))
    team_ids = list(Team.objects.filter(organization=org).values_list("id", flat=True))
    accounts = Account.objects.bulk_create(
        Account(email=f"m{i}-{teams}@size.test", name=f"Member {i}", password="!")
        for i in range(members - 1)
    )
    OrgMembership.objects.bulk_create(
        OrgMembership(organization=org, account=a, role="member") for a in accounts
    )
    TeamMembership.objects.bulk_create(
        TeamMembership(
            organization=org, team_id=team_ids[i % len(team_ids)], account=a, role="agent"
        )
        for i, a in enumerate(accounts)
    )
    agent = accounts[0]
    TeamMembership.objects.filter(account=agent).update(team=first)
    _, admin_token = token_create(account=admin)
    _, agent_token = token_create(account=agent)
    return {
        "org": org,
        "team": first,
        "admin": admin,
        "agent": agent,
        "admin_token": admin_token,
        "agent_token": agent_token,
    }


@pytest.fixture
def sizes(db):
    return {"small": build_org(1, 2), "big": build_org(200, 500)}


@pytest.mark.parametrize("size", ["small", "big"])
@pytest.mark.parametrize("who", ["admin", "agent"])
def test_effective_permissions_cost_three_queries(sizes, size, who, django_assert_num_queries):
    s = sizes[size]
    with django_assert_num_queries(3):
        access = team_access(org_access(s[who], s["org"].id), s["team"].id)
        assert access.has("team.read")


def _count(token: str, path: str, **query) -> tuple[int, int]:
    client = Api(token)
    client.get(path, **query)  # warm: the token's last-used time is written at most once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **query)
    return response.status_code, len(ctx)


ENDPOINTS = [
    # (who, path template, max queries)
    ("admin", "/api/v1/orgs/{org}", 2),
    ("admin", "/api/v1/orgs/{org}/teams/{team}", 4),
    ("agent", "/api/v1/orgs/{org}/teams/{team}", 4),
    ("admin", "/api/v1/orgs/{org}/members", 4),
    ("admin", "/api/v1/orgs/{org}/teams", 3),
    ("agent", "/api/v1/orgs/{org}/teams", 4),
    ("admin", "/api/v1/orgs/{org}/teams/{team}/members", 5),
    ("admin", "/api/v1/orgs/{org}/roles", 3),
    ("admin", "/api/v1/orgs/{org}/audit-log", 3),
    # token, memberships, second factors (`mfa`), addresses (`email_verified`, `pending_email`)
    ("admin", "/api/v1/me", 4),
]


@pytest.mark.parametrize(("who", "path", "limit"), ENDPOINTS)
def test_endpoint_query_counts_do_not_grow_with_the_org(sizes, who, path, limit):
    counts = {}
    for size, s in sizes.items():
        url = path.format(org=s["org"].id, team=s["team"].id)
        status, counts[size] = _count(s[f"{who}_token"], url)
        assert status == 200, url
    assert counts["small"] == counts["big"] <= limit, counts


def test_require_mfa_costs_nothing_while_off_and_one_query_while_on(sizes):
    """The organization row comes with the membership, so the policy is free while off; while
    on, asking whether the actor has a second factor is the one extra query."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from callstudio.directory.services import organization_update

    s = sizes["big"]
    url = f"/api/v1/orgs/{s['org'].id}"
    status, off = _count(s["admin_token"], url)
    assert (status, off) == (200, 2)
    TOTP.activate(s["admin"], generate_totp_secret())
    organization_update(access=org_access(s["admin"], s["org"].id), require_mfa=True)
    status, on = _count(s["admin_token"], url)
    assert (status, on) == (200, off + 1)
