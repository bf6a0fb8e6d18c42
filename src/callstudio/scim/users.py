"""SCIM Users ↔ organization members: how a member reads as a User, how a User body is
checked, and the reads (by id, list with filter and paging).

- `id` is the account's public account ID; `userName` the IdP's login name (the email for a
  member added by hand); `externalId` is `OrgMembership.external_id`; `active` is the
  membership's status (active ↔ true, archived ↔ false).
- `name`, `displayName` and `emails` are what this organization's IdP said, kept per membership
  (scim.ScimUser): the account is global and may belong to other organizations.
- A member deprovisioned by SCIM's DELETE is archived and hidden from SCIM (404)."""

from django.db.models import Q

from callstudio.core.errors import Invalid
from callstudio.core.validation import clean_name
from callstudio.orgs.models import OrgMembership

from .discovery import USER_SCHEMA
from .filters import filter_query, invalid_filter
from .http import ScimError, invalid_value
from .models import ScimUser
from .shape import Shape

USER_SHAPE = Shape(
    schema=USER_SCHEMA,
    attributes={
        "userName": None,
        "name": frozenset({"formatted", "familyName", "givenName"}),
        "displayName": None,
        "active": None,
        "emails": frozenset({"value", "display", "type", "primary"}),
        "externalId": None,
    },
    multi_valued=frozenset({"emails"}),
)
MAX_EMAILS = 20


def scim_row(membership: OrgMembership):
    try:
        return membership.scim
    except OrgMembership.scim.RelatedObjectDoesNotExist:
        return None


def visible_members(organization_id: str):
    """Every member SCIM may see: active and archived, except the ones SCIM deleted."""
    return (
        OrgMembership.objects.select_related("account", "scim")
        .filter(organization_id=organization_id)
        .exclude(status=OrgMembership.ARCHIVED, scim__deleted_at__isnull=False)
    )


def _text(value) -> str:
    if not isinstance(value, str):
        raise invalid_filter("Compare this attribute with a string.")
    return value


def user_name_ids(organization_id: str, value: str) -> list[int]:
    """The memberships whose userName is `value`, case-insensitively: SCIM's own userName, or
    the account's email for a member SCIM never described. One query of two indexed lookups
    (ScimUser's unique (organization, user_name_key), the account's unique email then the
    membership's unique (organization, account)), so it costs the same whatever the size of
    the organization: an OR across the two joined tables would scan its members."""
    key = value.strip().lower()
    by_scim = ScimUser.objects.filter(organization_id=organization_id, user_name_key=key)
    by_email = OrgMembership.objects.filter(
        organization_id=organization_id, account__email=key, scim__isnull=True
    )
    return list(
        by_scim.values_list("membership_id", flat=True).union(by_email.values_list("id", flat=True))
    )


def user_name_q(organization_id: str, value: str) -> Q:
    return Q(id__in=user_name_ids(organization_id, value))


def _lookups(organization_id: str) -> dict:
    return {
        "username": lambda v: user_name_q(organization_id, _text(v)),
        "externalid": lambda v: Q(external_id=_text(v)),
        "id": lambda v: Q(account__account_id=_text(v)),
        "emails": lambda v: _email_q(_text(v)),
        "emails.value": lambda v: _email_q(_text(v)),
        "displayname": lambda v: (
            Q(scim__display_name__iexact=_text(v)) | Q(scim__isnull=True, account__name__iexact=v)
        ),
        "active": lambda v: Q(status=OrgMembership.ACTIVE if _bool(v) else OrgMembership.ARCHIVED),
    }


def _email_q(value: str) -> Q:
    key = value.strip().lower()
    return Q(scim__email_values__contains=f"\n{key}\n") | Q(scim__isnull=True, account__email=key)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    raise invalid_filter("Compare active with true or false.")


def user_query(organization_id: str, expression: str | None) -> Q:
    return filter_query(expression, _lookups(organization_id), schema=USER_SCHEMA)


def writable(membership: OrgMembership) -> dict:
    """The attributes a client writes, as they stand (the base a PATCH applies to)."""
    row = scim_row(membership)
    account = membership.account
    out = {
        "userName": row.user_name if row else account.email,
        "name": row.name if row else None,
        "displayName": (row.display_name if row else account.name) or None,
        "active": membership.status == OrgMembership.ACTIVE,
        "emails": row.emails if row else [{"value": account.email, "primary": True}],
        "externalId": membership.external_id or None,
    }
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def user_resource(membership: OrgMembership, base: str) -> dict:
    row = scim_row(membership)
    modified = max(membership.updated_at, row.updated_at) if row else membership.updated_at
    account_id = membership.account.account_id
    return {
        "schemas": [USER_SCHEMA],
        "id": account_id,
        **writable(membership),
        "meta": {
            "resourceType": "User",
            "created": membership.created_at.isoformat(),
            "lastModified": modified.isoformat(),
            "location": f"{base}Users/{account_id}",
        },
    }


# Checking a body --------------------------------------------------------------------------


def _string(value, field: str, *, max_length: int = 254, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise invalid_value(f"{field} is required.")
        return None
    try:
        return clean_name(value, field=field, max_length=max_length)
    except Invalid as exc:
        raise invalid_value(f"{field}: {exc.detail}") from None


def as_bool(value, field: str) -> bool:
    """Booleans, and the strings Entra sends ("True", "False")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{field} must be true or false.")


def _name(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_value("name must be an object.")
    out = {}
    for key, item in value.items():
        sub = USER_SHAPE.canonical_sub("name", key)
        if sub is not None and item not in (None, ""):
            out[sub] = _string(item, f"name.{sub}")
    return out or None


def _emails(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_EMAILS:
        raise invalid_value(f"emails must be a list of at most {MAX_EMAILS} addresses.")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise invalid_value("Each of emails is an object with a value.")
        email = {}
        for key, sub_value in item.items():
            sub = USER_SHAPE.canonical_sub("emails", key)
            if sub is None or sub_value in (None, ""):
                continue
            email[sub] = (
                as_bool(sub_value, "emails.primary")
                if sub == "primary"
                else _string(sub_value, f"emails.{sub}")
            )
        if "value" not in email:
            raise invalid_value("Each of emails has a value.")
        out.append(email)
    if sum(1 for e in out if e.get("primary")) > 1:
        raise invalid_value("At most one of emails is primary.")
    return out


def from_body(body: dict) -> dict:
    """The known attributes of a POST/PUT body under their canonical names. Attributes this
    server does not store (phoneNumbers, title, the enterprise extension...) are ignored, as
    identity providers send them by default; PATCH is strict instead (invalidPath)."""
    out = {}
    for key, value in body.items():
        name = USER_SHAPE.canonical(key)
        if name is not None:
            out[name] = value
    return out


def clean_user(data: dict) -> dict:
    """A complete, checked User: the result of a POST or PUT body, or of a PATCH applied to
    the current attributes. `active` stays None when the body does not say."""
    return {
        "userName": _string(data.get("userName"), "userName", required=True),
        "name": _name(data.get("name")),
        "displayName": _string(data.get("displayName"), "displayName"),
        "active": None if data.get("active") is None else as_bool(data["active"], "active"),
        "emails": _emails(data.get("emails")),
        "externalId": _string(data.get("externalId"), "externalId", max_length=255),
    }


def member_by_id(organization_id: str, account_id: str) -> OrgMembership:
    membership = visible_members(organization_id).filter(account__account_id=account_id).first()
    if membership is None:
        raise ScimError(404, "User not found.")
    return membership
