from ninja import Router, Status

from callstudio.accounts import selectors, services
from callstudio.api import render
from callstudio.api.auth import AUTH
from callstudio.api.deps import client_ip
from callstudio.api.schemas import (
    AccountOut,
    MeOut,
    Problem,
    SignUpIn,
    TokenCreatedOut,
    TokenCreateIn,
    TokenPage,
)
from callstudio.directory.selectors import account_orgs

router = Router(tags=["accounts"])


@router.post(
    "/accounts",
    auth=None,
    response={201: AccountOut, 403: Problem, 409: Problem, 422: Problem, 429: Problem},
)
def sign_up(request, payload: SignUpIn):
    account = services.account_create(
        email=payload.email,
        password=payload.password,
        name=payload.name,
        client_ip=client_ip(request),
    )
    return Status(201, render.account(account))


@router.post(
    "/auth/tokens",
    auth=None,
    response={201: TokenCreatedOut, 401: Problem, 422: Problem, 429: Problem},
)
def create_token(request, payload: TokenCreateIn):
    token, raw = services.token_create_with_password(
        email=payload.email,
        password=payload.password,
        name=payload.name,
        expires_in_days=payload.expires_in_days,
        client_ip=client_ip(request),
    )
    return Status(201, render.token_created(token, raw))


@router.get("/auth/tokens", auth=AUTH, response=TokenPage)
def list_tokens(request):
    items = [render.token(t) for t in selectors.account_tokens(account=request.auth)]
    return {"items": items, "next_cursor": None}


@router.delete("/auth/tokens/{token_id}", auth=AUTH, response={204: None, 404: Problem})
def revoke_token(request, token_id: str):
    services.token_revoke(account=request.auth, token_id=token_id)
    return Status(204, None)


@router.get("/me", auth=AUTH, response=MeOut)
def me(request):
    return render.me(request.auth, memberships=account_orgs(account=request.auth))
