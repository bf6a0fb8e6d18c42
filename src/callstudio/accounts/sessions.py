"""Browser sessions: tracking, expiry and ending them.

allauth's UserSession row (ip, user agent, created, last seen) describes each signed-in browser
session. allauth's own activity tracking writes that row on every request; this module replaces
it with a touch at most once a minute per session, stored in the session itself so that a request
in between costs no query at all.

Expiry is Django's own: each touch sets the session's expiry to the idle limit (24 h by default),
so a session not seen for that long is refused by the session backend at its next request and
deleted by the nightly cleanup. The absolute limit (14 days) is checked here, from the time the
session was first seen, because the sliding expiry alone would let an active session live forever.
"""

import time
from datetime import timedelta
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from callstudio.core.audit import AuditAction, audit_record
from callstudio.core.errors import NotFound
from callstudio.core.tasks import crontab, periodic_task

SEEN = "callstudio.seen"
STARTED = "callstudio.started"


def idle_seconds() -> int:
    return settings.CALLSTUDIO_SESSION_IDLE_HOURS * 3600


def absolute_seconds() -> int:
    return settings.CALLSTUDIO_SESSION_DAYS * 86400


def track(request) -> None:
    """Called by the session middleware on every request of a signed-in browser: ends a session
    past its absolute limit, and touches the rest at most once a minute."""
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return  # no session cookie: nothing to load, nothing to track
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    now = time.time()
    started = session.get(STARTED)
    if started is not None and now - started > absolute_seconds():
        _end_current(request)
        return
    seen = session.get(SEEN)
    if seen is not None and now - seen > idle_seconds():
        # Also for sessions whose cookie ends with the browser ("remember me" unticked), whose
        # stored expiry is not the idle limit.
        _end_current(request)
        return
    if seen is not None and now - seen < settings.CALLSTUDIO_SESSION_TOUCH_SECONDS:
        return
    if started is None:
        session[STARTED] = started = now
    session[SEEN] = now
    if not session.get_expire_at_browser_close():
        # Sliding idle expiry, never past the absolute limit.
        session.set_expiry(int(max(1, min(idle_seconds(), started + absolute_seconds() - now))))
    _record_seen(request, user, session.session_key)


def _record_seen(request, user, session_key: str) -> None:
    ip = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    agent = request.META.get("HTTP_USER_AGENT", "")[
        : UserSession._meta.get_field("user_agent").max_length
    ]
    updated = UserSession.objects.filter(session_key=session_key, user=user).update(
        last_seen_at=timezone.now(), ip=ip, user_agent=agent
    )
    if not updated:
        # A session allauth did not record (e.g. signed in before tracking existed).
        UserSession.objects.update_or_create(
            session_key=session_key, defaults={"user": user, "ip": ip, "user_agent": agent}
        )


def session_rekeyed(*, old_key: str | None, new_key: str | None) -> None:
    """The session's key changed (Django cycles it when the password changes): its row follows."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def _end_current(request) -> None:
    key = request.session.session_key
    logout(request)
    UserSession.objects.filter(session_key=key).delete()


def _end(user_session: UserSession) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore().delete(user_session.session_key)
    user_session.delete()


@transaction.atomic
def session_revoke(*, account, session_id: str) -> UserSession:
    """Ends one of the account's sessions at once (its cookie stops working). Another account's
    session, or one that does not exist, is NotFound."""
    user_session = UserSession.objects.filter(
        pk=int(session_id) if str(session_id).isdigit() else -1, user=account
    ).first()
    if user_session is None:
        raise NotFound("Session not found.")
    audit_record(actor=account, action=AuditAction.SESSION_REVOKE, target=user_session)
    _end(user_session)
    return user_session


@transaction.atomic
def sessions_revoke_others(*, account, keep_session_key: str | None) -> int:
    """ "Sign out everywhere else": ends every session of the account but `keep_session_key`."""
    others = UserSession.objects.filter(user=account).exclude(session_key=keep_session_key or "")
    ended = 0
    for user_session in others:
        audit_record(actor=account, action=AuditAction.SESSION_REVOKE, target=user_session)
        _end(user_session)
        ended += 1
    return ended


def sessions_end_all_but(*, account, keep_session_key: str | None) -> None:
    """After a password change or reset: every other session ends (no audit entry per session:
    the password entry says why). Django already refuses those sessions, whose stored password
    hash no longer matches; this also deletes them and their rows."""
    for user_session in UserSession.objects.filter(user=account).exclude(
        session_key=keep_session_key or ""
    ):
        _end(user_session)


@periodic_task(crontab(hour="3", minute="23"))
def clear_ended_user_sessions() -> int:
    """Nightly: session rows whose session expired (idle or absolute) or was deleted."""
    cutoff = timezone.now() - timedelta(seconds=idle_seconds())
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    stale = UserSession.objects.exclude(session_key__in=live) | UserSession.objects.filter(
        last_seen_at__lt=cutoff
    )
    for user_session in stale:
        _end(user_session)
    return len(stale)
