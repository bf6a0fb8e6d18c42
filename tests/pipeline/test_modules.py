"""The layering the pipeline's move was for: analytics knows nothing above it (not even
lazily), calls reaches the pipeline only through its signal, and the pipeline's own modules do
not import each other in a circle (the analysis pass hands deliveries to delivery.py, not to
tasks.py, which runs the pass)."""

import ast
from pathlib import Path

import callstudio

SRC = Path(callstudio.__file__).resolve().parent


def imports(path: Path) -> set[str]:
    """Every module this file imports, at the top or inside a function, made absolute."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                names = [] if node.module else [a.name for a in node.names]
                found |= {module} | {f"{module}.{n}" for n in names}
            else:
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def app_modules(app: str):
    for path in sorted((SRC / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_analytics_imports_nothing_above_it():
    above = ("callstudio.calls", "callstudio.rules", "callstudio.pipeline")
    found = {
        f"{path.relative_to(SRC)} imports {name}"
        for path in app_modules("analytics")
        for name in imports(path)
        if name.startswith(above)
    }
    assert found == set()


def test_calls_does_not_import_the_pipeline():
    found = {
        f"{path.relative_to(SRC)} imports {name}"
        for path in app_modules("calls")
        for name in imports(path)
        if name.startswith(("callstudio.pipeline", "callstudio.rules"))
    }
    assert found == set()


def test_no_import_cycle_between_the_pipelines_modules():
    modules = {
        ".".join(p.relative_to(SRC.parent).with_suffix("").parts): p
        for p in app_modules("pipeline")
    }
    graph = {m: {i for i in imports(p) if i in modules and i != m} for m, p in modules.items()}

    def cycle_from(start):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return path
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = {m: c for m in graph if (c := cycle_from(m))}
    assert cycles == {}
    # What the graph is made of (so a scan that saw nothing could not pass).
    assert "callstudio.pipeline.delivery" in graph["callstudio.pipeline.analysis"]
    assert "callstudio.pipeline.analysis" in graph["callstudio.pipeline.tasks"]
