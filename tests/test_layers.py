"""The import structure of src/callstudio, read with `ast` (nothing is imported to check it).

Every module belongs to an app (the top-level package under callstudio; cli.py, urls.py, asgi.py,
__main__.py and settings/ are the top). An app may import only from itself or from a lower app,
in the order docs/architecture.md ("Layers") gives, and no two apps may import each other through
any path. Every import counts: module level and inside functions, `from . import x`, relative
imports resolved against the importing module, and model imports.

What this cannot see: references Django resolves by string (`ForeignKey("access.Role")`,
`apps.get_model`), which docs/architecture.md lists.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import callstudio

PACKAGE = "callstudio"
SRC = Path(callstudio.__file__).resolve().parent

# Lowest first; apps on one line share a rank (they may not import each other either way
# without a cycle, which the cycle test catches).
ORDER = [
    ("core",),
    ("accounts",),
    ("orgs",),
    ("access",),
    ("search",),
    ("analytics",),
    ("calls",),
    ("rules",),
    ("pipeline",),
    ("directory",),
    ("sso", "scim"),
    ("api", "web"),
    ("demo",),
    ("top",),
]
RANK = {app: rank for rank, apps in enumerate(ORDER) for app in apps}
TOP_LEVEL = {"__init__", "__main__", "cli", "urls", "asgi", "wsgi", "settings"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. callstudio.calls.ingest
    line: int
    target: str  # the imported callstudio module, e.g. callstudio.analytics.rollups


def app_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) == 1:
        return "top"
    return "top" if parts[1] in TOP_LEVEL else parts[1]


def modules(root: Path = SRC) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is package) for every .py file under the package."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = [PACKAGE, *rel.parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def imports_of(source: str, module: str, *, is_package: bool, known: set[str]) -> list[Import]:
    """The callstudio modules `source` imports, anywhere in it. `from pkg import name` counts as
    importing pkg.name when that is a module of ours, else pkg."""
    tree = ast.parse(source, filename=module)
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.append(Import(module, node.lineno, name if name in known else base))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(module, node.lineno, node.args[0].value))
    ours = [i for i in found if i.target == PACKAGE or i.target.startswith(PACKAGE + ".")]
    return list(dict.fromkeys(ours))  # `from x import a, b` is one import of x


def all_imports() -> tuple[list[Import], list[str]]:
    known = modules()
    found, unreadable = [], []
    for name, (path, is_package) in known.items():
        try:
            found += imports_of(path.read_text(), name, is_package=is_package, known=set(known))
        except SyntaxError as exc:
            unreadable.append(f"{name}: cannot be parsed ({exc})")
    return found, unreadable


def where(imp: Import) -> str:
    return f"{imp.module} line {imp.line} imports {imp.target}"


def layer_violations(found: list[Import]) -> list[str]:
    problems = []
    for imp in found:
        source, target = app_of(imp.module), app_of(imp.target)
        key = (imp.module, imp.line, imp.target)
        for app in sorted({source, target} - RANK.keys()):
            problems.append((*key, f"{where(imp)}: app {app!r} is not in the layer order"))
        if source in RANK and target in RANK and RANK[target] > RANK[source]:
            problems.append(
                (*key, f"{where(imp)}: {source} may not import {target} (a higher layer)")
            )
    return [message for *_, message in sorted(set(problems))]


def app_cycles(found: list[Import]) -> list[str]:
    """Cycles between apps, shortest first. Any cycle has a hop that climbs (to a higher or
    equal layer, or an app outside the order); for each such hop A -> B, the shortest way back
    from B to A closes one. Each hop names its first import (and how many
    more make the same hop)."""
    edges: dict[str, dict[str, list[Import]]] = {}
    for imp in found:
        source, target = app_of(imp.module), app_of(imp.target)
        if source != target:
            edges.setdefault(source, {}).setdefault(target, []).append(imp)

    def shortest_path(start: str, goal: str) -> list[str] | None:
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop(0)
            if path[-1] == goal:
                return path
            for nxt in sorted(edges.get(path[-1], {})):
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*path, nxt])
        return None

    def upward(source: str, target: str) -> bool:
        return RANK.get(target, len(ORDER)) >= RANK.get(source, -1)

    # Every cycle climbs somewhere; one cycle per climbing hop keeps the report short.
    cycles = {}
    for source in sorted(edges):
        for target in sorted(t for t in edges[source] if upward(source, t)):
            back = shortest_path(target, source)
            if back is None:
                continue
            apps = [source, *back[:-1]]
            first = apps.index(min(apps))  # one rotation per cycle
            cycles.setdefault(tuple(apps[first:] + apps[:first]), None)
    problems = []
    for apps in sorted(cycles, key=lambda c: (len(c), c)):
        lines = [f"cycle between apps: {' -> '.join([*apps, apps[0]])}"]
        for source, target in zip(apps, [*apps[1:], apps[0]], strict=True):
            hop = sorted(edges[source][target], key=lambda i: (i.module, i.line))
            more = f" (and {len(hop) - 1} more)" if len(hop) > 1 else ""
            lines.append(f"  {source} -> {target}: {where(hop[0])}{more}")
        problems.append("\n".join(lines))
    return problems


def test_no_app_imports_a_higher_layer():
    found, unreadable = all_imports()
    problems = unreadable + layer_violations(found)
    if problems:
        pytest.fail(
            f"{len(problems)} import(s) break the layer order:\n" + "\n".join(problems),
            pytrace=False,
        )


def test_no_cycle_between_apps():
    found, unreadable = all_imports()
    problems = unreadable + app_cycles(found)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# The checks themselves, on sources made up for them ---------------------------------------


KNOWN = {
    "callstudio.calls",
    "callstudio.calls.ingest",
    "callstudio.calls.models",
    "callstudio.analytics",
    "callstudio.analytics.rollups",
    "callstudio.core.errors",
}
SAMPLE = """
from .models import Call
from . import models
from ..analytics import rollups
from callstudio.core.errors import NotFound
import json

