"""Custom roles: create, edit, delete. Nobody builds a role stronger than their own, edits a role
they hold, or deletes a role still in use."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Forbidden, Invalid
from callstudio.core.validation import (
    clean_name,
    clean_text,
    ensure_name_free,
    name_case_skeleton,
    name_skeleton,
)
from callstudio.orgs.models import Invitation, InvitationTeam, OrgMembership, TeamMembership

from .models import Role
from .permissions import BY_NAME, TEAM
from .policy import OrgAccess, ensure_can_grant
from .roles import BUILTIN_ROLES
from .selectors import role_get

SCOPES = ("org", "team")
# Custom role names must not pose as a built-in one ("Аdmin" with a Cyrillic А).
BUILTIN_NAMES = tuple(text for key, role in BUILTIN_ROLES.items() for text in (key, role.name))
BUILTIN_SKELETONS = frozenset(name_skeleton(text) for text in BUILTIN_NAMES)
# ... nor as one in other capitals ("ЅUPERVISOR" with a Cyrillic Ѕ).
BUILTIN_CASE_SKELETONS = frozenset(name_case_skeleton(text) for text in BUILTIN_NAMES)


def _clean_permissions(permissions, scope: str) -> list[str]:
    if not isinstance(permissions, list | tuple) or not all(
        isinstance(p, str) for p in permissions
    ):
        raise Invalid("Must be a list of permission names.", field="permissions")
    unknown = sorted({p for p in permissions if p not in BY_NAME})
    if unknown:
        raise Invalid("Unknown permissions: " + ", ".join(unknown[:20]) + ".", field="permissions")
    if scope == TEAM:
        org_only = sorted({p for p in permissions if BY_NAME[p].scope != TEAM})
        if org_only:
            raise Invalid(
                "A team role can only hold team permissions; remove: " + ", ".join(org_only) + ".",
                field="permissions",
            )
    return sorted(set(permissions))


def _clean_role_name(organization, name, *, exclude_id: str | None = None) -> str:
    name = clean_name(name, field="name", max_length=100)
    if (
        name_skeleton(name) in BUILTIN_SKELETONS
        or name_case_skeleton(name) in BUILTIN_CASE_SKELETONS
        or name.lower() in BUILTIN_ROLES
        or name.lower() in {r.name.lower() for r in BUILTIN_ROLES.values()}
    ):
        raise Conflict("This is the name of a built-in role.", field="name", code="duplicate")
    ensure_name_free(
        Role.objects.filter(organization=organization),
        name,
        taken="A role with this name already exists.",
        looks_like="This name looks like the role “{existing}” already in the organization.",
        exclude_id=exclude_id,
    )
    return name


def _role_state(role: Role) -> dict:
    return {
        "name": role.name,
        "description": role.description,
        "scope": role.scope,
        "permissions": list(role.permissions),
    }


def role_usage(role: Role) -> dict:
    """Where a custom role is held: org members (active or archived) and active team members."""
    members = list(
        OrgMembership.objects.filter(custom_role=role)
        .select_related("account")
        .order_by("id")
        .values_list("account__name", flat=True)[:50]
    )
    teams = list(
        TeamMembership.objects.filter(custom_role=role, revoked_at__isnull=True)
        .order_by("team__name")
        .values("team_id", "team__name")
        .distinct()[:50]
    )
    return {
        "members": members,
        "teams": [{"id": t["team_id"], "name": t["team__name"]} for t in teams],
    }


def _is_held(role: Role) -> bool:
    return (
        OrgMembership.objects.filter(custom_role=role).exists()
        or TeamMembership.objects.filter(custom_role=role, revoked_at__isnull=True).exists()
    )


def _ensure_not_held_by_actor(access: OrgAccess, role: Role) -> None:
    held = (
        access.membership.custom_role_id == role.id
        or TeamMembership.objects.filter(
            custom_role=role, account_id=access.account.pk, revoked_at__isnull=True
        ).exists()
    )
    if held:
        raise Forbidden("You cannot change a role you hold yourself.")


def role_create(*, access: OrgAccess, name, scope, permissions, description="") -> Role:
    access.require("org.roles.manage")
    if scope not in SCOPES:
        raise Invalid("Must be org or team.", field="scope")
    permissions = _clean_permissions(permissions, scope)
    ensure_can_grant(access.permissions, permissions, field="permissions")
    description = clean_text(description, field="description", max_length=500, required=False)
    try:
        with transaction.atomic():
            name = _clean_role_name(access.organization, name)
            role = Role.objects.create(
                organization=access.organization,
                name=name,
                scope=scope,
                permissions=permissions,
                description=description,
            )
            audit_record(
                actor=access.account,
                action=AuditAction.ROLE_CREATE,
                target=role,
                organization=access.organization,
                after=_role_state(role),
            )
    except IntegrityError:
        raise Conflict(
            "A role with this name already exists.", field="name", code="duplicate"
        ) from None
    return role


def role_update(
    *, access: OrgAccess, role_id: str, name=None, description=None, permissions=None, scope=None
) -> Role:
    access.require("org.roles.manage")
    role = role_get(access=access, role_id=role_id)
    _ensure_not_held_by_actor(access, role)
    if _is_held(role):
        # Changing a role members hold changes what they may do: that is granting, so it needs
        # the permission to change members' roles too.
        access.require("org.members.roles")
    ensure_can_grant(access.permissions, role.permissions, field="permissions")
    before = _role_state(role)
    try:
        with transaction.atomic():
            if scope is not None and scope != role.scope:
                if scope not in SCOPES:
                    raise Invalid("Must be org or team.", field="scope")
                usage = role_usage(role)
                if usage["members"] or usage["teams"]:
                    raise Conflict(
                        "The scope of a role in use cannot change.", field="scope", extra=usage
                    )
                role.scope = scope
            if name is not None:
                role.name = _clean_role_name(access.organization, name, exclude_id=role.id)
            if description is not None:
                role.description = clean_text(
                    description, field="description", max_length=500, required=False
                )
            if permissions is not None or scope is not None:
                role.permissions = _clean_permissions(
                    role.permissions if permissions is None else permissions, role.scope
                )
                ensure_can_grant(access.permissions, role.permissions, field="permissions")
            if _role_state(role) != before:
                role.save()
                audit_record(
                    actor=access.account,
                    action=AuditAction.ROLE_UPDATE,
                    target=role,
                    organization=access.organization,
                    before=before,
                    after=_role_state(role),
                )
    except IntegrityError:
        raise Conflict(
            "A role with this name already exists.", field="name", code="duplicate"
        ) from None
    return role


@transaction.atomic
def _release_invitations(role: Role) -> None:
    """Open invitations hold the role like members do; finished ones keep their history without
    it (their check constraints allow that)."""
    open_ = Invitation.objects.filter(custom_role=role, status=Invitation.PENDING)
    open_teams = InvitationTeam.objects.filter(
        custom_role=role, invitation__status=Invitation.PENDING
    )
    if open_.exists() or open_teams.exists():
        raise Conflict(
            "This role is offered by pending invitations: revoke them first.", code="in_use"
        )
    Invitation.objects.filter(custom_role=role).update(custom_role=None)
    InvitationTeam.objects.filter(custom_role=role).update(custom_role=None)


@transaction.atomic
def role_delete(*, access: OrgAccess, role_id: str) -> None:
    access.require("org.roles.manage")
    role = role_get(access=access, role_id=role_id)
    ensure_can_grant(access.permissions, role.permissions, field="permissions")
    usage = role_usage(role)
    if usage["members"] or usage["teams"]:
        where = []
        if usage["members"]:
            where.append("organization members " + ", ".join(usage["members"]))
        if usage["teams"]:
            where.append("teams " + ", ".join(t["name"] for t in usage["teams"]))
        raise Conflict(
            "This role is in use by " + " and by ".join(where) + ".", code="in_use", extra=usage
        )
    if access.organization.default_role == role.id:
        # Adding a member without a role would otherwise fail until another default is chosen.
        raise Conflict(
            "This role is the organization's default role for new members: choose another "
            "default in Settings first.",
            code="default_role",
        )
    if access.organization.scim_team_role == role.id:
        # Every push of an IdP group would otherwise fail to add its members.
        raise Conflict(
            "This role is the team role of identity provider group members: choose another "
            "in Settings > Provisioning first.",
            code="scim_team_role",
        )
    _release_invitations(role)
    # Revoked team memberships keep their history without the deleted role.
    TeamMembership.objects.filter(Q(custom_role=role) & Q(revoked_at__isnull=False)).update(
        custom_role=None
    )
    audit_record(
        actor=access.account,
        action=AuditAction.ROLE_DELETE,
        target=role,
        organization=access.organization,
        before=_role_state(role),
    )
    role.delete()
