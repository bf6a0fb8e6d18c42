"""Adding members to a team, changing their team role or agent ID, revoking them from the team.
Joining or naming an agent ID links the calls that already name the member (calls' ingestion
owns that link; directory sits above calls, so it calls it directly).

A team managed by an identity provider (`Team.managed_by`) changes members only through SCIM:
adding, revoking and role changes take `as_idp` (the SCIM token acting) and without it answer
409 `managed_by_idp` (managed_teams.py). Agent IDs stay editable by hand: no group carries them."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.access.policy import (
    TeamAccess,
    ensure_can_grant,
    ensure_not_self,
    resolve_role,
    role_permissions,
)
from callstudio.accounts.selectors import verified_emails
from callstudio.calls.ingest import link_agent_calls
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Forbidden, Invalid
from callstudio.core.validation import clean_text
from callstudio.orgs.models import OrgMembership, TeamMembership

from ..selectors import team_membership
from ._common import account_by_public_id, role_state
from .managed_teams import ensure_hand_change_allowed


def _link_calls(membership: TeamMembership) -> None:
    """Calls naming the member by account ID, agent ID or a verified address become theirs."""
    refs = [f"account_id:{membership.account.account_id}"]
    refs += [f"email:{email}" for _, email in verified_emails([membership.account_id])]
    if membership.agent_external_id:
        refs.append(f"external_id:{membership.agent_external_id}")
    link_agent_calls(team_id=membership.team_id, account_pk=membership.account_id, refs=refs)


def _ensure_may_name_agent(access: TeamAccess, account, org_membership: OrgMembership) -> None:
    """An agent ID decides whose calls are whose, so nobody names their own, and naming someone
    else's needs a role (org role and team role together) at least theirs: a team lead cannot
    point an Admin's agent ID at calls, nor take calls by naming themselves."""
    if account.pk == access.account.pk:
        raise Forbidden(
            "Nobody sets their own agent ID: another member who manages the team does.",
            field="agent_external_id",
            code="own_agent_id",
        )
    target = role_permissions(org_membership.role, org_membership.custom_role)
    membership = TeamMembership.objects.filter(
        team_id=access.team.id, account=account, revoked_at__isnull=True
    ).first()
    if membership is not None:
        target |= role_permissions(membership.role, membership.custom_role)
    ensure_can_grant(access.org.permissions | access.permissions, target, field="agent_external_id")


def _clean_external_id(value) -> str:
    return clean_text(value or "", field="agent_external_id", max_length=200, required=False)


def join_team(
    *, actor, organization, team, account, role_key, custom_role, agent_external_id="", as_idp=None
) -> TeamMembership:
    """The write itself, for callers that have checked everything (team_member_add, an accepted
    invitation): the membership, the calls that already name the member, the audit entry. Still
    refuses an IdP-managed team unless `as_idp` says the IdP asks (the last line of defence)."""
    ensure_hand_change_allowed(team, as_idp=as_idp)
    membership = TeamMembership.objects.create(
        organization=organization,
        team=team,
        account=account,
        role=role_key,
        custom_role=custom_role,
        agent_external_id=agent_external_id,
    )
    _link_calls(membership)
    audit_record(
        actor=actor,
        action=AuditAction.TEAM_MEMBER_ADD,
        target=account,
        organization=organization,
        team=team,
        after=role_state(membership),
    )
    return membership


def team_member_add(
    *, access: TeamAccess, account_id, role, agent_external_id="", as_idp=None
) -> TeamMembership:
    access.require("team.members.manage")
    ensure_hand_change_allowed(access.team, as_idp=as_idp)
    organization = access.org.organization
    role_key, custom_role = resolve_role(organization, role, scope="team")
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    external_id = _clean_external_id(agent_external_id)
    account = account_by_public_id(account_id)
    try:
        with transaction.atomic():
            org_membership = (
                OrgMembership.objects.select_related("custom_role")
                .filter(organization=organization, account=account, status=OrgMembership.ACTIVE)
                .first()
            )
            if org_membership is None:
                raise Invalid(
                    "This account is not an active member of the organization.", field="account_id"
                )
            if external_id:
                _ensure_may_name_agent(access, account, org_membership)
            if TeamMembership.objects.filter(
                team=access.team, account=account, revoked_at__isnull=True
            ).exists():
                raise Conflict(
                    "This member is already in the team.", field="account_id", code="duplicate"
                )
            membership = join_team(
                actor=access.account,
                organization=organization,
                team=access.team,
                account=account,
                role_key=role_key,
                custom_role=custom_role,
                agent_external_id=external_id,
                as_idp=as_idp,
            )
    except IntegrityError:
        raise Conflict(
            "This member is already in the team.", field="account_id", code="duplicate"
        ) from None
    return membership


