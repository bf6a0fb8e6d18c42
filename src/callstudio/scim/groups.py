"""SCIM Groups ↔ teams managed by the identity provider.

A group POSTed by SCIM becomes a team (its own workflow ID) with `managed_by` = the token's
name; its members become team memberships with `Organization.scim_team_role`. Only managed,
unarchived teams are Groups: teams made by hand are not the IdP's to change (a group named like
one is 409 `uniqueness`). `id` is the team's id; `displayName` its name (a rename follows);
`externalId` the IdP's id. Members are Users of this organization (`value` = account ID);
another organization's or an unknown id is 400 `invalidValue`: the group exists, the body is
wrong. The group's list is kept apart from the team's memberships (scim.ScimGroupMember), so a
deactivated member stays listed and rejoins on reactivation. DELETE archives the team."""

from django.db import transaction
from django.db.models import Q

from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import DomainError
from callstudio.directory import services
from callstudio.directory.services._common import lock_organization
from callstudio.orgs.models import TEAM_NAME_MAX, OrgMembership, Team, TeamMembership

from .actor import scim_team_access
from .discovery import GROUP_SCHEMA
from .filters import filter_query, invalid_filter
from .http import ScimError, from_domain, invalid_value
from .models import ScimGroupMember
from .shape import Shape
from .user_services import join_group_team
from .users import visible_members

GROUP_SHAPE = Shape(
    schema=GROUP_SCHEMA,
    attributes={
        "displayName": None,
        "members": frozenset({"value", "$ref", "type"}),
        "externalId": None,
    },
    multi_valued=frozenset({"members"}),
)
MAX_MEMBERS = 10_000


def _text(value) -> str:
    if not isinstance(value, str):
        raise invalid_filter("Compare this attribute with a string.")
    return value


LOOKUPS = {
    "displayname": lambda v: Q(name__iexact=_text(v)),
    "externalid": lambda v: Q(external_id=_text(v)),
    "id": lambda v: Q(id=_text(v)),
}


def group_query(expression: str | None) -> Q:
    return filter_query(expression, LOOKUPS, schema=GROUP_SCHEMA)


def managed_teams(organization_id: str):
    return Team.objects.filter(organization_id=organization_id, archived_at__isnull=True).exclude(
        managed_by=""
    )


def group_by_id(organization_id: str, team_id: str) -> Team:
    team = managed_teams(organization_id).filter(id=team_id).first()
    if team is None:
        raise ScimError(404, "Group not found.")
    return team


def group_members(teams: list[Team]) -> dict[str, list[str]]:
    """Account IDs listed by each group, one query for any number of groups."""
    out: dict[str, list[str]] = {team.id: [] for team in teams}
    rows = (
        ScimGroupMember.objects.filter(team_id__in=list(out))
        .exclude(
            membership__status=OrgMembership.ARCHIVED, membership__scim__deleted_at__isnull=False
        )
        .order_by("id")
        .values_list("team_id", "membership__account__account_id")
    )
    for team_id, account_id in rows:
        out[team_id].append(account_id)
    return out


def writable(team: Team, members: list[str], base: str) -> dict:
    out = {
        "displayName": team.name,
        "members": [
            {"value": account_id, "$ref": f"{base}Users/{account_id}", "type": "User"}
            for account_id in members
        ],
        "externalId": team.external_id or None,
    }
    return {k: v for k, v in out.items() if v not in (None, [])}


def group_resource(team: Team, members: list[str], base: str) -> dict:
    return {
        "schemas": [GROUP_SCHEMA],
        "id": team.id,
        **writable(team, members, base),
        "meta": {
            "resourceType": "Group",
            # No lastModified: a team does not record when it last changed, and its creation
            # date would claim it never did.
            "created": team.created_at.isoformat(),
            "location": f"{base}Groups/{team.id}",
        },
    }


def from_body(body: dict) -> dict:
    return {
        name: value
        for key, value in body.items()
        if (name := GROUP_SHAPE.canonical(key)) is not None
    }


