"""Every state change to organizations, teams and memberships. Each service checks permission
through `access.policy`, validates, runs in one transaction and writes its audit entry there."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.access.policy import (
    OrgAccess,
    TeamAccess,
    ensure_can_grant,
    ensure_not_self,
    org_access,
    resolve_role,
    role_permissions,
)
from callstudio.accounts.models import Account

# Calls name agents by reference; linking them on join lives with the calls.
from callstudio.calls.ingest import link_agent_calls
from callstudio.core.audit import audit_record
from callstudio.core.errors import Conflict, Invalid, NotFound
from callstudio.core.ids import new_workflow_id
from callstudio.core.validation import clean_name, clean_text

from .models import (
    TEAM_DESCRIPTION_MAX,
    TEAM_NAME_MAX,
    Organization,
    OrgMembership,
    Team,
    TeamMembership,
)
from .selectors import member_active_teams, still_in_teams_message


def _role_state(membership) -> dict:
    return {"role": membership.role_ref}


def _lock_organization(access: OrgAccess) -> OrgAccess:
    """Serialize membership changes of one organization and re-read the actor's own access under
    the lock, so two Admins demoting each other at once cannot leave the org without one.
    PostgreSQL: a row lock on the organization. SQLite: every transaction is BEGIN IMMEDIATE."""
    Organization.objects.select_for_update().filter(id=access.organization.id).first()
    return org_access(access.account, access.organization.id)


def _ensure_admin_remains(organization, *, leaving: OrgMembership) -> None:
    if leaving.role != "admin":
        return
    others = (
        OrgMembership.objects.filter(
            organization=organization, role="admin", status=OrgMembership.ACTIVE
        )
        .exclude(id=leaving.id)
        .exists()
    )
    if not others:
        raise Conflict("An organization must keep at least one active Admin.")


# Organizations -----------------------------------------------------------------------------


@transaction.atomic
def organization_create(*, actor: Account, name) -> Organization:
    name = clean_name(name)
    org = Organization.objects.create(name=name)
    OrgMembership.objects.create(organization=org, account=actor, role="admin")
    audit_record(
        actor=actor, action="org.create", target=org, organization=org, after={"name": name}
    )
    return org


# Teams -------------------------------------------------------------------------------------


def _ensure_team_name_free(organization, name: str, *, exclude_id: str | None = None) -> None:
    clash = Team.objects.filter(organization=organization, name__iexact=name)
    if exclude_id:
        clash = clash.exclude(id=exclude_id)
    if clash.exists():
        raise Conflict("A team with this name already exists in the organization.", field="name")


def team_create(*, access: OrgAccess, name, description="") -> Team:
    access.require("teams.create")
    name = clean_name(name, max_length=TEAM_NAME_MAX)
    description = clean_text(
        description, field="description", max_length=TEAM_DESCRIPTION_MAX, required=False
    )
    try:
        with transaction.atomic():
            _ensure_team_name_free(access.organization, name)
            team = Team.objects.create(
                organization=access.organization, name=name, description=description
            )
            audit_record(
                actor=access.account,
                action="team.create",
                target=team,
                organization=access.organization,
                team=team,
                after={"name": name, "description": description},
            )
    except IntegrityError:  # a concurrent create took the name between check and insert
        raise Conflict(
            "A team with this name already exists in the organization.", field="name"
        ) from None
    return team


def team_update(*, access: TeamAccess, name=None, description=None) -> Team:
    access.require("team.manage")
    team = access.team
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name, max_length=TEAM_NAME_MAX)
    if description is not None:
        changes["description"] = clean_text(
            description, field="description", max_length=TEAM_DESCRIPTION_MAX, required=False
        )
    changes = {k: v for k, v in changes.items() if getattr(team, k) != v}
    if not changes:
        return team
    before = {k: getattr(team, k) for k in changes}
    try:
        with transaction.atomic():
            if "name" in changes:
                _ensure_team_name_free(team.organization_id, changes["name"], exclude_id=team.id)
            Team.objects.filter(id=team.id).update(**changes)
            for k, v in changes.items():
                setattr(team, k, v)
            audit_record(
                actor=access.account,
                action="team.update",
                target=team,
                organization=access.org.organization,
                team=team,
                before=before,
                after=changes,
            )
    except IntegrityError:
        raise Conflict(
            "A team with this name already exists in the organization.", field="name"
        ) from None
    return team


@transaction.atomic
def team_rotate_workflow_id(*, access: TeamAccess) -> Team:
    access.require("team.manage")
    team = access.team
    before = team.workflow_id
    team.workflow_id = new_workflow_id()
    Team.objects.filter(id=team.id).update(workflow_id=team.workflow_id)
    audit_record(
        actor=access.account,
        action="team.workflow_id.rotate",
        target=team,
        organization=access.org.organization,
        team=team,
        before={"workflow_id": before},
        after={"workflow_id": team.workflow_id},
    )
    return team


# Organization members ----------------------------------------------------------------------


def _account_by_public_id(account_id) -> Account:
    if not isinstance(account_id, str) or not account_id.strip():
        raise Invalid("Give the member's account ID.", field="account_id")
    account = Account.objects.filter(account_id=account_id.strip(), is_active=True).first()
    if account is None:
        raise Invalid("No account has this account ID.", field="account_id")
    return account


def _membership(access: OrgAccess, account_id: str) -> OrgMembership:
    membership = (
        OrgMembership.objects.select_related("account", "custom_role")
        .filter(organization_id=access.organization.id, account__account_id=account_id)
        .first()
    )
    if membership is None:
        raise NotFound("Member not found.")
    return membership


@transaction.atomic
def org_member_add(*, access: OrgAccess, account_id, role="member") -> OrgMembership:
    access.require("org.members.add")
    role_key, custom_role = resolve_role(access.organization, role or "member", scope="org")
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    account = _account_by_public_id(account_id)
    existing = OrgMembership.objects.filter(
        organization=access.organization, account=account
    ).first()
    if existing is not None and existing.status == OrgMembership.ARCHIVED:
        raise Conflict(
            "This account is an archived member of the organization: restore it instead.",
            field="account_id",
            extra={
                "restore": f"/api/v1/orgs/{access.organization.id}/members/{account.account_id}/restore"
            },
        )
    if existing is not None:
        raise Conflict("This account is already a member of the organization.", field="account_id")
    membership = OrgMembership.objects.create(
        organization=access.organization, account=account, role=role_key, custom_role=custom_role
    )
    audit_record(
        actor=access.account,
        action="member.add",
        target=account,
        organization=access.organization,
        after=_role_state(membership),
    )
    return membership


@transaction.atomic
def org_member_change_role(*, access: OrgAccess, account_id, role) -> OrgMembership:
    access.require("org.members.roles")
    membership = _membership(access, account_id)
    ensure_not_self(access, membership.account)
    role_key, custom_role = resolve_role(access.organization, role, scope="org")
    access = _lock_organization(access)
    access.require("org.members.roles")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ACTIVE:
        raise Conflict("This member is archived: restore them first.")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    before = _role_state(membership)
    if role_key != "admin":
        _ensure_admin_remains(access.organization, leaving=membership)
    membership.role, membership.custom_role = role_key, custom_role
    membership.save(update_fields=["role", "custom_role", "updated_at"])
    audit_record(
        actor=access.account,
        action="member.role.change",
        target=membership.account,
        organization=access.organization,
        before=before,
        after=_role_state(membership),
    )
    return membership


@transaction.atomic
def org_member_revoke(*, access: OrgAccess, account_id) -> OrgMembership:
    """Archive the member. Refused while they are in any team (the error names the teams)."""
    access.require("org.members.revoke")
    membership = _membership(access, account_id)
    ensure_not_self(access, membership.account)
    access = _lock_organization(access)
    access.require("org.members.revoke")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ACTIVE:
        raise Conflict("This member is already archived.")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    teams = member_active_teams(organization=access.organization, account=membership.account)
    if teams:
        raise Conflict(still_in_teams_message(teams), extra={"teams": teams})
    _ensure_admin_remains(access.organization, leaving=membership)
    membership.status = OrgMembership.ARCHIVED
    membership.archived_at = timezone.now()
    membership.save(update_fields=["status", "archived_at", "updated_at"])
    audit_record(
        actor=access.account,
        action="member.revoke",
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
    membership = _membership(access, account_id)
    access = _lock_organization(access)
    access.require("org.members.restore")
    membership.refresh_from_db()
    if membership.status != OrgMembership.ARCHIVED:
        raise Conflict("This member is not archived.")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    membership.status = OrgMembership.ACTIVE
    membership.archived_at = None
    membership.save(update_fields=["status", "archived_at", "updated_at"])
    audit_record(
        actor=access.account,
        action="member.restore",
        target=membership.account,
        organization=access.organization,
        before={"status": "archived"},
        after={"status": "active", **_role_state(membership)},
    )
    return membership


# Team members ------------------------------------------------------------------------------


def _team_membership(access: TeamAccess, account_id: str) -> TeamMembership:
    membership = (
        TeamMembership.objects.select_related("account", "custom_role")
        .filter(team_id=access.team.id, account__account_id=account_id, revoked_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound("Team member not found.")
    return membership


def _link_calls(membership: TeamMembership) -> None:
    refs = [f"account_id:{membership.account.account_id}", f"email:{membership.account.email}"]
    if membership.agent_external_id:
        refs.append(f"external_id:{membership.agent_external_id}")
    link_agent_calls(team_id=membership.team_id, account_pk=membership.account_id, refs=refs)


def _clean_external_id(value) -> str:
    return clean_text(value or "", field="agent_external_id", max_length=200, required=False)


def team_member_add(
    *, access: TeamAccess, account_id, role, agent_external_id=""
) -> TeamMembership:
    access.require("team.members.manage")
    organization = access.org.organization
    role_key, custom_role = resolve_role(organization, role, scope="team")
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    external_id = _clean_external_id(agent_external_id)
    account = _account_by_public_id(account_id)
    try:
        with transaction.atomic():
            if not OrgMembership.objects.filter(
                organization=organization, account=account, status=OrgMembership.ACTIVE
            ).exists():
                raise Invalid(
                    "This account is not an active member of the organization.", field="account_id"
                )
            if TeamMembership.objects.filter(
                team=access.team, account=account, revoked_at__isnull=True
            ).exists():
                raise Conflict("This member is already in the team.", field="account_id")
            membership = TeamMembership.objects.create(
                organization=organization,
                team=access.team,
                account=account,
                role=role_key,
                custom_role=custom_role,
                agent_external_id=external_id,
            )
            _link_calls(membership)
            audit_record(
                actor=access.account,
                action="team.member.add",
                target=account,
                organization=organization,
                team=access.team,
                after=_role_state(membership),
            )
    except IntegrityError:
        raise Conflict("This member is already in the team.", field="account_id") from None
    return membership


@transaction.atomic
def team_member_change_role(*, access: TeamAccess, account_id, role) -> TeamMembership:
    access.require("team.members.manage")
    membership = _team_membership(access, account_id)
    ensure_not_self(access.org, membership.account)
    role_key, custom_role = resolve_role(access.org.organization, role, scope="team")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    before = _role_state(membership)
    membership.role, membership.custom_role = role_key, custom_role
    membership.save(update_fields=["role", "custom_role"])
    audit_record(
        actor=access.account,
        action="team.member.role.change",
        target=membership.account,
        organization=access.org.organization,
        team=access.team,
        before=before,
        after=_role_state(membership),
    )
    return membership


@transaction.atomic
def team_member_revoke(*, access: TeamAccess, account_id) -> TeamMembership:
    """Out of this team only; the row stays as history and other teams are untouched."""
    access.require("team.members.manage")
    membership = _team_membership(access, account_id)
    ensure_not_self(access.org, membership.account)
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    membership.revoked_at = timezone.now()
    membership.save(update_fields=["revoked_at"])
    audit_record(
        actor=access.account,
        action="team.member.revoke",
        target=membership.account,
        organization=access.org.organization,
        team=access.team,
        before=_role_state(membership),
        after=None,
    )
    return membership


@transaction.atomic
def team_member_set_agent_external_id(
    *, access: TeamAccess, account_id, agent_external_id
) -> TeamMembership:
    """The member's agent ID in the sender's systems; calls already naming it become theirs."""
    access.require("team.members.manage")
    membership = _team_membership(access, account_id)
    value = _clean_external_id(agent_external_id)
    if (
        value
        and TeamMembership.objects.filter(
            team_id=access.team.id, agent_external_id=value, revoked_at__isnull=True
        )
        .exclude(id=membership.id)
        .exists()
    ):
        raise Conflict("Another member of this team has this agent ID.", field="agent_external_id")
    before = membership.agent_external_id
    if value != before:
        membership.agent_external_id = value
        membership.save(update_fields=["agent_external_id"])
        _link_calls(membership)
        audit_record(
            actor=access.account,
            action="team.member.agent_id.change",
            target=membership.account,
            organization=access.org.organization,
            team=access.team,
            before={"agent_external_id": before},
            after={"agent_external_id": value},
        )
    return membership


@transaction.atomic
def team_set_archived(*, access: TeamAccess, archived: bool) -> Team:
    """An archived team keeps its members and calls but takes no new calls (410)."""
    access.require("team.manage")
    team = access.team
    if (team.archived_at is not None) != archived:
        team.archived_at = timezone.now() if archived else None
        Team.objects.filter(id=team.id).update(archived_at=team.archived_at)
        audit_record(
            actor=access.account,
            action="team.archive" if archived else "team.unarchive",
            target=team,
            organization=access.org.organization,
            team=team,
            before={"archived": not archived},
            after={"archived": archived},
        )
    return team
