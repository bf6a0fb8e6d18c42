"""`SOCIALACCOUNT_ADAPTER`: allauth's social accounts, bent to one identity provider per
organization (sso/providers.py) and to CallStudio's linking rules (sso/login.py).

- Apps come from SsoConnection rows, never from allauth's SocialApp table or settings.
- Every request to an IdP goes through netguard (sso/http.py).
- `pre_social_login` decides everything: it links or creates what the rules allow, or answers
  with the refusal page, having written nothing. allauth then logs in an existing account: its
  own sign-up flow (forms, "email taken" pages, email matching) is never reached, so allauth
  can neither create an account nor link one by email behind the rules' back.
- Once logged in (after allauth's MFA step, if the account has one), the session is marked as
  signed in with this organization's SSO (sso/session.py); any other login clears the mark."""

import functools
import hmac
import secrets

import requests
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

from . import providers, saml
from .http import GuardedSession
from .login import Identity, SsoRefused, sign_in
from .selectors import connection_for_login
from .session import clear_on_password_login, mark_signed_in_with_sso

AUTH_METHODS_KEY = "account_authentication_methods"  # allauth's record of this session's logins
NONCE_KEY = "sso_nonce"  # in allauth's login state: the nonce sent with the OIDC request


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def _nonce_refusal(sociallogin) -> str | None:
    """OpenID Connect: the ID token must carry the nonce this browser's sign-in sent (OIDC Core
    §3.1.2.1; the state alone does not bind the token to the request). A sign-in started
    elsewhere than /sso/<org>/login has none: refused too."""
    if getattr(sociallogin.provider, "id", None) != "openid_connect":
        return None
    sent = sociallogin.state.get(NONCE_KEY)
    token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    got = token.get("nonce") if isinstance(token, dict) else None
    if not sent or not isinstance(got, str) or not hmac.compare_digest(sent.encode(), got.encode()):
        return (
            "The identity provider's answer does not carry the one-time value this sign-in "
            "sent (nonce). Start again from the sign-in page."
        )
    return None


def refused(request, *, org=None, code: str, message: str, status: int = 403):
    return render(
        request,
        "web/sso_refused.html",
        {"refused_org": org, "code": code, "message": message},
        status=status,
    )


def _no_lookup(sociallogin) -> None:
    sociallogin._did_authenticate_by_email = None


def _identity(sociallogin) -> Identity:
    address: EmailAddress | None = next(iter(sociallogin.email_addresses), None)
    user = sociallogin.user
    return Identity(
        uid=str(sociallogin.account.uid or ""),
        email=address.email if address else (getattr(user, "email", "") or ""),
        email_verified=bool(address and address.verified),
        name=getattr(user, "name", "") or "",
        extra_data=sociallogin.account.extra_data,
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        return providers.list_apps(provider=provider, client_id=client_id)

    def get_requests_session(self):
        return GuardedSession()

    def populate_user(self, request, sociallogin, data):
        """The IdP's name for a new account. Also, this login's `lookup` is switched off:
        allauth's own lookup saves the IdP's latest data onto an existing link before
        `pre_social_login` runs, so a refused sign-in would still have written. sign_in finds
        the link itself and updates it only when it lets the person in."""
        sociallogin.lookup = functools.partial(_no_lookup, sociallogin)
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            p for p in (data.get("first_name"), data.get("last_name")) if p
        )
        user.name = (name or "").strip()[:100]
        return user

    def pre_social_login(self, request, sociallogin):
        connection = connection_for_login(sociallogin.account.provider)
        if connection is None:
            raise ImmediateHttpResponse(
                refused(
                    request,
                    code="no_connection",
                    message="This organization no longer signs in with SSO.",
                    status=404,
                )
            )
        mismatch = _nonce_refusal(sociallogin)
        if mismatch:
            raise ImmediateHttpResponse(
                refused(
                    request, org=connection.organization, code="nonce_mismatch", message=mismatch
                )
            )
        try:
            result = sign_in(connection=connection, identity=_identity(sociallogin))
        except SsoRefused as exc:
            raise ImmediateHttpResponse(
                refused(request, org=connection.organization, code=exc.code, message=exc.message)
            ) from None
        sociallogin.user = result.account
        sociallogin.account = result.link
        sociallogin.state["next"] = f"/o/{connection.organization_id}/"

    def is_open_for_signup(self, request, sociallogin):
        """Never: sign_in made the account already, or refused (see the module docstring)."""
        return False

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """A state mismatch, a refused or cancelled consent, an IdP that answered nonsense:
        the same refusal page, nothing written. A SAML Response python3-saml refused says why
        (sso/saml.py `refusal`)."""
        saml_refusal = saml.refusal(extra_context)
        if saml_refusal is not None:
            code, message = saml_refusal
            raise ImmediateHttpResponse(refused(request, code=code, message=message, status=400))
        if isinstance(exception, requests.RequestException):
            raise ImmediateHttpResponse(
                refused(
                    request,
                    code="idp_unreachable",
                    message="The identity provider could not be reached to finish the sign-in. "
                    "Try again in a moment.",
                    status=502,
                )
            )
        detail = {
            "cancelled": "The sign-in was cancelled at the identity provider.",
            "denied": "The identity provider refused the sign-in.",
        }.get(
            str(error or ""),
            "The sign-in could not be completed: the answer from the identity provider did not "
            "match a sign-in started here (an old or tampered link, or another browser tab). "
            "Start again.",
        )
        raise ImmediateHttpResponse(
            refused(request, code=str(error or "unknown"), message=detail, status=400)
        )


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """allauth's `user_logged_in`: mark the session when this login was an SSO one (allauth's
    own record of the session's authentications, whatever stage finished the login), clear the
    mark for any other kind of login."""
    if request is None or not hasattr(request, "session"):
        return
    records = [r for r in request.session.get(AUTH_METHODS_KEY, []) if r.get("method") != "mfa"]
    last = records[-1] if records else {}
    provider = last.get("provider") if last.get("method") == "socialaccount" else None
    if provider and connection_for_login(provider) is not None:
        mark_signed_in_with_sso(request, provider)
    else:
        clear_on_password_login(request)
