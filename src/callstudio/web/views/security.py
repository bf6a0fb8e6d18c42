"""Profile, Security: the account's second factors at a glance, with links to allauth's MFA pages
(which do the changes, ask for re-authentication and are audited from allauth's signals)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from callstudio.accounts.mfa import mfa_overview
from callstudio.directory.selectors import account_orgs


@login_required
@require_GET
def security(request):
    return render(
        request,
        "web/security.html",
        {
            "mfa": mfa_overview(request.user),
            "orgs": [m.organization for m in account_orgs(account=request.user)],
            "section": "profile",
        },
    )
