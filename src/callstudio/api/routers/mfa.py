"""The signed-in account's authenticator app (TOTP) over the API: set up, confirm, remove.
Passkeys need a browser (WebAuthn) and are managed on Profile, Security."""

from ninja import Router, Status

from callstudio.accounts import mfa_services
from callstudio.api.auth import AUTH
from callstudio.api.schemas import Problem, RecoveryCodesOut, TotpCodeIn, TotpSetupOut

router = Router(tags=["mfa"])


@router.post("/me/mfa/totp", auth=AUTH, response={200: TotpSetupOut, 409: Problem})
def totp_begin(request):
    secret, uri = mfa_services.totp_begin(account=request.auth)
    return {"secret": secret, "otpauth_uri": uri}


@router.post(
    "/me/mfa/totp/confirm",
    auth=AUTH,
    response={200: RecoveryCodesOut, 409: Problem, 422: Problem},
)
def totp_confirm(request, payload: TotpCodeIn):
    codes = mfa_services.totp_confirm(account=request.auth, code=payload.code)
    return {"recovery_codes": codes}


@router.delete(
    "/me/mfa/totp", auth=AUTH, response={204: None, 401: Problem, 409: Problem, 422: Problem}
)
def totp_disable(request, payload: TotpCodeIn):
    mfa_services.totp_disable(account=request.auth, code=payload.code)
    return Status(204, None)
