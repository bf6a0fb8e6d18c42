"""The audit log page reads as text for people: names, labels, "Role: Agent → Supervisor", and no
ids or Python reprs; its query count does not grow with the page."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from callstudio.accounts.models import Account
from callstudio.core.audit_actions import ORG_ACTIONS
from callstudio.core.models import AuditLogEntry


def page_of(client: Client, url: str, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def rows(page: str) -> list[str]:
    """Each table row's cells as plain text, `|`-separated."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)
        text = [html.unescape(re.sub(r"<br>", " / ", c)) for c in cells]
        out.append(" | ".join(re.sub(r"<[^>]+>", "", t).strip() for t in text))
    return out


@pytest.fixture
def named(world):
    """The world's people with names that are not role names."""
    for key, name in [
        ("admin", "Ada Admin"),
        ("agent", "Arlo Agent"),
        ("member", "Mira Member"),
        ("qa", "Quinn Checker"),
    ]:
        Account.objects.filter(id=world[key].account.id).update(name=name)
    return world


@pytest.fixture
def admin_browser(named):
    client = Client()
    client.force_login(Account.objects.get(id=named["admin"].account.id))
    return client


def test_entries_show_names_labels_and_changes_never_ids_or_reprs(named, admin_browser):
    w, admin = named, named.api("admin")
    team_members = f"{w.team_url}/members"
    assert (
        admin.patch(f"{team_members}/{w['agent'].account_id}", {"role": "supervisor"}).status_code
        == 200
    )
    added = admin.post(
        team_members, {"account_id": w["member"].account_id, "role": w.custom_role.id}
    )
    assert added.status_code == 201
    assert admin.patch(w.team_url, {"description": ""}).status_code == 200
    key = admin.post(f"{w.org_url}/api-keys", {"name": "Dialer", "teams": [w.other_team.id]})
    assert key.status_code == 201
    automation = {"name": "Tidy", "trigger": "call.ingested", "actions": [{"type": "archive_call"}]}
    assert admin.post(f"{w.team_url}/automations", automation).status_code == 201
    assert admin.delete(f"{team_members}/{w['qa'].account_id}").status_code == 204

    page = page_of(admin_browser, f"/o/{w.org.id}/audit-log")
    text = rows(page)
    assert text[0].split(" | ")[1:] == [
        "Ada Admin admin@acme.test",
        "Removed from team",
        "Quinn Checker (Member)",
        "Billing",
        "Role: QA Reviewer",
    ]
    assert text[1].split(" | ")[2:] == [
        "Automation created",
        "Tidy (Automation)",
        "Billing",
        "Name: Tidy / Trigger: A call arrives / Conditions: none / Actions: Archive the call"
        " / Enabled: yes",
    ]
    assert text[2].split(" | ")[2:] == [
        "API key created",
        "Dialer (API key)",
        "—",
        "Name: Dialer / Teams: Retention",
    ]
    assert text[3].split(" | ")[2:] == [
        "Team changed",
        "Billing (Team)",
        "Billing",
        "Description: Invoices → none",
    ]
    assert text[4].split(" | ")[2:] == [
        "Added to team",
        "Mira Member (Member)",
        "Billing",
        "Role: QA Reviewer",
    ]
    assert text[5].split(" | ")[2:] == [
        "Team role changed",
        "Arlo Agent (Member)",
        "Billing",
        "Role: Agent → Supervisor",
    ]
    # The whole log (the world's set-up included) carries no ids, keys or Python values.
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    for word in ["None", "True", "False", "role_", "acc_", "team_", "{", "[", "'", "supervisor"]:
        assert word not in table, word
    assert "Organization created" in table and "Role created" in table


def test_a_deleted_custom_role_reads_as_such(named, admin_browser):
    admin = named.api("admin")
    role = admin.post(
        f"{named.org_url}/roles", {"name": "Temp", "scope": "team", "permissions": ["team.read"]}
    ).json()
    members = f"{named.team_url}/members"
    assert (
        admin.post(
            members, {"account_id": named["member"].account_id, "role": role["id"]}
        ).status_code
        == 201
    )
    assert admin.delete(f"{members}/{named['member'].account_id}").status_code == 204
    assert admin.delete(f"{named.org_url}/roles/{role['id']}").status_code == 204
    text = rows(page_of(admin_browser, f"/o/{named.org.id}/audit-log"))
    assert text[0].split(" | ")[2:] == [
        "Role deleted",
        "Temp (Role)",
        "—",
        "Name: Temp / Description: none / Scope: Team / Permissions: Open the team's page",
    ]
    assert text[2].endswith("Role: a deleted role")


def test_action_filter_offers_every_organization_action_by_label(named, admin_browser):
    page = page_of(admin_browser, f"/o/{named.org.id}/audit-log", action="team.member.add")
    options = re.findall(r'<option value="([a-z_.]+)"( selected)?>([^<]+)</option>', page)
    assert [(v, label) for v, _, label in options] == [(a.value, a.label) for a in ORG_ACTIONS]
    assert [v for v, selected, _ in options if selected] == ["team.member.add"]
    assert len(rows(page)) == 3  # supervisor, agent, QA reviewer joined Billing


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_queries_per_page_do_not_grow_with_the_entries(
    named, admin_browser, django_assert_max_num_queries
):
    url = f"/o/{named.org.id}/audit-log"
    few = count_queries(admin_browser, url)
    admin = named.api("admin")
    for i in range(60):  # more than a page, every kind of name to resolve
        who = named[["agent", "supervisor", "qa"][i % 3]].account_id
        role = ["supervisor", named.custom_role.id, "agent"][(i + i // 3) % 3]
        response = admin.patch(f"{named.team_url}/members/{who}", {"role": role})
        assert response.status_code == 200
        if i % 10 == 0:
            assert (
                admin.post(
                    f"{named.org_url}/api-keys", {"name": f"K{i}", "teams": [named.team.id]}
                ).status_code
                == 201
            )
    assert AuditLogEntry.objects.filter(organization=named.org).count() > 60
    many = count_queries(admin_browser, url)
    # Names are resolved per page (members, custom roles; teams come with the filter list).
    assert many == few
    admin_browser.get(url)
    with django_assert_max_num_queries(8):  # the same bound as every page (web/test_page_queries)
        page = admin_browser.get(url).content.decode()
    assert len(rows(page)) == 50 and "Older entries" in page


def test_statuses_flags_and_rule_conditions_read_as_words(named, admin_browser):
    w, admin = named, named.api("admin")
    member = f"{w.org_url}/members/{w['member'].account_id}"
    assert admin.delete(member).status_code == 200
    assert admin.post(f"{member}/restore").status_code == 200
    assert admin.post(f"{w.org_url}/teams/{w.other_team.id}/archive").status_code == 200
    rule = {"name": "Refunds", "condition": {"type": "keyword", "phrases": ["refund"]}}
    assert admin.post(f"{w.team_url}/alert-rules", rule).status_code == 201
    changes = [r.split(" | ")[2:] for r in rows(page_of(admin_browser, f"/o/{w.org.id}/audit-log"))]
    assert changes[:4] == [
        [
            "Alert rule created",
            "Refunds (Alert rule)",
            "Billing",
            "Name: Refunds / Condition: Said: “refund” / Webhook: none",
        ],
        ["Team archived", "Retention (Team)", "Retention", "Archived: no → yes"],
        [
            "Member restored",
            "Mira Member (Member)",
            "—",
            "Status: Archived → Active / Role: Member",
        ],
        ["Member revoked", "Mira Member (Member)", "—", "Status: Active → Archived"],
    ]
