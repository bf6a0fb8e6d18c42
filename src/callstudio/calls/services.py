"""Ingest keys and call archiving."""

import secrets

from django.db import transaction
from django.utils import timezone

from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Invalid, NotFound
from callstudio.core.validation import clean_name
from callstudio.orgs.models import Team

from . import lifecycle
from .ingest import KEY_PREFIX, key_digest
from .models import Call, IngestKey
from .selectors import readable_call


@transaction.atomic
def ingest_key_create(*, access: OrgAccess, name, team_ids=None) -> tuple[IngestKey, str]:
    """Returns the key and its secret, shown once and never stored."""
    access.require("org.keys.manage")
    name = clean_name(name)
    if team_ids is not None:
        if not isinstance(team_ids, list) or not all(isinstance(t, str) for t in team_ids):
            raise Invalid("Must be a list of team ids, or null for every team.", field="teams")
        team_ids = sorted(set(team_ids))
        found = set(
            Team.objects.filter(
                organization_id=access.organization.id, id__in=team_ids
            ).values_list("id", flat=True)
        )
        unknown = [t for t in team_ids if t not in found]
        if unknown:
            raise Invalid(
                "No such team in this organization: " + ", ".join(unknown[:10]) + ".", field="teams"
            )
        if not team_ids:
            raise Invalid("Name at least one team, or null for every team.", field="teams")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = IngestKey.objects.create(
        organization=access.organization,
        name=name,
        hint=raw[: len(KEY_PREFIX) + 4],
        digest=key_digest(raw),
        team_ids=team_ids,
        created_by=access.account,
    )
    audit_record(
        actor=access.account,
        action=AuditAction.KEY_CREATE,
        target=key,
        organization=access.organization,
        after={"name": name, "teams": team_ids},
    )
    return key, raw


@transaction.atomic
def ingest_key_revoke(*, access: OrgAccess, key_id: str) -> IngestKey:
    access.require("org.keys.manage")
    key = IngestKey.objects.filter(
        organization_id=access.organization.id, id=key_id, revoked_at__isnull=True
    ).first()
    if key is None:
        raise NotFound("API key not found.")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.KEY_REVOKE,
        target=key,
        organization=access.organization,
    )
    return key


@transaction.atomic
def call_set_archived(*, access: TeamAccess, call_id, archived: bool) -> Call:
    """Archived calls leave the list and the analytics; unarchived, they come back. An analysed
    call moves in or out of the rollups in the same transaction."""
    access.require("calls.archive")
    found = readable_call(access=access, call_id=call_id)
    was_archived = found.archived
    call = lifecycle.set_archived(call=found, archived=archived)
    if call.archived != was_archived:  # repeating the current state changes nothing: no entry
        audit_record(
            actor=access.account,
            action=AuditAction.CALL_ARCHIVE if archived else AuditAction.CALL_UNARCHIVE,
            target=call,
            organization=access.org.organization,
            team=access.team,
            before={"archived": was_archived},
            after={"archived": call.archived},
        )
    return call
