"""Every page renders with a fixed number of SQL queries: the same for an org with 10 members and
with 1,000 (lists are paginated)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.access.test_query_counts import build_org


@pytest.fixture
def sizes(db):
    return {"small": build_org(2, 10), "big": build_org(40, 1000)}


PAGES = [
    ("admin", "/o/{org}/"),
    ("admin", "/o/{org}/organization"),
    ("admin", "/o/{org}/members"),
    ("admin", "/o/{org}/members?status=archived"),
    ("admin", "/o/{org}/members/add"),
    ("admin", "/o/{org}/roles"),
    ("admin", "/o/{org}/audit-log"),
    ("admin", "/o/{org}/teams/{team}/"),
    ("admin", "/o/{org}/teams/{team}/members"),
    ("admin", "/o/{org}/teams/{team}/settings"),
    ("admin", "/o/{org}/teams/{team}/members/add"),
    ("agent", "/o/{org}/"),
    ("agent", "/o/{org}/teams/{team}/"),
    ("agent", "/o/{org}/teams/{team}/calls"),
    ("admin", "/o/{org}/teams/{team}/calls"),
    ("admin", "/o/{org}/api-keys"),
    ("admin", "/o/{org}/analytics"),
    ("admin", "/o/{org}/teams/{team}/analytics"),
    ("agent", "/o/{org}/teams/{team}/analytics"),
    ("admin", "/o/{org}/teams/{team}/alerts"),
    ("admin", "/o/{org}/teams/{team}/automations"),
    ("admin", "/o/{org}/teams/{team}/alert-rules/new"),
    ("admin", "/o/{org}/teams/{team}/automations/new"),
]

# Pages whose selector needs more: the team's figures are four queries of their own (by day, tags
# and keywords, the leaderboard and its agents' names; analytics/selectors.py). An empty call list
# asks once more whether the team has any call at all ("No calls yet" or "No calls match").
LIMITS = {"/o/{org}/teams/{team}/analytics": 10, "/o/{org}/teams/{team}/calls": 9}


def count(client: Client, path: str) -> int:
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx)


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_page_query_count_is_fixed(sizes, who, path):
    counts = {}
    for size, s in sizes.items():
        client = Client()
        client.force_login(s[who])
        counts[size] = count(client, path.format(org=s["org"].id, team=s["team"].id))
    assert counts["small"] == counts["big"] <= LIMITS.get(path, 8), counts