def later():
    from callstudio.rules.engine import run
    import callstudio.pipeline.tasks
"""


def test_imports_are_resolved_at_every_level_and_relatively():
    found = imports_of(SAMPLE, "callstudio.calls.ingest", is_package=False, known=KNOWN)
    assert [(i.line, i.target) for i in found] == [
        (2, "callstudio.calls.models"),
        (3, "callstudio.calls.models"),
        (4, "callstudio.analytics.rollups"),
        (5, "callstudio.core.errors"),
        (9, "callstudio.rules.engine"),
        (10, "callstudio.pipeline.tasks"),
    ]


def test_an_upward_import_is_named_with_its_line():
    found = imports_of(SAMPLE, "callstudio.calls.ingest", is_package=False, known=KNOWN)
    assert layer_violations(found) == [
        "callstudio.calls.ingest line 9 imports callstudio.rules.engine: "
        "calls may not import rules (a higher layer)",
        "callstudio.calls.ingest line 10 imports callstudio.pipeline.tasks: "
        "calls may not import pipeline (a higher layer)",
    ]


def test_a_cycle_is_named_with_both_directions():
    found = [
        Import("callstudio.calls.ingest", 4, "callstudio.analytics.rollups"),
        Import("callstudio.analytics.tasks", 7, "callstudio.calls.models"),
        Import("callstudio.rules.engine", 3, "callstudio.calls.models"),
    ]
    assert app_cycles(found) == [
        "cycle between apps: analytics -> calls -> analytics\n"
        "  analytics -> calls: callstudio.analytics.tasks line 7 imports callstudio.calls.models\n"
        "  calls -> analytics: callstudio.calls.ingest line 4 imports callstudio.analytics.rollups"
    ]
    assert app_cycles(found[:1] + found[2:]) == []


def test_an_app_outside_the_order_is_reported():
    found = [Import("callstudio.billing.services", 1, "callstudio.core.errors")]
    assert layer_violations(found) == [
        "callstudio.billing.services line 1 imports callstudio.core.errors: "
        "app 'billing' is not in the layer order"
    ]


def test_the_walk_sees_the_real_tree():
    found, unreadable = all_imports()
    assert unreadable == []
    pairs = {(i.module, i.target) for i in found}
    assert ("callstudio.access.policy", "callstudio.orgs.models") in pairs
    assert ("callstudio.directory.services", "callstudio.directory.services.teams") in pairs


# Views and endpoints read tenant data through selectors ------------------------------------

THIN = ["web/views", "api/routers"]
MANAGERS = {"objects", "_default_manager", "_base_manager"}
# module -> why it may reach a model manager itself. Empty: every read goes through a selector
# (which starts from the access object), every write through a service.
ORM_ALLOWED: dict[str, str] = {}


def manager_uses(source: str, module: str) -> list[str]:
    tree = ast.parse(source, filename=module)
    return [
        f"{module} line {node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS
    ]


def test_views_and_endpoints_do_not_query_the_orm():
    problems = []
    for folder in THIN:
        for path in sorted((SRC / folder).rglob("*.py")):
            module = ".".join([PACKAGE, *path.relative_to(SRC).with_suffix("").parts])
            if module not in ORM_ALLOWED:
                problems += manager_uses(path.read_text(), module)
    if problems:
        pytest.fail(
            "views and endpoints must call a selector or a service, not a model manager:\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_a_manager_use_is_found():
    source = "def view(request, access):\n    return Team.objects.filter(id=1)\n"
    assert manager_uses(source, "callstudio.web.views.x") == [
        "callstudio.web.views.x line 2: .objects"
    ]
    assert ORM_ALLOWED.keys() <= set(modules())
