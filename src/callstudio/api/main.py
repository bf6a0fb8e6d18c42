"""The API v1 object: routers, authentication, problem+json errors, OpenAPI and local docs."""

import orjson
from ninja import NinjaAPI
from ninja.renderers import BaseRenderer

from . import errors
from .auth import AUTH
from .routers import accounts, calls, ingest, members, orgs, roles, teams


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, option=orjson.OPT_UTC_Z)


api = NinjaAPI(
    title="CallStudio API",
    version="1",
    description="Organizations, teams, members, roles and calls. See docs/api.md.",
    urls_namespace="api-v1",
    auth=AUTH,
    renderer=ORJSONRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
for module in (accounts, orgs, members, teams, roles, calls, ingest):
    api.add_router("", module.router)
