"""The attributes a resource accepts, by canonical name, and how names sent by clients map to
them: case-insensitively ("Active", "DisplayName"), with or without the schema's URN prefix
(`urn:ietf:params:scim:schemas:core:2.0:User:userName`). Shared by PATCH, PUT/POST bodies and
`attributes`/`excludedAttributes`."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    schema: str
    # canonical name -> None (simple), or the canonical sub-attribute names (complex)
    attributes: dict[str, frozenset[str] | None]
    multi_valued: frozenset[str] = field(default_factory=frozenset)
    # Attributes the server sets (returned, never written by clients).
    read_only: frozenset[str] = frozenset({"id", "meta", "schemas"})

    def strip_urn(self, name: str) -> str:
        prefix = self.schema.lower() + ":"
        return name[len(prefix) :] if name.lower().startswith(prefix) else name

    def canonical(self, name: str) -> str | None:
        name = self.strip_urn(name).lower()
        for known in self.attributes:
            if known.lower() == name:
                return known
        return None

    def canonical_sub(self, attr: str, sub: str) -> str | None:
        for known in self.attributes.get(attr) or ():
            if known.lower() == sub.lower():
                return known
        return None


def split_names(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
