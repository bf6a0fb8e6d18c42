"""What the services of several entities share: the role as audited, the organization lock that
serializes membership changes, the last-Admin guard, the account lookup by account ID and mail
sent after commit."""

import logging
import smtplib

from django.db import transaction

from callstudio.access.policy import OrgAccess, org_access
from callstudio.accounts.models import Account
from callstudio.core.errors import Conflict, Invalid
from callstudio.orgs.models import Organization, OrgMembership


def role_state(membership) -> dict:
    return {"role": membership.role_ref}


def lock_organization(access: OrgAccess) -> OrgAccess:
    """Serialize membership changes of one organization and re-read the actor's own access under
    the lock, so two Admins demoting each other at once cannot leave the org without one.
    PostgreSQL: a row lock on the organization. SQLite: every transaction is BEGIN IMMEDIATE."""
    Organization.objects.select_for_update().filter(id=access.organization.id).first()
    if access.membership is None:
        # A SCIM token's access (scim/actor.py) is no membership: nothing to re-read.
        return access
    return org_access(access.account, access.organization.id)


def ensure_admin_remains(organization, *, leaving: OrgMembership) -> None:
    if leaving.role != "admin":
        return
    others = (
        OrgMembership.objects.filter(
            organization=organization, role="admin", status=OrgMembership.ACTIVE
        )
        .exclude(id=leaving.id)
        .exists()
    )
    if not others:
        raise Conflict("An organization must keep at least one active Admin.", code="last_admin")


def account_by_public_id(account_id) -> Account:
    if not isinstance(account_id, str) or not account_id.strip():
        raise Invalid("Give the member's account ID.", field="account_id")
    account = Account.objects.filter(account_id=account_id.strip(), is_active=True).first()
    if account is None:
        raise Invalid("No account has this account ID.", field="account_id")
    return account


log = logging.getLogger("callstudio.mail")


def mail_after_commit(send, *, what: str) -> None:
    """Send once the transaction committed (a rolled-back change mails nothing). A mail server
    that is down does not turn a committed change into a 500: the failure is logged (`what`
    names the mail, never its content: invitation links are secrets) and the change stands; an
    invitation can be resent."""

    def attempt():
        try:
            send()
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("mail not sent: %s (%s)", what, type(exc).__name__)

    transaction.on_commit(attempt)
