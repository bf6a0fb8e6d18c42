"""Invitations: joining an organization by consent. An admin offers membership to an email
address (create, resend, revoke, here); the person joins only by accepting
(invitation_accept.py) with an account that owns that address.

The token is 256 random bits shown once, in the mail; the database keeps its SHA-256 digest
(like personal tokens: a high-entropy secret needs no slow hash). A resend replaces the digest,
so the old link answers 410 at once."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from callstudio.access.policy import (
    OrgAccess,
    ensure_can_grant,
    resolve_role,
    role_permissions,
    team_access,
)
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.accounts.models import normalize_email
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Invalid, NotFound
from callstudio.core.links import absolute_url
from callstudio.core.validation import clean_text
from callstudio.orgs.models import Invitation, InvitationTeam, OrgMembership

from ..selectors import invitation_in_org
from ._common import mail_after_commit, role_state
from .managed_teams import ensure_hand_change_allowed

MAX_TEAMS = 50


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, token_digest(raw)


def _expiry():
    return timezone.now() + timedelta(days=settings.CALLSTUDIO_INVITATION_DAYS)


def _clean_email(value) -> str:
    email = clean_text(value, field="email", max_length=254)
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid("Enter a valid email address.", field="email") from None
    return normalize_email(email)


def _state(invitation: Invitation, team_rows) -> dict:
    return {
        "email": invitation.email,
        **role_state(invitation),
        "teams": [row.team_id for row in team_rows],
        "status": invitation.status,
    }


def _team_rows(access: OrgAccess, teams) -> list[InvitationTeam]:
    """`[{team, role}]` → unsaved rows. Each team must be in this organization and the inviter
    must be able to add members to it with that role (as `team_member_add` asks)."""
    if teams is None:
        return []
    if not isinstance(teams, list) or len(teams) > MAX_TEAMS:
        raise Invalid(f"Give at most {MAX_TEAMS} teams as a list.", field="teams")
    rows, seen = [], set()
    for item in teams:
        if not isinstance(item, dict) or not isinstance(item.get("team"), str):
            raise Invalid("Each team needs a team id and a role.", field="teams")
        try:
            in_team = team_access(access, item["team"])
        except NotFound:
            raise Invalid("No such team in this organization.", field="teams") from None
        if in_team.team.id in seen:
            raise Invalid("A team is listed twice.", field="teams")
        seen.add(in_team.team.id)
        in_team.require("team.members.manage")
        # An IdP-managed team's members follow its group: 409 `managed_by_idp` at invite time.
        ensure_hand_change_allowed(in_team.team, what="invite", field="teams")
        key, custom = resolve_role(
            access.organization, item.get("role") or "", scope="team", field="teams"
        )
        ensure_can_grant(in_team.permissions, role_permissions(key, custom), field="teams")
        rows.append(InvitationTeam(team=in_team.team, role=key, custom_role=custom))
    return rows


def _ensure_not_member(organization, email: str) -> None:
    membership = (
        OrgMembership.objects.filter(organization=organization)
        .filter(
            Q(account__email=email)
            | Q(account__emailaddress__email=email, account__emailaddress__verified=True)
        )
        .select_related("account")
        .first()
    )
    if membership is None:
        return
    if membership.status == OrgMembership.ARCHIVED:
        raise Conflict(
            "This person is an archived member of the organization: restore them instead.",
            field="email",
            code="archived_member",
            extra={
                "restore": f"/api/v1/orgs/{organization.id}/members/"
                f"{membership.account.account_id}/restore",
                "account_id": membership.account.account_id,
            },
        )
    raise Conflict(
        "This person is already a member of the organization.",
        field="email",
        code="already_member",
    )


def _pending_conflict(invitation_id: str) -> Conflict:
    return Conflict(
        "This address has a pending invitation already: resend it instead.",
        field="email",
        code="pending_invitation",
        extra={"invitation": invitation_id},
    )


def _close_expired(organization, email: str) -> None:
    """Expired offers no longer block a new one to the same address."""
    Invitation.objects.filter(
        organization=organization, email=email, status=Invitation.PENDING
    ).filter(expires_at__lte=timezone.now()).update(status=Invitation.EXPIRED)


def _ensure_can_act(access: OrgAccess, invitation: Invitation) -> None:
    ensure_can_grant(access.permissions, role_permissions(invitation.role, invitation.custom_role))


def invitation_create(
    *, access: OrgAccess, email, role="member", teams=None
) -> tuple[Invitation, str]:
    """Returns the invitation and its raw token (also mailed, after commit)."""
    access.require("org.members.add")
    email = _clean_email(email)
    role_key, custom_role = resolve_role(access.organization, role or "member", scope="org")
    ensure_can_grant(access.permissions, role_permissions(role_key, custom_role))
    rows = _team_rows(access, teams)
    raw, digest = _new_token()
    try:
        with transaction.atomic():
            _ensure_not_member(access.organization, email)
            _close_expired(access.organization, email)
            other = Invitation.objects.filter(
                organization=access.organization, email=email, status=Invitation.PENDING
            ).first()
            if other is not None:
                raise _pending_conflict(other.id)
            invitation = Invitation.objects.create(
                organization=access.organization,
                email=email,
                role=role_key,
                custom_role=custom_role,
                token_digest=digest,
                expires_at=_expiry(),
                invited_by=access.account,
            )
            for row in rows:
                row.organization, row.invitation = access.organization, invitation
            InvitationTeam.objects.bulk_create(rows)
            audit_record(
                actor=access.account,
                action=AuditAction.INVITATION_CREATE,
                target=invitation,
                organization=access.organization,
                after=_state(invitation, rows),
            )
            mail_after_commit(
                lambda: send_invitation(invitation, raw), what=f"invitation {invitation.id}"
            )
    except IntegrityError:
        # Another admin invited the same address a moment ago.
        raise _pending_conflict("") from None
    return invitation, raw


@transaction.atomic
def invitation_resend(*, access: OrgAccess, invitation_id) -> tuple[Invitation, str]:
    """A new link and a new expiry; the old link answers 410 from now on."""
    access.require("org.members.add")
    invitation = invitation_in_org(access=access, invitation_id=invitation_id, lock=True)
    _ensure_can_act(access, invitation)
    if invitation.status not in (Invitation.PENDING, Invitation.EXPIRED):
        raise Conflict(f"This invitation was {invitation.status}.", code="not_pending")
    _ensure_not_member(access.organization, invitation.email)
    if invitation.status == Invitation.EXPIRED:
        other = Invitation.objects.filter(
            organization=access.organization, email=invitation.email, status=Invitation.PENDING
        ).first()
        if other is not None:
            raise _pending_conflict(other.id)
    before = {"status": invitation.effective_status(timezone.now())}
    raw, invitation.token_digest = _new_token()
    invitation.status, invitation.expires_at = Invitation.PENDING, _expiry()
    invitation.save(update_fields=["token_digest", "status", "expires_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.INVITATION_RESEND,
        target=invitation,
        organization=access.organization,
        before=before,
        after={"status": invitation.status, "expires_at": invitation.expires_at.isoformat()},
    )
    mail_after_commit(lambda: send_invitation(invitation, raw), what=f"invitation {invitation.id}")
    return invitation, raw


@transaction.atomic
def invitation_revoke(*, access: OrgAccess, invitation_id) -> Invitation:
    access.require("org.members.add")
    invitation = invitation_in_org(access=access, invitation_id=invitation_id, lock=True)
    _ensure_can_act(access, invitation)
    if invitation.status not in (Invitation.PENDING, Invitation.EXPIRED):
        raise Conflict(f"This invitation was {invitation.status}.", code="not_pending")
    before = {"status": invitation.effective_status(timezone.now())}
    invitation.status, invitation.revoked_at = Invitation.REVOKED, timezone.now()
    invitation.save(update_fields=["status", "revoked_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.INVITATION_REVOKE,
        target=invitation,
        organization=access.organization,
        before=before,
        after={"status": invitation.status},
    )
    return invitation


def role_name(key: str, custom_role) -> str:
    return custom_role.name if custom_role is not None else BUILTIN_ROLES[key].name


def send_invitation(invitation: Invitation, raw: str) -> None:
    """Sent after commit: a rolled-back invitation mails nothing. The link is built from
    CALLSTUDIO_URL, never from the request's Host."""
    inviter = invitation.invited_by
    context = {
        "organization": invitation.organization.name,
        "inviter": (inviter.name or inviter.email) if inviter else "An administrator",
        "role": role_name(invitation.role, invitation.custom_role),
        "link": absolute_url(f"/invitations/{raw}"),
        "days": settings.CALLSTUDIO_INVITATION_DAYS,
        "expires_at": invitation.expires_at,
    }
    send_mail(
        subject=f"You are invited to join {context['organization']} on CallStudio",
        message=render_to_string("mail/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


__all__ = [
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "role_name",
    "send_invitation",
    "token_digest",
]
