"""Invitations: joining an organization by consent. An admin offers membership to an email
address; the person joins only by accepting with an account that has proven it owns that
address (a verified email, or, in the browser, the link itself, which only that mailbox got).

The token is 256 random bits shown once, in the mail; the database keeps its SHA-256 digest
(like personal tokens: a high-entropy secret needs no slow hash). A resend replaces the digest,
so the old link answers 410 at once. Accepting locks the organization and the invitation row,
so two accepts (two tabs, a double click, two devices) make one membership and one 200."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
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
    org_access,
    resolve_role,
    role_permissions,
    team_access,
)
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.accounts.models import Account, normalize_email
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from callstudio.core.links import absolute_url
from callstudio.core.validation import clean_text
from callstudio.orgs.models import Invitation, InvitationTeam, Organization, OrgMembership

from ..selectors import invitation_in_org
from ._common import mail_after_commit, role_state
from .team_members import join_team

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


GONE = "This invitation link is no longer valid: it was used, revoked, replaced or has expired."


def open_invitation(token) -> Invitation:
    """The pending, unexpired invitation a raw token names, or 410 (never 404: an unknown token
    and a used one look the same, so a link reveals nothing about other invitations)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise Gone(GONE, code="invitation_gone")
    invitation = (
        Invitation.objects.select_related("organization", "invited_by", "custom_role")
        .filter(token_digest=token_digest(token))
        .first()
    )
    if invitation is None or invitation.effective_status(timezone.now()) != Invitation.PENDING:
        raise Gone(GONE, code="invitation_gone")
    return invitation


def owns_address(account, email: str) -> bool:
    return EmailAddress.objects.filter(user=account, email__iexact=email, verified=True).exists()


def check_invitee(*, account, invitation: Invitation, proves_mailbox: bool) -> bool:
    """403 `wrong_account` unless the invited address is the caller's: verified, or (browser
    link, `proves_mailbox`) their account's own address. True when the link is the proof."""
    can_prove = proves_mailbox and normalize_email(account.email) == invitation.email
    if not can_prove and not owns_address(account, invitation.email):
        raise Forbidden(
            f"This invitation is for {invitation.email}: sign in with the account that has "
            "this address.",
            code="wrong_account",
        )
    return can_prove and not owns_address(account, invitation.email)


def _prove_mailbox(account, email: str) -> None:
    """The browser link was mailed to this address only: following it while signed in as the
    account whose address it is proves the mailbox, so the address counts as verified."""
    address = EmailAddress.objects.filter(user=account, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(
            user=account,
            email=email,
            verified=True,
            primary=not EmailAddress.objects.filter(user=account, primary=True).exists(),
        )
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def _ensure_inviter_still_can(invitation: Invitation) -> None:
    """An offer is only as good as its author's rights now: an inviter since revoked or demoted
    cannot still bring people in with the role they gave."""
    try:
        inviter = org_access(invitation.invited_by, invitation.organization_id)
        inviter.require("org.members.add")
        ensure_can_grant(
            inviter.permissions, role_permissions(invitation.role, invitation.custom_role)
        )
    except (NotFound, Forbidden):
        raise Gone(
            "The person who invited you can no longer add members with this role: "
            "ask an admin for a new invitation.",
            code="invitation_gone",
        ) from None


def invitation_accept(*, account, token, proves_mailbox: bool = False) -> tuple:
    """The caller joins with the invitation's role and teams. `proves_mailbox`: the browser
    followed the mailed link (the API asks for an address verified beforehand)."""
    invitation = open_invitation(token)
    account = Account.objects.get(pk=account.pk)  # a plain row (a page passes a lazy user)
    can_prove = check_invitee(account=account, invitation=invitation, proves_mailbox=proves_mailbox)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(id=invitation.organization_id).first()
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by", "custom_role")
            .get(pk=invitation.pk)
        )
        if invitation.effective_status(timezone.now()) != Invitation.PENDING:
            raise Gone(GONE, code="invitation_gone")
        _ensure_inviter_still_can(invitation)
        organization = invitation.organization
        existing = OrgMembership.objects.filter(organization=organization, account=account).first()
        if existing is not None and existing.status == OrgMembership.ARCHIVED:
            raise Conflict(
                "You are an archived member of this organization: ask an admin to restore you.",
                code="archived_member",
            )
        if existing is not None:
            raise Conflict("You are already a member of this organization.", code="already_member")
        if can_prove:
            _prove_mailbox(account, invitation.email)
        membership = _join(invitation, account)
    return membership, invitation


def _join(invitation: Invitation, account) -> OrgMembership:
    organization = invitation.organization
    membership = OrgMembership.objects.create(
        organization=organization,
        account=account,
        role=invitation.role,
        custom_role=invitation.custom_role,
    )
    audit_record(
        actor=account,
        action=AuditAction.MEMBER_ADD,
        target=account,
        organization=organization,
        after=role_state(membership),
    )
    rows = list(invitation.teams.select_related("team", "custom_role"))
    for row in rows:
        join_team(
            actor=account,
            organization=organization,
            team=row.team,
            account=account,
            role_key=row.role,
            custom_role=row.custom_role,
        )
    invitation.status, invitation.accepted_by = Invitation.ACCEPTED, account
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit_record(
        actor=account,
        action=AuditAction.INVITATION_ACCEPT,
        target=invitation,
        organization=organization,
        before={"status": Invitation.PENDING},
        after={"status": Invitation.ACCEPTED, **role_state(invitation)},
    )
    return membership


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
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "check_invitee",
    "open_invitation",
]
