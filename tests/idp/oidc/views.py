"""The judge's own endpoint: the test suite registers people and clients in the identity
provider over HTTP (as an IdP's admin would in its console), guarded by a token from the
environment. Everything else is allauth's OpenID Provider, untouched."""

import hmac
import json

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def setup(request):
    token = request.headers.get("X-Judge-Token", "")
    if not hmac.compare_digest(token, settings.IDP_JUDGE_TOKEN):
        return HttpResponseForbidden()
    body = json.loads(request.body)
    users = {}
    for u in body.get("users", []):
        user, _ = get_user_model().objects.update_or_create(
            username=u["username"],
            defaults={
                "email": u["email"],
                "first_name": u.get("first_name", ""),
                "last_name": u.get("last_name", ""),
            },
        )
        user.set_password(u["password"])
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(
            user=user, email=u["email"], primary=True, verified=u.get("verified", True)
        )
        users[u["username"]] = str(user.pk)
    for c in body.get("clients", []):
        client, _ = Client.objects.update_or_create(
            id=c["id"],
            defaults={
                "name": c["id"],
                "secret": make_password(c["secret"]),
                "scopes": "openid\nprofile\nemail",
                "default_scopes": "openid\nprofile\nemail",
                "redirect_uris": "\n".join(c["redirect_uris"]),
                "skip_consent": True,
                "type": Client.Type.CONFIDENTIAL,
            },
        )
    return JsonResponse({"users": users})
