"""The one policy point: "may this actor do this here?" and "which rows may this actor read?".

An `OrgAccess` (one query) and a `TeamAccess` (two more) are built once per request and asked
`has`/`require`. Deny by default: no active membership, no role, no permission, no access.
An organization the actor does not belong to, or a team outside it, is "not found"."""

from collections.abc import Iterable
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db.models import Exists, QuerySet

from callstudio.accounts.mfa import FACTOR_TYPES, has_mfa
from callstudio.accounts.models import email_domain
from callstudio.core.errors import Forbidden, Invalid, NotFound
from callstudio.orgs.models import OrgMembership, Team, TeamMembership

from .models import Role
from .permissions import ORG_PERMISSIONS, TEAM_PERMISSIONS
from .roles import BUILTIN_ROLES


def role_permissions(role_key: str, custom_role: Role | None) -> frozenset[str]:
    if custom_role is not None:
        return custom_role.permission_set
    role = BUILTIN_ROLES.get(role_key)
    return role.permissions if role else frozenset()


@dataclass(frozen=True)
class OrgAccess:
    account: object
    organization: object
    membership: OrgMembership
    # Everything the org role grants: org-scope permissions, and team-scope ones in every team.
    permissions: frozenset[str]

    @property
    def org_permissions(self) -> frozenset[str]:
        return self.permissions & ORG_PERMISSIONS

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(f"Your role does not allow this (needs {permission}).")


@dataclass(frozen=True)
class TeamAccess:
    org: OrgAccess
    team: Team
    membership: TeamMembership | None
    permissions: frozenset[str]

    @property
    def account(self):
        return self.org.account

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(f"Your role in this team does not allow this (needs {permission}).")

    def restrict(self, qs: QuerySet, *, resource: str, owner_field: str) -> QuerySet:
        """The rows of this team this actor may read, as a queryset filter (never a row loop):
        `<resource>.read.all` sees the team's rows, `<resource>.read.own` only rows whose
        `owner_field` is the actor, anything else sees nothing."""
        qs = qs.filter(team_id=self.team.id)
        if self.has(f"{resource}.read.all"):
            return qs
        if self.has(f"{resource}.read.own"):
            return qs.filter(**{owner_field: self.account.pk})
        return qs.none()


def org_access(account, org_id: str) -> OrgAccess:
    """One query. Archived members and strangers get the same answer: not found. The
    organization's SSO connection (if any) comes in the same query, for `require_sso`."""
    if account is None or not account.is_authenticated:
        raise NotFound("Organization not found.")
    membership = (
        OrgMembership.objects.select_related("organization", "organization__sso", "custom_role")
        .filter(organization_id=org_id, account_id=account.pk, status=OrgMembership.ACTIVE)
        .first()
    )
    if membership is None:
        raise NotFound("Organization not found.")
    return OrgAccess(
        account=account,
        organization=membership.organization,
        membership=membership,
        permissions=role_permissions(membership.role, membership.custom_role),
    )


# Where a person sets up a second factor (the page) and how a client does (the API).
MFA_SETUP_PAGE = "/profile/security"
MFA_SETUP_API = "POST /api/v1/me/mfa/totp"


class MfaRequired(Forbidden):
    """The organization requires two-factor authentication and the actor has none. The pages
    show an enrollment prompt for it (web/middleware.py), the API a 403 `mfa_required`."""

    code = "mfa_required"

    def __init__(self, organization):
        super().__init__(
            f"{organization.name} requires two-factor authentication. Set it up under Profile, "
            f"Security ({MFA_SETUP_PAGE}) or with {MFA_SETUP_API}, then try again.",
            extra={"organization": {"id": organization.id, "name": organization.name}},
        )
        self.organization = organization


# Where a person signs in with an organization's identity provider.
SSO_LOGIN_PAGE = "/sso/{org}/login"


