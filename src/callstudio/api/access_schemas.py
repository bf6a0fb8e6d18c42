"""Shapes of the access explanation (GET /api/v1/orgs/{org}/access, access/explain.py)."""

from ninja import Schema
from pydantic import Field


class CustomRoleRef(Schema):
    id: str
    name: str


# A built-in role by key ("manager"), or a custom role by id and name.
RoleRef = str | CustomRoleRef


class PermissionSource(Schema):
    kind: str = Field(description='"org_role" or "team_role": where the role is held.')
    role: RoleRef


class ExplainedPermission(Schema):
    name: str
    sources: list[PermissionSource]


class PolicyState(Schema):
    name: str = Field(description="active_membership, require_mfa or team_read_required.")
    satisfied: bool


class TeamRef(Schema):
    id: str
    name: str


class ExplainedTeam(Schema):
    team: TeamRef
    archived: bool
    role: RoleRef | None = Field(description="The account's team role here, if any.")
    permissions: list[ExplainedPermission]
    policies: list[PolicyState]


class AccessExplanationOut(Schema):
    account_id: str
    org_role: RoleRef
    policies: list[PolicyState]
    org_permissions: list[ExplainedPermission]
    teams: list[ExplainedTeam]
    # Present with ?permission=
    permission: str | None = None
    allowed: bool | None = None
    sources: list[PermissionSource] | None = None
    blocked_by: list[str] | None = None
