from ninja import Router, Status

from callstudio.accounts import selectors, services
from callstudio.accounts.mfa import mfa_status
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
    VerificationSentOut,
    VerifyEmailIn,
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
    return Status(201, render.account(account, email_verified=False))


@router.post(
    "/accounts/verify-email",
    auth=None,
    response={200: AccountOut, 409: Problem, 410: Problem, 422: Problem},
)
def verify_email(request, payload: VerifyEmailIn):
    """The key of the verification link; no credentials needed (the key is the proof)."""
    account = services.email_verify(request=request, key=payload.key)
    return Status(200, render.account(account, email_verified=True))


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
        otp=payload.otp,
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
    account = request.auth
    email_verified, pending_email = selectors.email_state(account=account)
    return render.me(
        account,
        memberships=account_orgs(account=account),
        email_verified=email_verified,
        pending_email=pending_email,
        mfa=mfa_status(account),
    )


@router.post(
    "/me/email/resend-verification",
    auth=AUTH,
    response={202: VerificationSentOut, 409: Problem, 429: Problem},
)
def resend_verification(request):
    email = services.email_resend_verification(request=request, account=request.auth)
    return Status(202, {"email": email})
