"""Each organization's SSO connection is one allauth app, built in memory from its SsoConnection
(allauth's SocialApp table stays empty): provider `openid_connect` or `saml`, `provider_id` =
the organization's id. So the callback URLs carry the organization's id
(`/accounts/oidc/<org>/login/callback/`, `/accounts/saml/<org>/acs/`), and account links
(SocialAccount.provider) are per organization.

SAML apps are built by h2's `sso/saml.py:app_settings(connection)`; until it is there, SAML
sign-in is not offered (no app)."""

from allauth.socialaccount.models import SocialApp

from .crypto import SecretDecryptionError, decrypt_secret
from .http import discovery_url
from .models import SsoConnection

PROTOCOL_OF_PROVIDER = {"openid_connect": SsoConnection.OIDC, "saml": SsoConnection.SAML}


def _saml_settings(connection: SsoConnection) -> dict | None:
    try:
        from . import saml
    except ImportError:
        return None
    builder = getattr(saml, "app_settings", None)
    return builder(connection) if builder else None


def app_for(connection: SsoConnection) -> SocialApp | None:
    org = connection.organization
    name = f"{org.name} single sign-on"
    if connection.protocol == SsoConnection.OIDC:
        try:
            secret = decrypt_secret(connection.client_secret)
        except SecretDecryptionError:
            return None  # SECRET_KEY changed without a fallback: the Admin enters it again
        return SocialApp(
            provider="openid_connect",
            provider_id=org.id,
            name=name,
            client_id=connection.client_id,
            secret=secret,
            settings={
                "server_url": discovery_url(connection.issuer),
                "oauth_pkce_enabled": True,
            },
        )
    settings = _saml_settings(connection)
    if settings is None:
        return None
    return SocialApp(
        provider="saml", provider_id=org.id, name=name, client_id=org.id, settings=settings
    )


def list_apps(provider=None, client_id=None) -> list[SocialApp]:
    """allauth asks by provider type (`openid_connect`, `saml`, with the organization's id as
    the SAML `client_id`) or by provider id (the organization's id). Asked for everything, it
    gets nothing: no page lists every organization's identity provider."""
    connections = SsoConnection.objects.select_related("organization")
    if provider == "saml" and isinstance(client_id, str):
        connections = connections.filter(protocol=SsoConnection.SAML, organization_id=client_id)
    elif provider == "openid_connect" and isinstance(client_id, str):
        connections = connections.filter(protocol=SsoConnection.OIDC, client_id=client_id)[:10]
    elif isinstance(provider, str) and provider and provider not in PROTOCOL_OF_PROVIDER:
        connections = connections.filter(organization_id=provider)
    else:
        return []
    apps = [app_for(c) for c in connections]
    return [a for a in apps if a is not None and (client_id is None or a.client_id == client_id)]
