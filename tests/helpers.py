"""Assertions shared by the tests."""

from callstudio.access.models import Role
from callstudio.accounts.models import Account, PersonalToken
from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership


def fingerprint() -> dict:
    """Every row of every domain table: a denial must leave this exactly as it was."""
    return {
        "accounts": list(
            Account.objects.order_by("id").values_list("id", "email", "name", "is_active")
        ),
        "tokens": list(PersonalToken.objects.order_by("id").values_list("id", "revoked_at")),
        "orgs": list(Organization.objects.order_by("id").values_list("id", "name")),
        "teams": list(
            Team.objects.order_by("id").values_list("id", "name", "description", "workflow_id")
        ),
        "org_members": list(
            OrgMembership.objects.order_by("id").values_list(
                "id", "account_id", "role", "custom_role_id", "status"
            )
        ),
        "team_members": list(
            TeamMembership.objects.order_by("id").values_list(
                "id", "account_id", "team_id", "role", "custom_role_id", "revoked_at"
            )
        ),
        "roles": list(
            Role.objects.order_by("id").values_list("id", "name", "scope", "permissions")
        ),
        "audit": AuditLogEntry.objects.count(),
    }


def assert_problem(response, status: int, *, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if field is not None:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body