@transaction.atomic
def team_member_change_role(*, access: TeamAccess, account_id, role, as_idp=None) -> TeamMembership:
    access.require("team.members.manage")
    ensure_hand_change_allowed(access.team, as_idp=as_idp)
    membership = team_membership(access=access, account_id=account_id)
    ensure_not_self(access.org, membership.account)
    role_key, custom_role = resolve_role(access.org.organization, role, scope="team")
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    before = role_state(membership)
    membership.role, membership.custom_role = role_key, custom_role
    membership.save(update_fields=["role", "custom_role"])
    audit_record(
        actor=access.account,
        action=AuditAction.TEAM_MEMBER_ROLE_CHANGE,
        target=membership.account,
        organization=access.org.organization,
        team=access.team,
        before=before,
        after=role_state(membership),
    )
    return membership


@transaction.atomic
def team_member_revoke(*, access: TeamAccess, account_id, as_idp=None) -> TeamMembership:
    """Out of this team only; the row stays as history and other teams are untouched."""
    access.require("team.members.manage")
    ensure_hand_change_allowed(access.team, as_idp=as_idp)
    membership = team_membership(access=access, account_id=account_id)
    ensure_not_self(access.org, membership.account)
    ensure_can_grant(access.permissions, role_permissions(membership.role, membership.custom_role))
    membership.revoked_at = timezone.now()
    membership.save(update_fields=["revoked_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.TEAM_MEMBER_REVOKE,
        target=membership.account,
        organization=access.org.organization,
        team=access.team,
        before=role_state(membership),
        after=None,
    )
    return membership


@transaction.atomic
def team_member_set_agent_external_id(
    *, access: TeamAccess, account_id, agent_external_id
) -> TeamMembership:
    """The member's agent ID in the sender's systems; calls already naming it become theirs.
    Audited as a change of who owns calls (before/after)."""
    access.require("team.members.manage")
    membership = team_membership(access=access, account_id=account_id)
    org_membership = (
        OrgMembership.objects.select_related("custom_role")
        .filter(organization_id=access.org.organization.id, account_id=membership.account_id)
        .first()
    )
    _ensure_may_name_agent(access, membership.account, org_membership)
    value = _clean_external_id(agent_external_id)
    if (
        value
        and TeamMembership.objects.filter(
            team_id=access.team.id, agent_external_id=value, revoked_at__isnull=True
        )
        .exclude(id=membership.id)
        .exists()
    ):
        raise Conflict(
            "Another member of this team has this agent ID.",
            field="agent_external_id",
            code="duplicate",
        )
    before = membership.agent_external_id
    if value != before:
        membership.agent_external_id = value
        membership.save(update_fields=["agent_external_id"])
        _link_calls(membership)
        audit_record(
            actor=access.account,
            action=AuditAction.TEAM_MEMBER_AGENT_ID_CHANGE,
            target=membership.account,
            organization=access.org.organization,
            team=access.team,
            before={"agent_external_id": before},
            after={"agent_external_id": value},
        )
    return membership


@transaction.atomic
def team_member_link_verified_email(*, account, email: str) -> int:
    """An address just became verified: the calls already stored naming it, in the teams the
    account is a live member of, become theirs (through calls.lifecycle, the one writer of
    `agent_id`). Returns how many calls were linked."""
    team_ids = TeamMembership.objects.filter(account=account, revoked_at__isnull=True).values_list(
        "team_id", flat=True
    )
    return sum(
        link_agent_calls(team_id=team_id, account_pk=account.pk, refs=[f"email:{email.lower()}"])
        for team_id in list(team_ids)
    )
