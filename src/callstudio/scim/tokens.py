"""SCIM tokens (PRODUCT §8.2): the bearer secret an identity provider (Okta, Entra, ...) uses to
provision an organization's members and teams at `/scim/v2/{org}/`. Creating, listing and
revoking them here; authenticating with them is the SCIM server's (it imports `TOKEN_PREFIX`
and `token_digest`).

Like personal tokens: 256 random bits behind a recognisable prefix, shown once, and only the
SHA-256 digest stored (a high-entropy secret needs no slow hash). The token's `name` is how the
audit log and the pages of IdP-managed teams name the identity provider, so it is asked for.
A revoked token stays listed (with `revoked_at`): which IdP provisioned what stays readable."""

import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from callstudio.access.policy import OrgAccess
from callstudio.accounts.services import _digest as personal_token_digest
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, NotFound
from callstudio.core.validation import clean_name

from .models import ScimToken

TOKEN_PREFIX = "cs_scim_"
HINT_LENGTH = len(TOKEN_PREFIX) + 4


def token_digest(raw: str) -> str:
    """The stored form of a token: the same SHA-256 hex digest as personal tokens."""
    return personal_token_digest(raw)


def org_scim_tokens(*, access: OrgAccess) -> list[ScimToken]:
    """Every token of the organization, live first, newest first (one query)."""
    access.require("org.manage")
    return list(
        ScimToken.objects.filter(organization_id=access.organization.id)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")
    )


@transaction.atomic
def scim_token_create(*, access: OrgAccess, name) -> tuple[ScimToken, str]:
    """Returns the token row and the secret, which is never stored and never shown again."""
    access.require("org.manage")
    name = clean_name(name)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        organization=access.organization,
        name=name,
        hint=raw[:HINT_LENGTH],
        digest=token_digest(raw),
        created_by=access.account,
    )
    audit_record(
        actor=access.account,
        action=AuditAction.SCIM_TOKEN_CREATE,
        target=token,
        organization=access.organization,
        after={"name": name, "hint": token.hint},
    )
    return token, raw


@transaction.atomic
def scim_token_revoke(*, access: OrgAccess, token_id) -> ScimToken:
    """The IdP using it is refused from the next request on. Teams it manages stay managed: a
    new token of the same organization takes over (rotation), and the team pages keep naming
    the IdP. Revoking twice is 409 `already_revoked` (the first revocation stands)."""
    access.require("org.manage")
    token = (
        ScimToken.objects.select_for_update()
        .filter(organization_id=access.organization.id, id=token_id)
        .first()
        if isinstance(token_id, str)
        else None
    )
    if token is None:
        raise NotFound("SCIM token not found.")
    if token.revoked_at is not None:
        raise Conflict("This SCIM token is already revoked.", code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=access.account,
        action=AuditAction.SCIM_TOKEN_REVOKE,
        target=token,
        organization=access.organization,
        before={"revoked": False},
        after={"revoked": True},
    )
    return token
