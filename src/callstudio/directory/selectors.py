"""Reads of organizations, teams and memberships, each a fixed number of queries, checked
through the access object they are given."""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from callstudio.access.explain import Grant, explain
from callstudio.access.models import Role
from callstudio.access.permissions import BY_NAME, TEAM, TEAM_PERMISSIONS
from callstudio.access.policy import OrgAccess, TeamAccess, readable_teams
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.accounts.mfa import has_mfa as account_has_mfa
from callstudio.accounts.models import Account
from callstudio.core.audit import dangerously_audit_entries
from callstudio.core.audit_actions import AUDIT_ACTIONS
from callstudio.core.errors import Invalid, NotFound
from callstudio.core.pagination import Page, paginate
from callstudio.orgs.models import Invitation, OrgMembership, Team, TeamMembership


def account_orgs(*, account) -> list[OrgMembership]:
    return list(
        OrgMembership.objects.select_related("organization", "custom_role")
        .filter(account_id=account.pk, status=OrgMembership.ACTIVE)
        .order_by("organization__name", "organization_id")
    )


@dataclass(slots=True)
class MemberRow:
    """A member as a page of members shows them, read as plain values: no model instances, so
    a page of 50 costs little more than a page of 10 (`bench/management_scale.py`)."""

    id: int
    account_id: int  # the account's primary key, as on OrgMembership
    account: SimpleNamespace  # account_id (the public one), name, email
    role: str
    custom_role: SimpleNamespace | None  # id, name
    status: str
    active_teams: list = field(default_factory=list)
    role_editable: bool = False

    @property
    def role_ref(self) -> str:
        return self.custom_role.id if self.custom_role else self.role


