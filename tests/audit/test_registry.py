"""Audit actions are declared once (core/audit_actions.py): every action a service writes is
declared, an undeclared one is refused, and the docs list is the registry's."""

import ast
import re
from pathlib import Path

import pytest

from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AUDIT_ACTIONS, AuditAction, UndeclaredAuditAction
from callstudio.core.models import AuditLogEntry

SRC = Path(__file__).resolve().parents[2] / "src" / "callstudio"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _action_values(node, module: ast.Module, func: ast.FunctionDef | None) -> list[str]:
    """The action names an expression passed as `action` can take. A parameter of the enclosing
    function (a wrapper such as `_audit(access, action, ...)`) is followed to every call of that
    wrapper in the module. Anything else is an error: actions are literals or constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _action_values(node.body, module, func) + _action_values(node.orelse, module, func)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "AuditAction"
    ):
        member = getattr(AuditAction, node.attr, None)
        assert member is not None, f"AuditAction.{node.attr} does not exist"
        return [member.value]
    if isinstance(node, ast.Name) and func is not None:
        params = [a.arg for a in func.args.args]
        kwonly = [a.arg for a in func.args.kwonlyargs]
        assert node.id in params + kwonly, f"action {node.id!r} is not a parameter of {func.name}"
        found = []
        for call in ast.walk(module):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == func.name):
                continue
            arg = next((k.value for k in call.keywords if k.arg == node.id), None)
            if arg is None and node.id in params and params.index(node.id) < len(call.args):
                arg = call.args[params.index(node.id)]
            assert arg is not None, f"a call of {func.name} passes no {node.id}"
            found += _action_values(arg, module, _enclosing(module, call))
        assert found, f"{func.name} is never called"
        return found
    raise AssertionError(f"audit action given as {ast.dump(node)}: use an AuditAction constant")


def _enclosing(module: ast.Module, target: ast.AST) -> ast.FunctionDef | None:
    for fn in ast.walk(module):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            n is target for n in ast.walk(fn)
        ):
            inner = [
                f
                for f in ast.walk(fn)
                if f is not fn
                and isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and any(n is target for n in ast.walk(f))
            ]
            return inner[-1] if inner else fn
    return None


def written_actions() -> dict[str, set[str]]:
    """Every action name passed to audit_record anywhere in src, with the files writing it."""
    written: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        module = ast.parse(path.read_text(), filename=str(path))
        for call in ast.walk(module):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if name != "audit_record" or path.name == "audit.py" and "core" in path.parts:
                continue
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            assert action is not None, f"{path}: audit_record without action="
            for value in _action_values(action, module, _enclosing(module, call)):
                written.setdefault(value, set()).add(str(path.relative_to(SRC)))
    return written


def test_every_action_written_in_src_is_declared():
    written = written_actions()
    # The scan sees the services of every area that audits.
    areas = {p.split("/")[0] for paths in written.values() for p in paths}
    # (organization services live in orgs/ or, once split by entity, in directory/)
    assert {"accounts", "access", "calls", "rules"} <= areas and areas & {"orgs", "directory"}
    assert {"team.create", "alert_rule.update", "key.revoke", "account.create"} <= set(written)
    undeclared = sorted(set(written) - set(AUDIT_ACTIONS))
    assert undeclared == [], f"written but not declared in AuditAction: {undeclared}"


def test_recording_an_undeclared_action_raises_and_writes_nothing(world):
    before = AuditLogEntry.objects.count()
    with pytest.raises(UndeclaredAuditAction):
        audit_record(
            actor=world["admin"].account,
            action="team.explode",
            target=world.team,
            organization=world.org,
        )
    assert AuditLogEntry.objects.count() == before


def test_declared_constants_are_stored_as_their_plain_name(world):
    entry = audit_record(
        actor=world["admin"].account,
        action=AuditAction.TEAM_UPDATE,
        target=world.team,
        organization=world.org,
        team=world.team,
    )
    stored = AuditLogEntry.objects.get(id=entry.id)
    assert stored.action == "team.update" and type(stored.action) is str


def test_every_declared_action_has_a_label_and_a_description():
    for action in AuditAction:
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", action.value), action.value
        assert action.label and action.label[0].isupper() and not action.label.endswith(".")
        assert action.description.endswith(".")
    assert len({a.label for a in AuditAction}) == len(AuditAction)


def test_docs_list_the_registry_exactly():
    text = DOCS.read_text()
    block = text.split("<!-- audit-actions:start -->")[1].split("<!-- audit-actions:end -->")[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \| (.+?) \|$", block, flags=re.M)
    assert rows == [(a.value, a.label, a.description) for a in AuditAction]
