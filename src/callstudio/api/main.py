"""The API v1 object: routers, authentication, problem+json errors, OpenAPI and local docs."""

import orjson
from ninja import NinjaAPI
from ninja.parser import Parser
from ninja.renderers import BaseRenderer

from . import errors
from .auth import AUTH
from .routers import (
    access,
    accounts,
    calls,
    domains,
    ingest,
    insights,
    invitations,
    me_security,
    members,
    mfa,
    orgs,
    roles,
    scim_tokens,
    search,
    sso,
    teams,
)


class ORJSONParser(Parser):
    """orjson refuses nesting deeper than 1,024 levels with a decode error (a 400), where the
    standard library would recurse until it fails."""

    def parse_body(self, request):
        return orjson.loads(request.body)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, option=orjson.OPT_UTC_Z)


class CallStudioAPI(NinjaAPI):
    """Errors are documented as what they are: RFC 9457 problem+json, on every operation that can
    give them (401 without credentials, 503 while the database is unreachable)."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault(401, {"description": "Unauthorized"})
                responses.setdefault(503, {"description": "Service unavailable"})
                for status, response in responses.items():
                    if str(status)[0] in "45":
                        response["content"] = {"application/problem+json": {"schema": problem}}
        return schema


api = CallStudioAPI(
    title="CallStudio API",
    version="1",
    description="Organizations, teams, members, roles, calls, analytics, alerts and automations. See docs/api.md.",
    urls_namespace="api-v1",
    auth=AUTH,
    renderer=ORJSONRenderer(),
    parser=ORJSONParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
for module in (
    accounts,
    mfa,
    me_security,
    orgs,
    members,
    invitations,
    teams,
    roles,
    calls,
    ingest,
    insights,
    search,
    access,
    scim_tokens,
    domains,
    sso,
):
    api.add_router("", module.router)