def org_members_page(
    *,
    access: OrgAccess,
    status: str = OrgMembership.ACTIVE,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Members (MemberRow) with their active teams: two queries for any page size."""
    access.require("org.members.read")
    if status not in (OrgMembership.ACTIVE, OrgMembership.ARCHIVED):
        raise Invalid("Must be active or archived.", field="status")
    qs = OrgMembership.objects.filter(
        organization_id=access.organization.id, status=status
    ).values_list(
        "id",
        "account_id",
        "account__account_id",
        "account__name",
        "account__email",
        "role",
        "custom_role_id",
        "custom_role__name",
        "status",
        named=True,
    )
    page = paginate(qs, keys=("id",), cursor=cursor, limit=limit)
    teams = defaultdict(list)
    for account_id, team_id, team_name, role, custom_role_id in (
        TeamMembership.objects.filter(
            organization_id=access.organization.id,
            revoked_at__isnull=True,
            account_id__in=[m.account_id for m in page.items],
        )
        .order_by("team__name")
        .values_list("account_id", "team_id", "team__name", "role", "custom_role_id")
    ):
        teams[account_id].append({"id": team_id, "name": team_name, "role": custom_role_id or role})
    page.items = [
        MemberRow(
            id=m.id,
            account_id=m.account_id,
            account=SimpleNamespace(
                account_id=m.account__account_id, name=m.account__name, email=m.account__email
            ),
            role=m.role,
            custom_role=(
                SimpleNamespace(id=m.custom_role_id, name=m.custom_role__name)
                if m.custom_role_id
                else None
            ),
            status=m.status,
            active_teams=teams[m.account_id],
        )
        for m in page.items
    ]
    return page


def former_team_memberships(*, access: OrgAccess, account) -> list[TeamMembership]:
    """The teams a member was revoked from and is not back in: offered for re-adding on restore."""
    rows = (
        TeamMembership.objects.select_related("team", "custom_role")
        .filter(organization_id=access.organization.id, account_id=account.pk)
        .order_by("team_id", "-created_at")
    )
    latest = {}
    for row in rows:
        latest.setdefault(row.team_id, row)
    return sorted((m for m in latest.values() if m.revoked_at), key=lambda m: m.team.name.lower())


def teams_page(*, access: OrgAccess, cursor: str | None = None, limit: int | None = None) -> Page:
    qs = readable_teams(access).annotate(name_key=Lower("name"))
    return paginate(qs, keys=("name_key", "id"), cursor=cursor, limit=limit)


def team_members_page(
    *, access: TeamAccess, cursor: str | None = None, limit: int | None = None
) -> Page:
    access.require("team.members.read")
    qs = TeamMembership.objects.select_related("account", "custom_role").filter(
        team_id=access.team.id, revoked_at__isnull=True
    )
    return paginate(qs, keys=("id",), cursor=cursor, limit=limit)


def team_member_candidates(*, access: TeamAccess) -> list[OrgMembership]:
    """Active org members not yet in the team: the choices of the team's Add Member select."""
    in_team = TeamMembership.objects.filter(team_id=access.team.id, revoked_at__isnull=True).values(
        "account_id"
    )
    return list(
        OrgMembership.objects.select_related("account")
        .filter(organization_id=access.org.organization.id, status=OrgMembership.ACTIVE)
        .exclude(account_id__in=in_team)
        .order_by("account__name", "account__email")
    )


def org_membership(*, access: OrgAccess, account_id) -> OrgMembership:
    """A member of the actor's organization (active or archived) by account ID; another
    organization's members are not found. The caller checks the operation's permission."""
    membership = (
        OrgMembership.objects.select_related("account", "custom_role")
        .filter(organization_id=access.organization.id, account__account_id=account_id)
        .first()
    )
    if membership is None:
        raise NotFound("Member not found.")
    return membership


def team_membership(*, access: TeamAccess, account_id) -> TeamMembership:
    """A live member of the team by account ID (revoked ones are history, not members)."""
    membership = (
        TeamMembership.objects.select_related("account", "custom_role")
        .filter(team_id=access.team.id, account__account_id=account_id, revoked_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound("Team member not found.")
    return membership


def team_agent_choices(*, access: TeamAccess) -> list[tuple[str, str]]:
    """(account ID, name) of the team's live members: the calls list's agent filter."""
    return list(
        TeamMembership.objects.filter(team_id=access.team.id, revoked_at__isnull=True)
        .order_by("account__name")
        .values_list("account__account_id", "account__name")
    )


def org_team_choices(*, access: OrgAccess, limit: int | None = None) -> list[tuple[str, str]]:
    """(id, name) of every team of the organization, archived too, by name: for choosing teams
    (an ingest key's teams, the audit log's filter). Team names are part of `org.read`."""
    qs = (
        Team.objects.filter(organization_id=access.organization.id)
        .order_by("name")
        .values_list("id", "name")
    )
    return list(qs[:limit] if limit else qs)


def member_active_teams(*, access: OrgAccess, account) -> list[dict]:
    """The teams a member is still in: an org revoke must wait until this is empty."""
    return list(
        Team.objects.filter(
            organization_id=access.organization.id,
            memberships__account=account,
            memberships__revoked_at__isnull=True,
        )
        .order_by("name")
        .values("id", "name")
    )


def still_in_teams_message(teams: list[dict]) -> str:
    return "Revoke this member from every team first: " + ", ".join(t["name"] for t in teams) + "."


def audit_log_page(
    *,
    access: OrgAccess,
    actor: str | None = None,
    action: str | None = None,
    team: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """A page of the organization's audit log, newest first (`org.audit.read`): the one read the
    audit log page and the API share. `actor` is an account ID or the email the actor had."""
    access.require("org.audit.read")
    if action is not None and action not in AUDIT_ACTIONS:
        raise Invalid("Not a declared audit action (see the list in the API docs).", field="action")
    qs = dangerously_audit_entries(
        organization=access.organization, actor_account_id=actor, action=action, team_id=team
    )
    return paginate(qs, keys=("id",), cursor=cursor, limit=limit, descending=True)


def audit_log_names(
    *, access: OrgAccess, account_ids: set, role_ids: set, team_ids: set
) -> tuple[dict, dict, dict]:
    """Names for what audit entries refer to by id, one query per kind at most: accounts (by
    account ID), this organization's custom roles and teams."""
    org_id = access.organization.id
    accounts = Account.objects.filter(account_id__in=account_ids) if account_ids else None
    roles = Role.objects.filter(organization_id=org_id, id__in=role_ids) if role_ids else None
    teams = Team.objects.filter(organization_id=org_id, id__in=team_ids) if team_ids else None
    return tuple(
        dict(qs.values_list(key, "name")) if qs is not None else {}
        for qs, key in ((accounts, "account_id"), (roles, "id"), (teams, "id"))
    )


def access_explanation(*, access: OrgAccess, account_id, team_id=None, permission=None) -> dict:
    """The explanation of access/explain.py for one member (active or archived), in at most four
    queries however many teams the organization has: the membership, the account's live team
    roles, the teams, and (only while the organization requires MFA) the account's factors.
    Unknown account or non-member: 404; unknown team: 404; unknown permission: 422."""
    access.require("org.members.read")
    if permission is not None and permission not in BY_NAME:
        raise Invalid("No such permission: see GET /api/v1/permissions.", field="permission")
    if permission is not None and BY_NAME[permission].scope == TEAM and team_id is None:
        raise Invalid(f"{permission} is a team permission: name the team.", field="team")
    membership = org_membership(access=access, account_id=account_id)
    org = access.organization
    grants = {
        m.team_id: Grant("team_role", m.role, m.custom_role)
        for m in TeamMembership.objects.select_related("custom_role").filter(
            organization_id=org.id, account_id=membership.account_id, revoked_at__isnull=True
        )
    }
    teams = Team.objects.filter(organization_id=org.id).only("id", "name", "archived_at")
    if team_id is not None:
        teams = teams.filter(id=team_id)
    elif not Grant("org_role", membership.role, membership.custom_role).permissions & (
        TEAM_PERMISSIONS
    ):
        teams = teams.filter(id__in=list(grants))
    teams = list(teams.order_by(Lower("name"), "id"))
    if team_id is not None and not teams:
        raise NotFound("Team not found.")
    return explain(
        membership=membership,
        require_mfa=org.require_mfa,
        has_mfa=org.require_mfa and account_has_mfa(membership.account),
        teams=teams,
        team_grants=grants,
        permission=permission,
        team_id=team_id,
    )


def default_role_name(organization) -> str:
    """The display name of the organization's default role (a built-in key or a custom role)."""
    builtin = BUILTIN_ROLES.get(organization.default_role)
    if builtin is not None:
        return builtin.name
    role = Role.objects.filter(organization_id=organization.id, id=organization.default_role)
    return role.values_list("name", flat=True).first() or organization.default_role


# Invitations

INVITATION_STATUSES = (
    Invitation.PENDING,
    Invitation.ACCEPTED,
    Invitation.REVOKED,
    Invitation.EXPIRED,
)


def _invitations(org_id: str):
    from callstudio.orgs.models import InvitationTeam

    rows = InvitationTeam.objects.select_related("team", "custom_role").order_by("team__name")
    return (
        Invitation.objects.filter(organization_id=org_id)
        .select_related("custom_role", "invited_by", "accepted_by")
        .prefetch_related(Prefetch("teams", queryset=rows))
    )


def invitations_page(
    *,
    access: OrgAccess,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """The organization's invitations, newest first (`org.members.add`, who sends them): two
    queries for any page. "Expired" is computed: a pending invitation past its expiry."""
    access.require("org.members.add")
    qs = _invitations(access.organization.id)
    now = timezone.now()
    expired = Q(status=Invitation.EXPIRED) | Q(status=Invitation.PENDING, expires_at__lte=now)
    if status in (None, ""):
        pass
    elif status not in INVITATION_STATUSES:
        raise Invalid("Must be pending, accepted, revoked or expired.", field="status")
    elif status == Invitation.EXPIRED:
        qs = qs.filter(expired)
    elif status == Invitation.PENDING:
        qs = qs.filter(status=Invitation.PENDING, expires_at__gt=now)
    else:
        qs = qs.filter(status=status)
    return paginate(qs, keys=("created_at", "id"), cursor=cursor, limit=limit, descending=True)


def invitation_in_org(*, access: OrgAccess, invitation_id, lock: bool = False) -> Invitation:
    """One invitation of the actor's organization; another organization's are not found. The
    caller checks the operation's permission."""
    qs = _invitations(access.organization.id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(id=invitation_id).first() if isinstance(invitation_id, str) else None
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


def account_memberships(*, account) -> list[OrgMembership]:
    """The caller's organizations (active memberships), each with whether they are its only
    active Admin: Profile → Organizations shows why Leave is refused before it is pressed."""
    memberships = account_orgs(account=account)
    org_ids = [m.organization_id for m in memberships if m.role == "admin"]
    admins = defaultdict(int)
    for org_id in (
        OrgMembership.objects.filter(
            organization_id__in=org_ids, role="admin", status=OrgMembership.ACTIVE
        ).values_list("organization_id", flat=True)
        if org_ids
        else []
    ):
        admins[org_id] += 1
    for m in memberships:
        m.last_admin = m.role == "admin" and admins[m.organization_id] <= 1
    return memberships
