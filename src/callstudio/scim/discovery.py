"""The discovery documents (RFC 7644 §4): what this server supports, built with scim2-models.

The User and Group schemas are the RFC 7643 core schemas cut down to the attributes CallStudio
stores, so a client (scim2-tester, Okta, Entra) sends nothing we would silently drop. Changes
from the core schema, on purpose:
- User `active` is required: a member is active or archived, there is no "unassigned" state.
  A client that leaves it out of a creation gets `true`.
- User `emails` (with a `value`) is required: a member is an account, and an account is an
  email address. The account's address is `userName` when it is one (Okta and Entra send the
  email or UPN), else the primary email; a body whose userName is an address may leave
  `emails` out.
- Group `members` carry `value`, `$ref` and `type` (User only): no `display`, which is the
  member's name and not the group's to set.
The capability flags are honest: PATCH yes, bulk no, filter yes (at most `MAX_RESULTS` per
page), change password no (members have no CallStudio password to change), sort no, ETags no."""

import copy
from functools import cache

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Filter,
    Group,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_RESULTS = 200
DEFAULT_COUNT = 100

USER_ATTRIBUTES = {
    "userName": None,
    "name": {"formatted", "familyName", "givenName"},
    "displayName": None,
    "active": None,
    "emails": {"value", "display", "type", "primary"},
}
# Required here, optional in RFC 7643: see the module docstring.
REQUIRED = {"active", "emails", "emails.value"}
GROUP_ATTRIBUTES = {"displayName": None, "members": {"value", "$ref", "type"}}


def _trimmed(resource, keep: dict) -> dict:
    schema = resource.to_schema()
    attributes = []
    for attribute in schema.attributes:
        if attribute.name not in keep:
            continue
        if keep[attribute.name]:
            attribute.sub_attributes = [
                sub for sub in attribute.sub_attributes if sub.name in keep[attribute.name]
            ]
        if attribute.name in REQUIRED:
            attribute.required = True
        for sub in attribute.sub_attributes or []:
            if f"{attribute.name}.{sub.name}" in REQUIRED:
                sub.required = True
        if attribute.name == "members":
            for sub in attribute.sub_attributes:
                if sub.name == "$ref":
                    sub.reference_types = ["User"]
        attributes.append(attribute)
    schema.attributes = attributes
    return schema.model_dump()


@cache
def _schemas() -> list[dict]:
    return [
        _trimmed(User, USER_ATTRIBUTES),
        _trimmed(Group, GROUP_ATTRIBUTES),
        ServiceProviderConfig.to_schema().model_dump(),
        ResourceType.to_schema().model_dump(),
        Schema.to_schema().model_dump(),
    ]


def schemas(base: str) -> list[dict]:
    out = copy.deepcopy(_schemas())
    for schema in out:
        schema["meta"] = {"resourceType": "Schema", "location": f"{base}Schemas/{schema['id']}"}
    return out


def resource_types(base: str) -> list[dict]:
    out = []
    for name, endpoint, schema, description in (
        ("User", "/Users", USER_SCHEMA, "Members of the organization"),
        ("Group", "/Groups", GROUP_SCHEMA, "Teams managed by the identity provider"),
    ):
        document = ResourceType(
            id=name, name=name, endpoint=endpoint, schema_=schema, description=description
        ).model_dump()
        document["meta"] = {
            "resourceType": "ResourceType",
            "location": f"{base}ResourceTypes/{name}",
        }
        out.append(document)
    return out


def service_provider_config(base: str) -> dict:
    document = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIM token",
                description="A SCIM token of the organization, sent as Authorization: Bearer.",
                primary=True,
            )
        ],
    ).model_dump()
    document["meta"] = {
        "resourceType": "ServiceProviderConfig",
        "location": f"{base}ServiceProviderConfig",
    }
    return document
