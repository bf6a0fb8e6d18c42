"""The rules of an SSO sign-in (PRODUCT §8.1), applied when the identity provider has vouched
for someone and before allauth logs them in (sso/adapter.py calls `sign_in`).

Accounts are linked by the IdP's subject, never by email alone: a link is allauth's
SocialAccount with provider = the organization's id and uid = the subject (`sub` of OpenID
Connect, the NameID of SAML). In order:

1. The email the IdP gives must be in one of the organization's verified domains. An IdP can
   only speak for the addresses its organization proved it owns: anything else is refused.
2. A subject already linked signs in to its account; if the email now names another existing
   account, the link and the address disagree: refused (an Admin resolves it).
3. A subject not linked yet, with an email that is an existing account's, is linked to that
   account only when the IdP says `email_verified` and the account has verified that address
   itself (an address someone signed up with and never verified proves nothing), and the
   account is not linked to another subject of this IdP.
4. No account has the email: with `jit`, one is made (the address verified — the IdP vouched
   for it in a domain the organization owns — and no usable password); without, refused.
5. Someone who is not a member joins with `default_role` when `jit` is on, else is refused; an
   archived member is refused (an Admin restores them).

Every refusal writes nothing (the whole decision is one transaction). Success is audited:
`sso.login` always, `sso.link` for a first link of an existing account, `account.create` and
`member.jit_create` for what just-in-time made."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import IntegrityError, transaction

from callstudio.access.policy import resolve_role
from callstudio.accounts.models import Account, email_domain, normalize_email
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import DomainError
from callstudio.core.validation import clean_name
from callstudio.orgs.models import OrgMembership

from .models import SsoConnection
from .selectors import verified_domains


class SsoRefused(Exception):
    """A sign-in the rules refuse. `code` names the rule; `message` is shown to the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Identity:
    """What the identity provider asserted."""

    uid: str
    email: str
    email_verified: bool
    name: str = ""
    extra_data: dict | None = None


@dataclass(frozen=True)
class SignIn:
    account: Account
    link: SocialAccount
    created_account: bool
    joined: bool


def _account_by_email(email: str) -> Account | None:
    return (
        Account.objects.filter(email=email).first()
        or Account.objects.filter(emailaddress__email=email, emailaddress__verified=True).first()
    )


def _has_verified(account: Account, email: str) -> bool:
    return EmailAddress.objects.filter(user=account, email__iexact=email, verified=True).exists()


def _name(identity: Identity, email: str) -> str:
    try:
        return clean_name(identity.name or "")
    except DomainError:
        return email.split("@")[0]


def _new_account(identity: Identity, email: str) -> Account:
    account = Account.objects.create_user(email=email, password=None, name=_name(identity, email))
    EmailAddress.objects.create(user=account, email=email, primary=True, verified=True)
    audit_record(actor=account, action=AuditAction.ACCOUNT_CREATE, target=account)
    return account


def _existing_link(org_id: str, uid: str) -> SocialAccount | None:
    return (
        SocialAccount.objects.select_for_update()
        .select_related("user")
        .filter(provider=org_id, uid=uid)
        .first()
    )


def _check_link_allowed(org_id: str, account: Account, identity: Identity, email: str) -> None:
    if not identity.email_verified:
        raise SsoRefused(
            "email_not_verified",
            "An account with this email already exists, and your identity provider does not "
            "say the address is verified, so it cannot be linked. Ask your IT team.",
        )
    if not _has_verified(account, email):
        raise SsoRefused(
            "account_unverified",
            "An account uses this email but never verified it, so it cannot be linked to "
            "your identity provider. Ask an Admin of the organization.",
        )
    if SocialAccount.objects.filter(provider=org_id, user=account).exists():
        raise SsoRefused(
            "account_linked_elsewhere",
            "The account with this email is linked to another identity at your identity "
            "provider. Ask an Admin of the organization.",
        )


def _membership(connection: SsoConnection, account: Account) -> tuple[OrgMembership, bool]:
    membership = OrgMembership.objects.filter(
        organization_id=connection.organization_id, account=account
    ).first()
    if membership is not None and membership.status == OrgMembership.ARCHIVED:
        raise SsoRefused(
            "archived_member",
            "Your membership of this organization was archived. Ask an Admin to restore it.",
        )
    if membership is not None:
        return membership, False
    if not connection.jit:
        raise SsoRefused(
            "not_a_member",
            "You are not a member of this organization, and it does not add people at their "
            "first sign-in. Ask an Admin to invite you.",
        )
    try:
        key, custom = resolve_role(connection.organization, connection.default_role, scope="org")
    except DomainError:
        raise SsoRefused(
            "default_role_invalid",
            "The organization's SSO default role no longer exists. Ask an Admin to choose one.",
        ) from None
    membership = OrgMembership.objects.create(
        organization_id=connection.organization_id, account=account, role=key, custom_role=custom
    )
    return membership, True


def sign_in(*, connection: SsoConnection, identity: Identity) -> SignIn:
    """Apply the rules (module docstring); returns the account to log in and its link. Raises
    SsoRefused, having written nothing."""
    org = connection.organization
    email = normalize_email(identity.email or "")
    if not identity.uid:
        raise SsoRefused("no_subject", "Your identity provider sent no subject identifier.")
    if not email or email_domain(email) not in verified_domains(org.id):
        raise SsoRefused(
            "domain_not_verified",
            f"{org.name} signs in only addresses of its verified domains, and your identity "
            f"provider gave {email or 'no email address'}.",
        )
    try:
        with transaction.atomic():
            return _sign_in(connection, identity, email)
    except IntegrityError:
        # The same person signing in twice at once: the other attempt made the rows.
        raise SsoRefused("retry", "Sign-in was already in progress. Try again.") from None


def _sign_in(connection: SsoConnection, identity: Identity, email: str) -> SignIn:
    org = connection.organization
    link = _existing_link(org.id, identity.uid)
    by_email = _account_by_email(email)
    created = False
    if link is not None:
        account = link.user
        if by_email is not None and by_email.pk != account.pk:
            raise SsoRefused(
                "subject_linked_elsewhere",
                "Your identity provider's account is linked to a different CallStudio account "
                "than the one with this email. Ask an Admin of the organization.",
            )
    elif by_email is not None:
        account = by_email
        _check_link_allowed(org.id, account, identity, email)
    elif connection.jit:
        account, created = _new_account(identity, email), True
    else:
        raise SsoRefused(
            "no_account",
            "There is no CallStudio account for this email, and the organization does not "
            "create accounts at first sign-in. Ask an Admin to invite you.",
        )
    if not account.is_active:
        raise SsoRefused("inactive", "This account is disabled.")
    membership, joined = _membership(connection, account)
    if link is not None:
        link.extra_data = identity.extra_data or {}
        link.save(update_fields=["extra_data", "last_login"])
    else:
        link = SocialAccount.objects.create(
            user=account, provider=org.id, uid=identity.uid, extra_data=identity.extra_data or {}
        )
        if not created:
            audit_record(
                actor=account,
                action=AuditAction.SSO_LINK,
                target=account,
                organization=org,
                after={"protocol": connection.protocol, "subject": identity.uid},
            )
    if joined:
        audit_record(
            actor=account,
            action=AuditAction.MEMBER_JIT_CREATE,
            target=account,
            organization=org,
            after={
                "role": membership.custom_role_id or membership.role,
                "account_created": created,
            },
        )
    audit_record(
        actor=account,
        action=AuditAction.SSO_LOGIN,
        target=account,
        organization=org,
        after={"protocol": connection.protocol},
    )
    return SignIn(account=account, link=link, created_account=created, joined=joined)
