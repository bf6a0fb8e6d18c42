"""Every state change to organizations, teams and memberships, one module per entity. Each
service checks permission through the access object it is given, validates, runs in one
transaction and writes its audit entry there. Re-exported here so callers write
`from callstudio.directory import services; services.team_create(...)`."""

from .invitation_accept import check_invitee, invitation_accept, open_invitation, owns_address
from .invitations import invitation_create, invitation_resend, invitation_revoke, role_name
from .managed_teams import ensure_hand_change_allowed, managed_by_idp_detail
from .org_members import (
    org_member_add,
    org_member_change_role,
    org_member_leave,
    org_member_restore,
    org_member_revoke,
)
from .organizations import organization_create, organization_update
from .team_members import (
    team_member_add,
    team_member_change_role,
    team_member_link_verified_email,
    team_member_revoke,
    team_member_set_agent_external_id,
)
from .teams import team_create, team_rotate_workflow_id, team_set_archived, team_update

__all__ = [
    "check_invitee",
    "ensure_hand_change_allowed",
    "managed_by_idp_detail",
    "owns_address",
    "role_name",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "open_invitation",
    "org_member_leave",
    "org_member_add",
    "org_member_change_role",
    "org_member_restore",
    "org_member_revoke",
    "organization_create",
    "organization_update",
    "team_create",
    "team_member_add",
    "team_member_change_role",
    "team_member_revoke",
    "team_member_link_verified_email",
    "team_member_set_agent_external_id",
    "team_rotate_workflow_id",
    "team_set_archived",
    "team_update",
]
