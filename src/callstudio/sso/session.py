"""Which organizations' SSO the current browser session signed in with (PRODUCT §8.1).

allauth's `user_logged_in` (sso/adapter.py `on_user_logged_in`) marks the session after a
login through an organization's identity provider and clears the marks after any other login,
so a password sign-in in a browser that once used SSO does not pass for an SSO one. The
`require_sso` policy (access/) and token minting read the marks."""

SESSION_KEY = "callstudio_sso_orgs"


def mark_signed_in_with_sso(request, org_id: str) -> None:
    orgs = set(request.session.get(SESSION_KEY, []))
    orgs.add(org_id)
    request.session[SESSION_KEY] = sorted(orgs)


def sso_org_ids(request) -> frozenset[str]:
    session = getattr(request, "session", None)
    if session is None:
        return frozenset()
    return frozenset(session.get(SESSION_KEY, []))


def clear_on_password_login(request) -> None:  # any login that is not an SSO one
    request.session.pop(SESSION_KEY, None)
