"""Profile → Sessions (the account's signed-in browsers, each revocable, and "sign out everywhere
else") and Profile → Activity (the account's security log)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from callstudio.accounts import sessions as session_services
from callstudio.accounts.selectors import account_sessions, security_log_page
from callstudio.core.audit_actions import AUDIT_ACTIONS
from callstudio.core.errors import DomainError, NotFound

from ..user_agents import describe_agent


@login_required
@require_GET
def sessions(request):
    current = request.session.session_key
    rows = [
        {"session": s, "current": s.session_key == current, "agent": describe_agent(s.user_agent)}
        for s in account_sessions(account=request.user)
    ]
    return render(
        request,
        "web/sessions.html",
        {"rows": rows, "others": any(not r["current"] for r in rows), "section": "profile"},
    )


def _confirm(request, *, title: str, text: str):
    return render(
        request,
        "web/confirm.html",
        {
            "title": title,
            "text": text,
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse("sessions"),
            "section": "profile",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_revoke(request, session_id):
    if request.method == "GET":
        row = next(
            (s for s in account_sessions(account=request.user) if str(s.pk) == session_id), None
        )
        if row is None:
            raise NotFound("Session not found.")
        current = row.session_key == request.session.session_key
        return _confirm(
            request,
            title=f"End the session {describe_agent(row.user_agent)} ({row.ip})?",
            text=(
                "This is the browser you are using: you will be signed out."
                if current
                else "That browser is signed out at once."
            ),
        )
    try:
        session_services.session_revoke(account=request.user, session_id=session_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("sessions")
    messages.success(request, "Session ended. That browser is signed out.")
    return redirect("sessions")


@login_required
@require_http_methods(["GET", "POST"])
def sessions_revoke_others(request):
    if request.method == "GET":
        return _confirm(
            request,
            title="Sign out everywhere else?",
            text="Every other browser signed in to your account is signed out at once. "
            "This one stays signed in. Personal API tokens keep working.",
        )
    ended = session_services.sessions_revoke_others(
        account=request.user, keep_session_key=request.session.session_key
    )
    messages.success(request, f"Signed out everywhere else ({ended} session(s) ended).")
    return redirect("sessions")


@login_required
@require_GET
def activity(request):
    page = security_log_page(account=request.user, cursor=request.GET.get("cursor"), limit=50)
    events = []
    for e in page.items:
        declared = AUDIT_ACTIONS.get(e.action)
        details = e.after if isinstance(e.after, dict) else {}
        events.append(
            {
                "entry": e,
                "label": declared.label if declared else e.action,
                "description": declared.description if declared else "",
                "ip": details.get("ip", ""),
                "target": e.target_label if e.target_type != "account" else "",
            }
        )
    return render(
        request,
        "web/activity.html",
        {"events": events, "next_cursor": page.next_cursor, "section": "profile"},
    )
