"""Adding organization members, changing their org role, archiving (revoking), restoring them
and leaving. Role changes, revocations, restores and leaving lock the organization (see
`lock_organization`).

Adding by account ID needs no consent from the person (the seed's flow), so they are told at once
by mail, and anyone can leave an organization they did not want to be in."""

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from callstudio.access.policy import (
    OrgAccess,
    ensure_can_grant,
    ensure_not_self,
    resolve_role,
    role_permissions,
)
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict
from callstudio.core.links import absolute_url
from callstudio.orgs.models import OrgMembership, TeamMembership

from ..selectors import member_active_teams, org_membership, still_in_teams_message
from ._common import (
    account_by_public_id,
    ensure_admin_remains,
    lock_organization,
    mail_after_commit,
    role_state,
)


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
    mail_after_commit(
        lambda: send_added_notice(membership, added_by=access.account),
        what=f"added notice to {account.account_id}",
    )
    return membership


def send_added_notice(membership: OrgMembership, *, added_by) -> None:
    """ "You were added to Acme as Member by Ada": sent after commit, to the account's address."""
    role = (
        membership.custom_role.name
        if membership.custom_role
        else BUILTIN_ROLES[membership.role].name
    )
    context = {
        "organization": membership.organization.name,
        "role": role,
        "added_by": added_by.name or added_by.email,
        "added_by_email": added_by.email,
        "link": absolute_url(f"/o/{membership.organization_id}/"),
        "leave_link": absolute_url("/profile/orgs"),
    }
    send_mail(
        subject=f"You were added to {context['organization']} on CallStudio",
        message=render_to_string("mail/member_added.txt", context),
        from_email=None,
        recipient_list=[membership.account.email],
    )


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


@transaction.atomic
def org_member_leave(*, access: OrgAccess) -> OrgMembership:
    """The actor leaves: their team memberships are revoked and their org membership archived,
    in one transaction (an admin can restore them). The last active Admin cannot leave, also when
    two Admins leave at once (checked under the organization lock)."""
    access = lock_organization(access)
    membership = access.membership
    membership.refresh_from_db()
    ensure_admin_remains(access.organization, leaving=membership)
    now = timezone.now()
    teams = list(
        TeamMembership.objects.filter(
            organization_id=access.organization.id,
            account_id=access.account.pk,
            revoked_at__isnull=True,
        ).select_related("team")
    )
    for team_membership in teams:
        team_membership.revoked_at = now
        team_membership.save(update_fields=["revoked_at"])
        audit_record(
            actor=access.account,
            action=AuditAction.TEAM_MEMBER_REVOKE,
            target=membership.account,
            organization=access.organization,
            team=team_membership.team,
            before=role_state(team_membership),
        )
    membership.status, membership.archived_at = OrgMembership.ARCHIVED, now
    membership.save(update_fields=["status", "archived_at", "updated_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.MEMBER_LEAVE,
        target=membership.account,
        organization=access.organization,
        before={"status": "active", **role_state(membership)},
        after={"status": "archived", "teams": [t.team_id for t in teams]},
    )
    return membership