class SsoRequired(Forbidden):
    """The organization requires its SSO for this member and the request did not come through
    it. The pages show why and link to the SSO sign-in (web/middleware.py), the API a 403
    `sso_required`."""

    code = "sso_required"

    def __init__(self, organization):
        self.login_url = SSO_LOGIN_PAGE.format(org=organization.id)
        super().__init__(
            f"{organization.name} requires signing in with its single sign-on. Sign in at "
            f"{self.login_url}; API tokens must be created from such a session.",
            extra={
                "organization": {"id": organization.id, "name": organization.name},
                "sso_login_url": self.login_url,
            },
        )
        self.organization = organization


def is_break_glass_admin(access: OrgAccess) -> bool:
    """The built-in Admin role: the break-glass role of `require_sso` (a custom role is not)."""
    return access.membership.custom_role_id is None and access.membership.role == "admin"


def _enforce_sso(access: OrgAccess, *, mfa_known: bool) -> None:
    """One query: is the member's email in a verified domain of the organization, and (for an
    Admin, unless already known) have they a second factor? Related names only (`domains`): the
    sso app sits above this one and is never imported here."""
    org = access.organization
    domain = email_domain(access.account.email)
    if not domain:
        return
    in_domain = org.domains.filter(domain=domain, verified_at__isnull=False)
    if not is_break_glass_admin(access):
        if in_domain.exists():
            raise SsoRequired(org)
        return
    if mfa_known:
        return  # break-glass: an Admin with a second factor, known without a query
    factor = Authenticator.objects.filter(user_id=access.account.pk, type__in=FACTOR_TYPES)
    rows = in_domain.annotate(has_factor=Exists(factor)).values_list("has_factor", flat=True)
    found = rows.first()
    if found is False:
        raise SsoRequired(org)


def enforce_org_policies(access: OrgAccess, *, sso_org_ids: frozenset[str] = frozenset()) -> None:
    """The organization's own conditions on every request into it, on top of the membership:
    `require_mfa` (free while off, one query while on, met by the organization's SSO) and
    `require_sso` (free when the organization has no SSO connection or does not require it, or
    the request came through its SSO; one query otherwise). `sso_org_ids`: the organizations whose SSO the request's session
    signed in with, or its token was minted from; the caller knows which (web/, api/)."""
    org = access.organization
    # The IdP is the second factor of a request that came through the organization's SSO
    # (docs/sso.md "Two-factor authentication and SSO"): require_mfa asks nothing more of it.
    if org.require_mfa and org.id not in sso_org_ids and not has_mfa(access.account):
        raise MfaRequired(org)
    connection = getattr(org, "sso", None)  # came with the membership (org_access)
    if connection is not None and connection.require_sso and org.id not in sso_org_ids:
        _enforce_sso(access, mfa_known=org.require_mfa)


def team_access(access: OrgAccess, team_id: str) -> TeamAccess:
    """Two queries: the team inside the actor's organization, and the actor's team role."""
    team = Team.objects.filter(organization_id=access.organization.id, id=team_id).first()
    if team is None:
        raise NotFound("Team not found.")
    membership = (
        TeamMembership.objects.select_related("custom_role")
        .filter(team_id=team.id, account_id=access.account.pk, revoked_at__isnull=True)
        .first()
    )
    team_role = (
        role_permissions(membership.role, membership.custom_role) if membership else frozenset()
    )
    permissions = (access.permissions & TEAM_PERMISSIONS) | (team_role & TEAM_PERMISSIONS)
    return TeamAccess(org=access, team=team, membership=membership, permissions=permissions)


def readable_teams(access: OrgAccess) -> QuerySet:
    """Teams this actor may open: every team when the org role grants `team.read`, otherwise the
    teams where their team role does."""
    teams = Team.objects.filter(organization_id=access.organization.id)
    if access.has("team.read"):
        return teams
    memberships = TeamMembership.objects.select_related("custom_role").filter(
        organization_id=access.organization.id,
        account_id=access.account.pk,
        revoked_at__isnull=True,
    )
    team_ids = [
        m.team_id for m in memberships if "team.read" in role_permissions(m.role, m.custom_role)
    ]
    return teams.filter(id__in=team_ids)


