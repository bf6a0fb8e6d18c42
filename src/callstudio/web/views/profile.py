from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from callstudio.accounts import services
from callstudio.accounts.selectors import account_tokens, email_state
from callstudio.accounts.services import TOKEN_DAYS_DEFAULT
from callstudio.core.errors import DomainError, NotFound
from callstudio.directory.selectors import account_orgs
from callstudio.sso.session import sso_org_ids

from ..forms import TokenForm, apply_error

NEW_TOKEN = "callstudio.new_token"


@login_required
@require_http_methods(["GET", "POST"])
# Minting a token asks for the password (or MFA) again unless given in the last few minutes
# (ACCOUNT_REAUTHENTICATION_TIMEOUT): allauth keeps the form's POST and replays it afterwards.
@reauthentication_required(allow_get=True)
def profile(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, raw = services.token_create(
                account=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"] or TOKEN_DAYS_DEFAULT,
                # Under require_sso the token reaches what this session reaches.
                sso_org_ids=sso_org_ids(request),
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            # Shown once, by the GET this redirects to (never in a URL); a reload resends nothing.
            request.session[NEW_TOKEN] = raw
            return redirect("profile")
    new_token = request.session.pop(NEW_TOKEN, None) if request.method == "GET" else None
    email_verified, pending_email = email_state(account=request.user)
    return render(
        request,
        "web/profile.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": account_tokens(account=request.user),
            "email_verified": email_verified,
            "pending_email": pending_email,
            "orgs": [m.organization for m in account_orgs(account=request.user)],
            "now": timezone.now(),
            "section": "profile",
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id):
    if request.method == "GET":
        token = next((t for t in account_tokens(account=request.user) if t.id == token_id), None)
        if token is None:
            raise NotFound("Token not found.")
        return render(
            request,
            "web/confirm.html",
            {
                "title": f"Revoke the token {token.name}?",
                "text": "Programs using it lose access at once. This cannot be undone.",
                "confirm_label": "Confirm",
                "danger": True,
                "cancel_url": reverse("profile"),
                "section": "profile",
            },
        )
    try:
        token = services.token_revoke(account=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Token {token.name} revoked. It no longer works.")
    return redirect("profile")
