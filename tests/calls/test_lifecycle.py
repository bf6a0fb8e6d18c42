"""calls/lifecycle.py is the only code that writes a call's `archived`, `agent_id` or
`analyzed_at` (the fields that decide where a call counts in the rollups). The scan reads every
module of the project and fails on a write of those fields anywhere else; the rollups' own
behaviour through each change is held by tests/analytics/test_rollups.py."""

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction

from callstudio.calls import lifecycle
from callstudio.calls.models import Call

SRC = Path(lifecycle.__file__).resolve().parents[1]  # src/callstudio
CHOKE_POINT = Path(lifecycle.__file__).resolve()
FIELDS = {"archived", "agent_id", "analyzed_at", "agent"}
# Queryset and model methods that store the keyword arguments they are given.
WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}
RAW_SET = re.compile(r"\bSET\b.*\b(archived|agent_id|analyzed_at)\b", re.IGNORECASE | re.DOTALL)


def _names_in(node) -> set[str]:
    """String constants of a list/tuple/set literal (bulk_update's fields, update_fields)."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant)}
    return set()


def _sql_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every write of a guarded field in this module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and t.attr in FIELDS:
                        found.append((node.lineno, f"assigns .{t.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITING_METHODS or name == "Call":
                for kw in node.keywords:
                    if kw.arg in FIELDS:
                        found.append((node.lineno, f"{name}({kw.arg}=...)"))
                    if kw.arg is None and isinstance(kw.value, ast.Dict):
                        keys = {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
                        for field in sorted(keys & FIELDS):
                            found.append((node.lineno, f"{name}(**{{{field!r}: ...}})"))
            if name == "bulk_update" and len(node.args) > 1:
                for field in sorted(_names_in(node.args[1]) & FIELDS):
                    found.append((node.lineno, f"bulk_update([{field!r}])"))
            for kw in node.keywords:
                if kw.arg == "update_fields" or (name == "bulk_update" and kw.arg == "fields"):
                    for field in sorted(_names_in(kw.value) & FIELDS):
                        found.append((node.lineno, f"{kw.arg}=[{field!r}]"))
            if name == "setattr" and len(node.args) > 1:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and arg.value in FIELDS:
                    found.append((node.lineno, f"setattr(..., {arg.value!r})"))
        sql = _sql_text(node)
        if sql is not None and RAW_SET.search(sql) and "UPDATE" in sql.upper():
            found.append((node.lineno, "raw SQL UPDATE ... SET of a guarded field"))
    return found


def project_modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.resolve() == CHOKE_POINT:
            continue
        yield path


def test_no_module_but_the_choke_point_writes_the_guarded_fields():
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line}: {what}"
        for path in project_modules()
        for line, what in writes(path.read_text())
    ]
    assert offenders == [], "write these fields through callstudio.calls.lifecycle:\n" + "\n".join(
        offenders
    )


def test_the_scan_covers_the_modules_that_used_to_write_them():
    scanned = {str(p.relative_to(SRC)) for p in project_modules()}
    assert {"calls/ingest.py", "calls/services.py", "rules/engine.py"} <= scanned
    assert "calls/lifecycle.py" not in scanned
    # ... and the choke point itself is seen writing them (the scan reads what it should).
    assert {what for _, what in writes(CHOKE_POINT.read_text())} >= {
        "assigns .archived",
        "assigns .agent_id",
        "assigns .analyzed_at",
        "update(archived=...)",
        "update(agent_id=...)",
    }
    # The analysis pass's write goes through one UPDATE of these columns (lifecycle._update_rows).
    assert {"archived", "analyzed_at"} <= set(lifecycle.ANALYSED_FIELDS)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("call.archived = True", "assigns .archived"),
        ("a.b.agent_id += 1", "assigns .agent_id"),
        ("call.agent = someone", "assigns .agent"),
        ("Call.objects.filter(id=1).update(analyzed_at=None)", "update(analyzed_at=...)"),
        ("qs.update(**{'archived': False})", "update(**{'archived': ...})"),
        ("Call.objects.create(team=t, agent_id=3)", "create(agent_id=...)"),
        ("Call(team=t, archived=True)", "Call(archived=...)"),
        ("Call.objects.bulk_update(calls, ['tags', 'archived'])", "bulk_update(['archived'])"),
        ("call.save(update_fields=['agent_id'])", "update_fields=['agent_id']"),
        ("Call.objects.bulk_update(calls, fields=('analyzed_at',))", "fields=['analyzed_at']"),
        ("setattr(call, 'analyzed_at', now)", "setattr(..., 'analyzed_at')"),
        (
            "cursor.execute('UPDATE calls_call SET archived = 1 WHERE id = %s', [1])",
            "raw SQL UPDATE ... SET of a guarded field",
        ),
        (
            "cursor.execute(f'UPDATE {table} SET agent_id = %s', [1])",
            "raw SQL UPDATE ... SET of a guarded field",
        ),
    ],
)
def test_the_scan_finds_each_kind_of_write(source, what):
    assert [w for _, w in writes(source)] == [what]


@pytest.mark.parametrize(
    "source",
    [
        "Call.objects.filter(archived=False, agent_id=3, analyzed_at__isnull=True)",
        "team.archived_at = now",
        "call_set_archived(access=a, call_id=1, archived=True)",
        "x = {'archived': c.archived, 'agent_id': c.agent_id}",
        "Call.objects.only('archived', 'analyzed_at')",
        "models.Index(fields=['team', 'agent', 'archived'], name='call_agent_list')",
    ],
)
def test_reads_are_not_writes(source):
    assert writes(source) == []


def test_changes_refuse_to_run_outside_a_transaction(transactional_db):
    call = Call(id=1)
    with pytest.raises(RuntimeError):
        lifecycle.set_archived(call=call, archived=True)
    with pytest.raises(RuntimeError):
        lifecycle.link_agent_calls(team_id="team_x", account_pk=1, refs=["email:x"])
    with pytest.raises(RuntimeError):
        lifecycle.mark_analysed([call], now=None)


def test_an_analysed_call_is_not_archived_on_arrival(world):
    from django.utils import timezone

    call = Call(team=world.team, organization=world.org, analyzed_at=timezone.now())
    with pytest.raises(ValueError):
        lifecycle.archive_on_arrival(call)
    assert call.archived is False
    with transaction.atomic(), pytest.raises(ValueError):
        lifecycle.mark_analysed([call], now=timezone.now())
