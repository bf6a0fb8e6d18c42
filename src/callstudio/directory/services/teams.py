"""Creating, renaming, archiving a team and rotating its workflow ID. An IdP-managed team's name
and existence follow its group: renaming and (un)archiving it take `as_idp` (the SCIM token)
and without it answer 409 `managed_by_idp` (managed_teams.py)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict
from callstudio.core.ids import new_workflow_id
from callstudio.core.validation import (
    clean_name,
    clean_text,
    ensure_name_free,
    name_case_skeleton,
    name_skeleton,
)
from callstudio.orgs.models import TEAM_DESCRIPTION_MAX, TEAM_NAME_MAX, Team

from .managed_teams import ensure_hand_change_allowed


def _ensure_team_name_free(organization, name: str, *, exclude_id: str | None = None) -> None:
    ensure_name_free(
        Team.objects.filter(organization=organization),
        name,
        taken="A team with this name already exists in the organization.",
        looks_like="This name looks like the team “{existing}” already in the organization.",
        exclude_id=exclude_id,
    )


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
                action=AuditAction.TEAM_CREATE,
                target=team,
                organization=access.organization,
                team=team,
                after={"name": name, "description": description},
            )
    except IntegrityError:  # a concurrent create took the name between check and insert
        raise Conflict(
            "A team with this name already exists in the organization.",
            field="name",
            code="duplicate",
        ) from None
    return team


def team_update(*, access: TeamAccess, name=None, description=None, as_idp=None) -> Team:
    access.require("team.manage")
    team = access.team
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name, max_length=TEAM_NAME_MAX)
        if changes["name"] != team.name:
            ensure_hand_change_allowed(team, as_idp=as_idp, what="name", field="name")
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
            stored = dict(changes)
            if "name" in changes:
                stored["name_skeleton"] = name_skeleton(changes["name"])
                stored["name_case_skeleton"] = name_case_skeleton(changes["name"])
            Team.objects.filter(id=team.id).update(**stored)
            for k, v in changes.items():
                setattr(team, k, v)
            audit_record(
                actor=access.account,
                action=AuditAction.TEAM_UPDATE,
                target=team,
                organization=access.org.organization,
                team=team,
                before=before,
                after=changes,
            )
    except IntegrityError:
        raise Conflict(
            "A team with this name already exists in the organization.",
            field="name",
            code="duplicate",
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
        action=AuditAction.TEAM_WORKFLOW_ID_ROTATE,
        target=team,
        organization=access.org.organization,
        team=team,
        before={"workflow_id": before},
        after={"workflow_id": team.workflow_id},
    )
    return team


@transaction.atomic
def team_set_archived(*, access: TeamAccess, archived: bool, as_idp=None) -> Team:
    """An archived team keeps its members and calls but takes no new calls (410)."""
    access.require("team.manage")
    team = access.team
    ensure_hand_change_allowed(team, as_idp=as_idp, what="archive" if archived else "unarchive")
    if (team.archived_at is not None) != archived:
        team.archived_at = timezone.now() if archived else None
        Team.objects.filter(id=team.id).update(archived_at=team.archived_at)
        audit_record(
            actor=access.account,
            action=AuditAction.TEAM_ARCHIVE if archived else AuditAction.TEAM_UNARCHIVE,
            target=team,
            organization=access.org.organization,
            team=team,
            before={"archived": not archived},
            after={"archived": archived},
        )
    return team
