"""The permissions matrix as Markdown, generated from the catalog and the built-in roles, so
docs/permissions.md cannot drift from the code (a test compares them).

    python -m callstudio.access.docs   # prints the table to paste between the markers
"""

from .permissions import CATALOG
from .roles import BUILTIN_ROLES


def permissions_matrix_markdown() -> str:
    roles = list(BUILTIN_ROLES.values())
    header = "| Permission | Scope | What it allows | " + " | ".join(r.name for r in roles) + " |"
    rule = "|---|---|---|" + "---|" * len(roles)
    rows = [
        f"| `{p.name}` | {p.scope} | {p.description} | "
        + " | ".join("✓" if p.name in r.permissions else "" for r in roles)
        + " |"
        for p in CATALOG
    ]
    return "\n".join([header, rule, *rows])


if __name__ == "__main__":
    print(permissions_matrix_markdown())
