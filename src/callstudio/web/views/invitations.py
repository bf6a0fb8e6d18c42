"""Invitations in the browser: Organization → Members → Invite and the Pending tab (admins), and
the page the mailed link opens (the invitee). The link page is public: someone without an
account signs up from it, with the invited address prefilled and counted as verified (allauth's
stash: the token in the link proves the mailbox)."""

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from callstudio.access.selectors import assignable_org_roles, org_wide_team_roles
from callstudio.core.errors import Conflict, DomainError
from callstudio.directory import services
from callstudio.directory.selectors import invitation_in_org, invitations_page, org_team_choices
from callstudio.directory.services import check_invitee, role_name

from ..adapter import INVITED_EMAIL
from ..context import org_page, render_org
from ..forms import apply_error

NOT_IN_TEAM = ""


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Organization role")

    def __init__(self, *args, roles, teams, team_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["role"].initial = "member"
        self.team_fields = []
        for team_id, name in teams:
            key = f"team_{team_id}"
            self.fields[key] = forms.ChoiceField(
                label=f"Role in {name}",
                required=False,
                choices=[(NOT_IN_TEAM, "Not in this team"), *team_roles],
            )
            self.team_fields.append((team_id, key))

    def teams(self) -> list[dict]:
        return [
            {"team": team_id, "role": self.cleaned_data[key]}
            for team_id, key in self.team_fields
            if self.cleaned_data.get(key)
        ]

    def team_bound_fields(self):
        return [self[key] for _, key in self.team_fields]


def _pending_url(access):
    return redirect(reverse("org_members", args=[access.organization.id]) + "?status=pending")


@org_page
@require_http_methods(["GET", "POST"])
def invite(request, access):
    access.require("org.members.add")
    form = InviteForm(
        request.POST or None,
        roles=assignable_org_roles(access=access),
        teams=org_team_choices(access=access),
        team_roles=org_wide_team_roles(access=access),
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                access=access,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                teams=form.teams(),
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return _pending_url(access)
    return render_org(
        request,
        access,
        "web/invitation_form.html",
        {"form": form},
        section="organization",
        status=422 if form.errors else 200,
    )


def pending(request, access):
    """The Members page's Pending tab (called by org.members)."""
    access.require("org.members.add")
    page = invitations_page(access=access, status="pending", cursor=request.GET.get("cursor"))
    return render_org(
        request,
        access,
        "web/invitations_pending.html",
        {"page": page, "status": "pending"},
        section="organization",
    )


@org_page
@require_POST
def resend(request, access, invitation_id):
    try:
        invitation, _ = services.invitation_resend(access=access, invitation_id=invitation_id)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"Invitation sent again to {invitation.email}; the old link no longer works."
        )
    return _pending_url(access)


@org_page
@require_http_methods(["GET", "POST"])
def revoke(request, access, invitation_id):
    access.require("org.members.add")
    invitation = invitation_in_org(access=access, invitation_id=invitation_id)
    if request.method == "POST":
        try:
            services.invitation_revoke(access=access, invitation_id=invitation_id)
        except Conflict as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Invitation to {invitation.email} revoked.")
        return _pending_url(access)
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Revoke the invitation to {invitation.email}?",
            "text": "The link in their mail stops working at once.",
            "confirm_label": "Revoke",
            "danger": True,
            "cancel_url": reverse("org_members", args=[access.organization.id]) + "?status=pending",
        },
        section="organization",
    )


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The mailed link. Gone → 410 page; signed in with another account → 403 page (both raised
    by the services, rendered by the middleware)."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        membership, accepted = services.invitation_accept(
            account=request.user, token=token, proves_mailbox=True
        )
        messages.success(
            request,
            f"Welcome to {accepted.organization.name}: you joined as "
            f"{role_name(membership.role, membership.custom_role)}.",
        )
        return redirect("org_home", org_id=accepted.organization_id)
    offer = services.open_invitation(token)
    user = request.user
    if user.is_authenticated:
        check_invitee(account=user, invitation=offer, proves_mailbox=True)
    if not user.is_authenticated:
        get_adapter(request).stash_verified_email(request, offer.email)
        request.session[INVITED_EMAIL] = offer.email
    inviter = offer.invited_by
    return render(
        request,
        "web/invitation.html",
        {
            "offer": offer,
            "token": token,
            "inviter": (inviter.name or inviter.email) if inviter else "An administrator",
            "role_name": role_name(offer.role, offer.custom_role),
            "teams": [
                (row.team.name, role_name(row.role, row.custom_role))
                for row in offer.teams.select_related("team", "custom_role")
                if row.role or row.custom_role_id
            ],
            "signup_url": reverse("account_signup")
            + "?"
            + urlencode({"email": offer.email, "next": request.path}),
            "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        },
    )
