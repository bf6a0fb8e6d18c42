"""Which organizations' SSO the current browser session signed in with (PRODUCT §8.1).

The SSO callback marks the session once the identity provider vouched for the person; the
`require_sso` policy (access/) and token minting read the mark. A session that signs in again
with a password starts without it (Django cycles the session key on login and the mark is
cleared with it by `clear_on_password_login`)."""

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


def clear_on_password_login(request) -> None:
    request.session.pop(SESSION_KEY, None)
