"""The access a SCIM token acts with, built in this one place.

The directory services (org_member_*, team_*, team_member_*) take an access object and write
`access.account` as the audit actor. A SCIM token is not an account, so it gets an actor that
stands in for one: `ScimActor` has no primary key (it is never "self", it owns nothing) and
carries the token, which `core.audit.audit_record` turns into the entry's `actor_token` and the
label "SCIM token “Okta”".

Which permissions? The identity provider is the organization's authority over who belongs to
it: an Admin created the token (`org.manage`) so that the IdP provisions and deprovisions
everyone, Admins included (never the last active Admin: the services' own guard refuses that).
The services check two things with these permissions: `require(<operation>)`, and
`ensure_can_grant(held, <role of the person acted on>)`. The second must pass for an Admin
being deprovisioned, so the token holds every permission of the catalog. That is no wider than
the SCIM surface: the SCIM views only call the member, team and team-member services below, and
a token reaches nothing else (no API route accepts it, scim/auth.py accepts nothing else).

The roles it grants are the organization's own settings, never chosen by the IdP: new members
get `Organization.default_role`, group members `Organization.scim_team_role`."""

from dataclasses import dataclass

from callstudio.access.permissions import ORG_PERMISSIONS, TEAM_PERMISSIONS
from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.core.errors import NotFound
from callstudio.orgs.models import Team

from .models import ScimToken

# Everything: see the module docstring for why a provisioning client needs the whole catalog.
SCIM_PERMISSIONS = frozenset(ORG_PERMISSIONS | TEAM_PERMISSIONS)


@dataclass(frozen=True)
class ScimActor:
    """Stands where an account stands in the services' access objects."""

    scim_token: ScimToken
    pk = None
    account_id = None
    is_authenticated = True

    @property
    def name(self) -> str:
        return f"SCIM token “{self.scim_token.name}”"

    @property
    def email(self) -> str:
        return ""


def scim_org_access(token: ScimToken) -> OrgAccess:
    """The organization of the token, acted on by its identity provider. No membership:
    `lock_organization` (directory/services/_common.py) keeps such an access as it is."""
    return OrgAccess(
        account=ScimActor(token),
        organization=token.organization,
        membership=None,
        permissions=SCIM_PERMISSIONS,
    )


def scim_team_access(access: OrgAccess, team: Team) -> TeamAccess:
    if team.organization_id != access.organization.id:
        raise NotFound("Team not found.")
    return TeamAccess(
        org=access, team=team, membership=None, permissions=SCIM_PERMISSIONS & TEAM_PERMISSIONS
    )