def clean_group(data: dict) -> dict:
    name = data.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid_value("displayName is required.")
    if len(name.strip()) > TEAM_NAME_MAX:
        raise invalid_value(f"displayName: at most {TEAM_NAME_MAX} characters.")
    external_id = data.get("externalId")
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 255):
        raise invalid_value("externalId must be a string of at most 255 characters.")
    members = data.get("members") or []
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise invalid_value(f"members must be a list of at most {MAX_MEMBERS}.")
    values = []
    for member in members:
        if not isinstance(member, dict) or not isinstance(member.get("value"), str):
            raise invalid_value("Each member is an object with a value (the user's id).")
        kind = member.get("type")
        if kind is not None and str(kind).lower() != "user":
            raise invalid_value("Only users can be members of a group (no nested groups).")
        values.append(member["value"])
    values = list(dict.fromkeys(values))  # each user once, in the order sent
    return {"displayName": name.strip(), "externalId": external_id or "", "members": values}


def _memberships(organization_id: str, account_ids: list[str]) -> list[OrgMembership]:
    found = {
        m.account.account_id: m
        for m in visible_members(organization_id).filter(account__account_id__in=account_ids)
    }
    unknown = [a for a in account_ids if a not in found]
    if unknown:
        raise invalid_value(
            "These members are not users of this organization: " + ", ".join(unknown[:10])
        )
    return [found[a] for a in account_ids]


def _sync_members(access, token, team: Team, wanted: list[OrgMembership]) -> None:
    """The group lists exactly `wanted`: new ones join the team, dropped ones leave it. The
    group's rows and the team's members are read once, the rows written in bulk: a push of one
    change to a group of thousands costs a few queries plus the change itself."""
    current = {
        row.membership_id: row
        for row in ScimGroupMember.objects.select_related("membership__account").filter(team=team)
    }
    in_team = set(
        TeamMembership.objects.filter(team=team, revoked_at__isnull=True).values_list(
            "account_id", flat=True
        )
    )
    wanted_ids = {m.id for m in wanted}
    dropped = [row for membership_id, row in current.items() if membership_id not in wanted_ids]
    ScimGroupMember.objects.filter(team=team, id__in=[row.id for row in dropped]).delete()
    for row in dropped:
        if row.membership.account_id in in_team:
            services.team_member_revoke(
                access=scim_team_access(access, team),
                account_id=row.membership.account.account_id,
                as_idp=token,
            )
    ScimGroupMember.objects.bulk_create(
        [ScimGroupMember(team=team, membership=m) for m in wanted if m.id not in current]
    )
    for membership in wanted:
        if membership.account_id not in in_team:
            join_group_team(access, token, team, membership, in_team=in_team)


def _set_external_id(access, team: Team, external_id: str, *, linked: bool) -> None:
    if not linked and team.external_id == external_id:
        return
    before = {"external_id": team.external_id} if not linked else None
    Team.objects.filter(id=team.id).update(external_id=external_id)
    team.external_id = external_id
    audit_record(
        actor=access.account,
        action=AuditAction.SCIM_GROUP_UPDATE,
        target=team,
        organization=access.organization,
        team=team,
        before=before,
        after={"managed_by": team.managed_by, "external_id": external_id},
    )


def _scim(write):
    def run(*args, **kwargs):
        try:
            return write(*args, **kwargs)
        except DomainError as exc:
            if exc.code == "duplicate":
                raise ScimError(
                    409, "A team with this name already exists.", "uniqueness"
                ) from None
            raise from_domain(exc) from None

    return run


@_scim
@transaction.atomic
def create_group(access, token, group: dict) -> Team:
    access = lock_organization(access)
    wanted = _memberships(access.organization.id, group["members"])
    team = services.team_create(access=access, name=group["displayName"])
    team.managed_by_token, team.managed_by = token, token.name
    Team.objects.filter(id=team.id).update(managed_by_token=token, managed_by=token.name)
    _set_external_id(access, team, group["externalId"], linked=True)
    _sync_members(access, token, team, wanted)
    return team


@_scim
@transaction.atomic
def replace_group(access, token, team: Team, group: dict) -> Team:
    access = lock_organization(access)
    wanted = _memberships(access.organization.id, group["members"])
    if group["displayName"] != team.name:
        team = services.team_update(
            access=scim_team_access(access, team), name=group["displayName"], as_idp=token
        )
    _set_external_id(access, team, group["externalId"], linked=False)
    _sync_members(access, token, team, wanted)
    return team


@_scim
@transaction.atomic
def delete_group(access, token, team: Team) -> None:
    services.team_set_archived(access=scim_team_access(access, team), archived=True, as_idp=token)
