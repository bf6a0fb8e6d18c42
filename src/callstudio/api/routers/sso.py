"""The organization's SSO connection (PRODUCT §8.1): read it with what the identity provider
needs, replace it, remove it. `org.manage` only; secrets are write-only."""

from datetime import datetime
from typing import Any

from ninja import Router, Schema, Status

from callstudio.api.deps import request_org
from callstudio.api.schemas import In, Problem
from callstudio.sso import selectors, services

router = Router(tags=["sso"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


class SsoIn(In):
    """Types are checked by the service, so a wrong one is a 422 naming the field and its rule."""

    protocol: Any
    issuer: Any = None
    client_id: Any = None
    client_secret: Any = None
    idp_metadata_xml: Any = None
    jit: Any = False
    default_role: Any = "member"
    require_sso: Any = False


class SsoOut(Schema):
    configured: bool
    protocol: str | None
    issuer: str
    client_id: str
    client_secret_set: bool
    idp_metadata_set: bool
    jit: bool
    default_role: str
    require_sso: bool
    updated_at: datetime | None
    redirect_uri: str
    scopes: str
    login_url: str
    entity_id: str
    acs_url: str
    metadata_url: str


def _view(access) -> dict:
    return selectors.connection_view(access.organization.id, selectors.connection_of(access))


@router.get("/orgs/{org}/sso", response={200: SsoOut, 403: Problem, 404: Problem})
def get_sso(request, org: str):
    """The connection (never its secret) and the values to paste into the identity provider:
    `redirect_uri` for OpenID Connect; `entity_id`, `acs_url`, `metadata_url` for SAML."""
    return _view(request_org(request, org))


@router.put("/orgs/{org}/sso", response={200: SsoOut, **ERRORS})
def put_sso(request, org: str, payload: SsoIn):
    """`{protocol: "oidc", issuer, client_id, client_secret}` or `{protocol: "saml",
    idp_metadata_xml}`, with `{jit, default_role, require_sso}`. Omitting `client_secret` (or a
    SAML connection's `idp_metadata_xml`) keeps the stored one. The issuer's discovery document is
    read first: 422 `discovery_failed` when it cannot be. Changing the identity provider removes
    the account links made through the old one. Audited `sso.update`, without secrets."""
    access = request_org(request, org)
    services.sso_update(access=access, **payload.model_dump())
    return _view(access)


@router.delete("/orgs/{org}/sso", response={204: None, **ERRORS})
def delete_sso(request, org: str):
    """Removes the connection and its account links (404 `no_sso` when there is none); accounts
    and memberships stay. Audited `sso.delete`."""
    services.sso_delete(access=request_org(request, org))
    return Status(204, None)
