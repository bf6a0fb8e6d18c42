"""The caller's own security: browser sessions, password change, security log (§7.5)."""

from django.contrib.auth import update_session_auth_hash
from ninja import Router, Status

from callstudio.accounts import selectors, services, sessions
from callstudio.api import render
from callstudio.api.auth import AUTH
from callstudio.api.schemas import PasswordChangeIn, Problem, SecurityEventPage, SessionPage

router = Router(tags=["me"])


def _session_key(request) -> str | None:
    """The browser session making the request; None for a bearer-token caller."""
    if getattr(request, "via_token", False):
        return None
    session = getattr(request, "session", None)
    return session.session_key if session is not None else None


@router.get("/me/sessions", auth=AUTH, response=SessionPage)
def list_sessions(request):
    current = _session_key(request)
    items = [
        render.user_session(s, current_key=current)
        for s in selectors.account_sessions(account=request.auth)
    ]
    return {"items": items, "next_cursor": None}


@router.delete("/me/sessions/{session_id}", auth=AUTH, response={204: None, 404: Problem})
def revoke_session(request, session_id: str):
    sessions.session_revoke(account=request.auth, session_id=session_id)
    return Status(204, None)


@router.post(
    "/me/password", auth=AUTH, response={204: None, 401: Problem, 422: Problem, 429: Problem}
)
def change_password(request, payload: PasswordChangeIn):
    """Every personal token (the caller's too) and every other session end; a browser session
    making the request stays signed in."""
    keep = _session_key(request)
    services.password_change(
        account=request.auth,
        current_password=payload.current_password,
        new_password=payload.new_password,
        keep_session_key=keep,
    )
    if keep is not None:
        update_session_auth_hash(request, request.auth)
        sessions.session_rekeyed(old_key=keep, new_key=request.session.session_key)
    return Status(204, None)


@router.get("/me/security-log", auth=AUTH, response={200: SecurityEventPage, 422: Problem})
def security_log(request, cursor: str | None = None, limit: int | None = None):
    page = selectors.security_log_page(account=request.auth, cursor=cursor, limit=limit)
    return {
        "items": [render.security_event(e) for e in page.items],
        "next_cursor": page.next_cursor,
    }