@dataclass(frozen=True)
class ReadScope:
    """Where an actor may read rows of a resource across an organization's teams: every row of
    the `all_teams`, and in the `own_teams` only the rows they own."""

    all_teams: frozenset[str]
    own_teams: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.all_teams or self.own_teams)


def read_scope(
    access: OrgAccess, *, resource: str, team_ids: Iterable[str] | None = None
) -> ReadScope:
    """The teams (of `team_ids`, else every team) this actor may open (`team.read`) where they
    may read `<resource>.read.all` or `.read.own`: the same rule as `team_access(...).restrict`,
    for many teams in at most two queries (the teams, and the actor's team roles)."""
    teams = Team.objects.filter(organization_id=access.organization.id)
    if team_ids is not None:
        teams = teams.filter(id__in=list(team_ids))
    team_ids = list(teams.values_list("id", flat=True))
    org_role = access.permissions & TEAM_PERMISSIONS
    team_roles = {
        m.team_id: role_permissions(m.role, m.custom_role) & TEAM_PERMISSIONS
        for m in TeamMembership.objects.select_related("custom_role").filter(
            organization_id=access.organization.id,
            account_id=access.account.pk,
            revoked_at__isnull=True,
            team_id__in=team_ids,
        )
    }
    all_teams, own_teams = set(), set()
    for team_id in team_ids:
        held = org_role | team_roles.get(team_id, frozenset())
        if "team.read" not in held:
            continue
        if f"{resource}.read.all" in held:
            all_teams.add(team_id)
        elif f"{resource}.read.own" in held:
            own_teams.add(team_id)
    return ReadScope(all_teams=frozenset(all_teams), own_teams=frozenset(own_teams))


def reads_somewhere(access: OrgAccess, *, resource: str) -> bool:
    """Whether the actor holds `team.read` with `<resource>.read.all` or `.read.own` in some team
    (by the org role: in every team, present or future). The rule of `read_scope`, without
    listing the teams: no query when the org role decides, one (the actor's team roles)
    otherwise. The organization's Search link and page ask it."""
    wanted = {f"{resource}.read.all", f"{resource}.read.own"}
    org_role = access.permissions & TEAM_PERMISSIONS
    if "team.read" in org_role and wanted & org_role:
        return True
    for m in TeamMembership.objects.select_related("custom_role").filter(
        organization_id=access.organization.id,
        account_id=access.account.pk,
        revoked_at__isnull=True,
    ):
        held = org_role | (role_permissions(m.role, m.custom_role) & TEAM_PERMISSIONS)
        if "team.read" in held and wanted & held:
            return True
    return False


def ensure_can_grant(held: frozenset[str], granted: Iterable[str], *, field: str = "role") -> None:
    """Nobody grants (or acts on a holder of) permissions they do not hold themselves."""
    missing = sorted(set(granted) - held)
    if missing:
        raise Forbidden(
            "You cannot grant or act on a role with permissions you do not hold: "
            + ", ".join(missing)
            + ".",
            field=field,
        )


def ensure_not_self(access: OrgAccess, account) -> None:
    if account.pk == access.account.pk:
        raise Forbidden("You cannot change your own role or membership.")


def resolve_role(organization, ref, *, scope: str, field: str = "role") -> tuple[str, Role | None]:
    """A role reference from a request: a built-in key, or the id of one of this org's custom
    roles. Returns (built-in key or "", custom role or None)."""
    if not isinstance(ref, str) or not ref:
        raise Invalid("Name a role: a built-in role or a custom role's id.", field=field)
    builtin = BUILTIN_ROLES.get(ref.lower())
    if builtin is not None:
        if builtin.scope != scope:
            raise Invalid(
                f"{builtin.name} is a {builtin.scope} role, not a {scope} role.", field=field
            )
        return builtin.key, None
    role = Role.objects.filter(organization_id=organization.id, id=ref).first()
    if role is None:
        raise Invalid("No such role in this organization.", field=field)
    if role.scope != scope:
        raise Invalid(f"{role.name} is a {role.scope} role, not a {scope} role.", field=field)
    return "", role
