"""Adding organization members, changing their org role, archiving (revoking) and restoring
them. Role changes, revocations and restores lock the organization (see `lock_organization`)."""

from django.db import transaction
from django.utils import timezone

from callstudio.access.policy import (
    OrgAccess,
    ensure_can_grant,
    ensure_not_self,
    resolve_role,
    role_permissions,
)
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict
from callstudio.orgs.models import OrgMembership

from ..selectors import member_active_teams, org_membership, still_in_teams_message
from ._common import account_by_public_id, ensure_admin_remains, lock_organization, role_state


@transaction.atomic
def org_member_add(*, access: OrgAccess, account_id, role=None) -> OrgMembership:
    access.require("org.members.add")
    role_key, custom_role = resolve_role(
        access.organization, role or access.organization.default_role, scope="org"
    )
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    account = account_by_public_id(account_id)
    existing = OrgMembership.objects.filter(
        organization=access.organization, account=account
    ).first()
    if existing is not None and existing.status == OrgMembership.ARCHIVED:
        raise Conflict(
            "This account is an archived member of the organization: restore it instead.",
            field="account_id",
            code="archived_member",
            extra={
                "restore": f"/api/v1/orgs/{access.organization.id}/members/{account.account_id}/restore"
            },
        )
    if existing is not None:
        raise Conflict(
            "This account is already a member of the organization.",
            field="account_id",
            code="already_member",
        )
    membership = OrgMembership.objects.create(
        organization=access.organization, account=account, role=role_key, custom_role=custom_role
    )
    audit_record(
        actor=access.account,
        action=AuditAction.MEMBER_ADD,
        target=account,
        organization=access.organization,
        after=role_state(membership),
    )
    return membership


@transaction.atomic
def org_member_change_role(*, access: OrgAccess, account_id, role) -> OrgMembership:
    access.require("org.members.roles")
    membership = org_membership(access=access, account_id=account_id)
    ensure_not_self(access, membership.account)
    role_key, custom_role = resolve_role(access.organization, role, scope="org")
    access = lock_organization(access)
    access.require("org.members.roles")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ACTIVE:
        raise Conflict("This member is archived: restore them first.", code="archived_member")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    before = role_state(membership)
    if role_key != "admin":
        ensure_admin_remains(access.organization, leaving=membership)
    membership.role, membership.custom_role = role_key, custom_role
    membership.save(update_fields=["role", "custom_role", "updated_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.MEMBER_ROLE_CHANGE,
        target=membership.account,
        organization=access.organization,
        before=before,
        after=role_state(membership),
    )
    return membership


@transaction.atomic
def org_member_revoke(*, access: OrgAccess, account_id) -> OrgMembership:
    """Archive the member. Refused while they are in any team (the error names the teams)."""
    access.require("org.members.revoke")
    membership = org_membership(access=access, account_id=account_id)
    ensure_not_self(access, membership.account)
    access = lock_organization(access)
    access.require("org.members.revoke")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ACTIVE:
        raise Conflict("This member is already archived.", code="archived_member")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    teams = member_active_teams(access=access, account=membership.account)
    if teams:
        raise Conflict(still_in_teams_message(teams), code="in_teams", extra={"teams": teams})
    ensure_admin_remains(access.organization, leaving=membership)
    membership.status = OrgMembership.ARCHIVED
    membership.archived_at = timezone.now()
    membership.save(update_fields=["status", "archived_at", "updated_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.MEMBER_REVOKE,
        target=membership.account,
        organization=access.organization,
        before={"status": "active"},
        after={"status": "archived"},
    )
    return membership


@transaction.atomic
def org_member_restore(*, access: OrgAccess, account_id) -> OrgMembership:
    """Active again, with the org role they had; their calls, rules and tokens are theirs again."""
    access.require("org.members.restore")
    membership = org_membership(access=access, account_id=account_id)
    access = lock_organization(access)
    access.require("org.members.restore")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ARCHIVED:
        raise Conflict("This member is not archived.", code="not_archived")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    membership.status = OrgMembership.ACTIVE
    membership.archived_at = None
    membership.save(update_fields=["status", "archived_at", "updated_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.MEMBER_RESTORE,
        target=membership.account,
        organization=access.organization,
        before={"status": "archived"},
        after={"status": "active", **role_state(membership)},
    )
    return membership
