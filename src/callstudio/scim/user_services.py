"""Writes on SCIM Users, through the directory services (the same checks, transactions and
audit entries as the API and the pages), acting as the SCIM token (scim/actor.py).

- Create: link the account that has verified this address, or create one (verified by the
  IdP, no usable password); then an active membership with the organization's default role.
- Deactivate (`active: false`, or DELETE): revoke from every team, then archive — the seed's
  order — in one transaction. The last active Admin is refused (409), nothing changes, and the
  refusal is audited.
- Reactivate (`active: true`): restore with the previous org role, and rejoin the teams of the
  IdP groups that list the member.
- DELETE: deactivate and hide the user from SCIM; data is archived, never deleted."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from callstudio.accounts.models import Account, normalize_email
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, DomainError
from callstudio.directory import services
from callstudio.directory.services._common import ensure_admin_remains, lock_organization
from callstudio.orgs.models import OrgMembership, TeamMembership

from .actor import scim_team_access
from .http import ScimError, from_domain, invalid_value
from .models import ScimGroupMember, ScimUser
from .users import clean_user, scim_row, user_name_q, visible_members, writable

ATTRIBUTES = ("userName", "name", "displayName", "emails", "externalId")


def _email_shaped(value: str | None) -> bool:
    try:
        validate_email(value or "")
    except ValidationError:
        return False
    return True


def _account_email(user: dict) -> str:
    """The address the account is known by: userName when it is an address (Okta, Entra),
    else the primary (or first) of `emails`."""
    if _email_shaped(user["userName"]):
        return normalize_email(user["userName"])
    emails = sorted(user["emails"], key=lambda e: not e.get("primary"))
    for email in emails:
        if _email_shaped(email["value"]):
            return normalize_email(email["value"])
    raise invalid_value("Give an email address: as userName, or in emails.")


def _ensure_user_name_free(organization_id: str, user_name: str, *, exclude_id=None) -> None:
    clash = visible_members(organization_id).filter(user_name_q(organization_id, user_name))
    if exclude_id is not None:
        clash = clash.exclude(id=exclude_id)
    if clash.exists():
        raise ScimError(409, f"A user with userName {user_name!r} already exists.", "uniqueness")


def _display(user: dict, email: str) -> str:
    name = user["name"] or {}
    parts = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
    return (user["displayName"] or name.get("formatted") or parts or email.split("@")[0])[:100]


def _account_for(access, user: dict, email: str) -> Account:
    """The account that proved this address, or a new one the IdP vouches for. An account
    that holds the address without having verified it is refused: linking it would hand the
    organization to whoever signed up with someone else's address."""
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=email, verified=True)
        .first()
    )
    if address is not None:
        return address.user
    if (
        Account.objects.filter(email=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise ScimError(
            409,
            f"An account uses {email} but has not verified it: it must verify the address "
            "before it can be provisioned.",
            "uniqueness",
        )
    account = Account.objects.create_user(email=email, password=None, name=_display(user, email))
    EmailAddress.objects.create(user=account, email=email, verified=True, primary=True)
    audit_record(
        actor=access.account,
        action=AuditAction.SCIM_ACCOUNT_CREATE,
        target=account,
        organization=access.organization,
        after={"email": email},
    )
    return account


def _store(access, membership: OrgMembership, user: dict, *, audit: bool) -> None:
    """The IdP's attributes of the member, audited when they changed."""
    row = scim_row(membership)
    before = _attributes(membership, row)
    if row is None:
        row = ScimUser(membership=membership, organization_id=membership.organization_id)
        membership.scim = row
    row.user_name = user["userName"]
    row.user_name_key = user["userName"].lower()
    row.display_name = user["displayName"] or ""
    row.name = user["name"]
    row.emails = user["emails"]
    row.email_values = "\n" + "".join(e["value"].lower() + "\n" for e in user["emails"])
    row.deleted_at = None
    row.save()
    if membership.external_id != (user["externalId"] or ""):
        membership.external_id = user["externalId"] or ""
        membership.save(update_fields=["external_id", "updated_at"])
    after = _attributes(membership, row)
    if audit and before != after:
        changed = [k for k in ATTRIBUTES if before.get(k) != after.get(k)]
        audit_record(
            actor=access.account,
            action=AuditAction.SCIM_USER_UPDATE,
            target=membership.account,
            organization=access.organization,
            before={k: before.get(k) for k in changed},
            after={k: after.get(k) for k in changed},
        )


def _attributes(membership: OrgMembership, row: ScimUser | None) -> dict:
    if row is None:  # a member added by hand, as SCIM showed them so far
        current = writable(membership)
        return {k: current.get(k) for k in ATTRIBUTES}
    return {
        "userName": row.user_name,
        "name": row.name,
        "displayName": row.display_name or None,
        "emails": row.emails,
        "externalId": membership.external_id or None,
    }


def _deactivate(access, token, membership: OrgMembership) -> None:
    """Revoke from every team, then archive. The caller holds the organization lock."""
    ensure_admin_remains(access.organization, leaving=membership)
    account_id = membership.account.account_id
    live = TeamMembership.objects.select_related("team").filter(
        organization_id=access.organization.id,
        account_id=membership.account_id,
        revoked_at__isnull=True,
    )
    for team_membership in list(live):
        services.team_member_revoke(
            access=scim_team_access(access, team_membership.team),
            account_id=account_id,
            as_idp=token,
        )
    services.org_member_revoke(access=access, account_id=account_id)
    membership.refresh_from_db()


def _reactivate(access, token, membership: OrgMembership) -> None:
    services.org_member_restore(access=access, account_id=membership.account.account_id)
    membership.refresh_from_db()
    for group in (
        ScimGroupMember.objects.select_related("team")
        .filter(membership=membership, team__archived_at__isnull=True)
        .exclude(team__managed_by="")
    ):
        join_group_team(access, token, group.team, membership)


def join_group_team(access, token, team, membership: OrgMembership, *, in_team=None) -> None:
    """An active member listed by a group is in its team, with the organization's SCIM role.
    `in_team`: the account pks already in the team, when the caller has read them."""
    if membership.status != OrgMembership.ACTIVE:
        return
    if in_team is not None:
        if membership.account_id in in_team:
            return
    elif TeamMembership.objects.filter(
        team=team, account_id=membership.account_id, revoked_at__isnull=True
    ).exists():
        return
    services.team_member_add(
        access=scim_team_access(access, team),
        account_id=membership.account.account_id,
        role=access.organization.scim_team_role,
        as_idp=token,
    )


def set_active(access, token, membership: OrgMembership, active: bool | None) -> None:
    if active is None or active == (membership.status == OrgMembership.ACTIVE):
        return
    if active:
        _reactivate(access, token, membership)
    else:
        _deactivate(access, token, membership)


def refusal_audited(write):
    """Run a write; a refused deactivation of the last Admin is audited (in its own
    transaction: the write's was rolled back) and answered as a SCIM 409."""

    def run(access, token, membership, *args, **kwargs):
        try:
            return write(access, token, membership, *args, **kwargs)
        except DomainError as exc:
            if isinstance(exc, Conflict) and exc.code == "last_admin":
                with transaction.atomic():
                    audit_record(
                        actor=access.account,
                        action=AuditAction.SCIM_DEACTIVATE_REFUSE,
                        target=membership.account,
                        organization=access.organization,
                        before={"status": "active", "role": membership.role_ref},
                        after={"refused": "last_admin"},
                    )
                raise ScimError(
                    409,
                    "This member is the organization's last active Admin: they stay active. "
                    "Make another member an Admin first.",
                    "mutability",
                ) from None
            raise from_domain(exc) from None

    return run


@transaction.atomic
def _create(access, token, user: dict) -> OrgMembership:
    access = lock_organization(access)
    _ensure_user_name_free(access.organization.id, user["userName"])
    email = _account_email(user)
    account = _account_for(access, user, email)
    membership = (
        OrgMembership.objects.select_related("account")
        .filter(organization=access.organization, account=account)
        .first()
    )
    if membership is None:
        membership = services.org_member_add(access=access, account_id=account.account_id)
    else:
        row = scim_row(membership)
        if membership.status == OrgMembership.ACTIVE or row is None or row.deleted_at is None:
            raise ScimError(409, f"{email} is already a member of the organization.", "uniqueness")
        # Provisioned again after a SCIM DELETE: the archived member comes back.
        services.org_member_restore(access=access, account_id=account.account_id)
        membership.refresh_from_db()
    membership = OrgMembership.objects.select_related("account", "scim").get(id=membership.id)
    _store(access, membership, user, audit=False)
    if user["active"] is False:
        _deactivate(access, token, membership)
    return membership


def create_user(access, token, user: dict) -> OrgMembership:
    try:
        return _create(access, token, user)
    except DomainError as exc:
        raise from_domain(exc) from None


@refusal_audited
@transaction.atomic
def replace_user(access, token, membership: OrgMembership, user: dict) -> OrgMembership:
    """PUT, and PATCH once applied: the attributes as given, then the change of `active`."""
    access = lock_organization(access)
    membership.refresh_from_db()
    _ensure_user_name_free(access.organization.id, user["userName"], exclude_id=membership.id)
    _store(access, membership, user, audit=True)
    set_active(access, token, membership, user["active"])
    return membership


@refusal_audited
@transaction.atomic
def delete_user(access, token, membership: OrgMembership) -> None:
    access = lock_organization(access)
    membership.refresh_from_db()
    before = membership.status
    if membership.status == OrgMembership.ACTIVE:
        _deactivate(access, token, membership)
    if scim_row(membership) is None:
        # A member added by hand: keep what SCIM showed of them, then mark it deleted.
        _store(access, membership, clean_user(writable(membership)), audit=False)
    ScimUser.objects.filter(membership=membership).update(deleted_at=timezone.now())
    audit_record(
        actor=access.account,
        action=AuditAction.SCIM_USER_DELETE,
        target=membership.account,
        organization=access.organization,
        before={"status": before},
        after={"status": OrgMembership.ARCHIVED, "scim": "deleted"},
    )
