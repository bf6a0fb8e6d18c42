"""Concurrent requests on a real database (file-backed SQLite in WAL mode, or PostgreSQL)."""

import threading

import pytest
from django.db import connection

from callstudio.access.policy import org_access
from callstudio.core.errors import DomainError
from callstudio.directory.services import (
    org_member_add,
    org_member_change_role,
    organization_create,
    team_create,
)
from callstudio.orgs.models import OrgMembership, Team
from tests.conftest import make_account


def run_together(*calls, errors=(DomainError,), describe=lambda exc: (exc.status, exc.detail)):
    """Start every call at the same moment, each in its own thread and connection. Each result
    is ("ok", what the call returned) or `describe(the error)` for one of `errors`."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = ("ok", call())
        except errors as exc:
            results[i] = describe(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_admins_demoting_each_other_at_once_leave_one_admin(attempt):
    a, b = make_account(f"a{attempt}@race.test"), make_account(f"b{attempt}@race.test")
    org = organization_create(actor=a, name="Race")
    org_member_add(access=org_access(a, org.id), account_id=b.account_id, role="admin")
    access_a, access_b = (
        org_access(a, org.id),
        org_access(b, org.id),
    )  # both computed before either acts
    results = run_together(
        lambda: org_member_change_role(access=access_a, account_id=b.account_id, role="member"),
        lambda: org_member_change_role(access=access_b, account_id=a.account_id, role="member"),
    )
    assert sorted(r[0] for r in results if r[0] != "ok") in ([403], [409]), results
    assert [r[0] for r in results].count("ok") == 1
    assert (
        OrgMembership.objects.filter(organization=org, role="admin", status="active").count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_teams_created_with_one_name_at_once_make_one_team():
    admin = make_account("admin@race.test")
    org = organization_create(actor=admin, name="Race")
    access = org_access(admin, org.id)
    results = run_together(
        *[lambda n=n: team_create(access=access, name=n) for n in ("Sales", "SALES", "sales")]
    )
    assert [r[0] for r in results].count("ok") == 1
    assert sorted(r[0] for r in results if r[0] != "ok") == [409, 409]
    assert Team.objects.filter(organization=org).count() == 1
