"""Accepting an invitation: the caller joins only if the invited address is theirs (a verified
address, or in the browser the mailed link itself, which only that mailbox got), the link is
still open, and the inviter may still add members with that role.

Accepting locks the organization and the invitation row, so two accepts (two tabs, a double
click, two devices) make one membership: one succeeds, the other finds the link used (410).
An archived member is not silently restored by accepting: restoring is an admin's decision."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from callstudio.access.policy import ensure_can_grant, org_access, role_permissions
from callstudio.accounts.models import Account, normalize_email
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Forbidden, Gone, NotFound
from callstudio.orgs.models import Invitation, Organization, OrgMembership

from ._common import role_state
from .invitations import token_digest
from .team_members import join_team

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
    # A team that became IdP-managed since the invitation is left out: its group decides who is
    # in it (the invitation refused managed teams when it was made). The rest of the offer holds.
    for row in (r for r in rows if not r.team.managed_by):
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
