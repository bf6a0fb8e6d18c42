"""Creating an organization (its creator becomes its first Admin) and changing its settings:
name, `require_mfa` (members without a second factor reach nothing of it, access/resolve.py),
`default_role` (the org role of a member added without one) and `scim_team_role` (the team role
a member of an identity provider's group gets in the team SCIM made of it, PRODUCT §8.2)."""

from django.db import transaction

from callstudio.access.policy import OrgAccess, ensure_can_grant, resolve_role, role_permissions
from callstudio.accounts.mfa import has_mfa
from callstudio.accounts.models import Account
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Invalid
from callstudio.core.validation import clean_name
from callstudio.orgs.models import Organization, OrgMembership

# Adding someone without naming a role never makes them an Admin: full control is always given
# by name, one person at a time.
NOT_A_DEFAULT = frozenset({"admin"})


@transaction.atomic
def organization_create(*, actor: Account, name) -> Organization:
    name = clean_name(name)
    org = Organization.objects.create(name=name)
    OrgMembership.objects.create(organization=org, account=actor, role="admin")
    audit_record(
        actor=actor,
        action=AuditAction.ORG_CREATE,
        target=org,
        organization=org,
        after={"name": name},
    )
    return org


def _clean_default_role(access: OrgAccess, ref) -> str:
    """A built-in org role key or an org-scope custom role id of this organization, never Admin,
    and only a role whose permissions the actor holds (nobody configures more than they have)."""
    role_key, custom_role = resolve_role(
        access.organization, ref, scope="org", field="default_role"
    )
    if role_key in NOT_A_DEFAULT:
        raise Invalid(
            "Admin cannot be the default role: make someone an Admin by name.",
            field="default_role",
            code="admin_default",
        )
    ensure_can_grant(
        access.permissions, role_permissions(role_key, custom_role), field="default_role"
    )
    return custom_role.id if custom_role else role_key


def _clean_scim_team_role(access: OrgAccess, ref) -> str:
    """A built-in team role key or a team-scope custom role id of this organization, and only a
    role whose permissions the actor holds: SCIM grants it to everyone the IdP puts in a group,
    so configuring it is granting it."""
    role_key, custom_role = resolve_role(
        access.organization, ref, scope="team", field="scim_team_role"
    )
    ensure_can_grant(
        access.permissions, role_permissions(role_key, custom_role), field="scim_team_role"
    )
    return custom_role.id if custom_role else role_key


def organization_update(
    *, access: OrgAccess, name=None, require_mfa=None, default_role=None, scim_team_role=None
) -> Organization:
    """Only what is given changes; nothing changed records nothing. Turning `require_mfa` on
    needs the actor to have MFA themselves (409 `enable_mfa_first`): otherwise the actor would
    lock themselves out of the organization with their own switch."""
    access.require("org.manage")
    org = access.organization
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if require_mfa is not None:
        if not isinstance(require_mfa, bool):
            raise Invalid("require_mfa is true or false.", field="require_mfa")
        changes["require_mfa"] = require_mfa
    if default_role is not None and default_role != org.default_role:
        changes["default_role"] = _clean_default_role(access, default_role)
    if scim_team_role is not None and scim_team_role != org.scim_team_role:
        changes["scim_team_role"] = _clean_scim_team_role(access, scim_team_role)
    changes = {k: v for k, v in changes.items() if getattr(org, k) != v}
    if changes.get("require_mfa") and not has_mfa(access.account):
        raise Conflict(
            "Set up two-factor authentication for yourself (Profile, Security) before "
            "requiring it of the organization.",
            field="require_mfa",
            code="enable_mfa_first",
        )
    if not changes:
        return org
    before = {k: getattr(org, k) for k in changes}
    with transaction.atomic():
        Organization.objects.filter(id=org.id).update(**changes)
        for key, value in changes.items():
            setattr(org, key, value)
        audit_record(
            actor=access.account,
            action=AuditAction.ORG_UPDATE,
            target=org,
            organization=org,
            before=before,
            after=changes,
        )
    return org
