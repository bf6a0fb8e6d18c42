"""Two deprovisionings of the last two Admins at once (an IdP's parallel workers): one wins,
the other is refused, and the organization keeps an active Admin. Real concurrent
transactions on a real database (file-backed SQLite in WAL mode, or PostgreSQL)."""

import threading

import pytest
from django.db import connection

from callstudio.access.policy import org_access
from callstudio.directory.services import org_member_add, organization_create
from callstudio.orgs.models import OrgMembership
from callstudio.scim.actor import scim_org_access
from callstudio.scim.http import ScimError
from callstudio.scim.user_services import delete_user, replace_user
from callstudio.scim.users import clean_user, member_by_id, writable
from tests.conftest import make_account

from .conftest import make_scim_token


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            call()
            results[i] = "ok"
        except ScimError as exc:
            results[i] = (exc.status, exc.scim_type)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["patch", "delete"])
def test_the_last_two_admins_deprovisioned_at_once_leave_one(how):
    a, b = make_account(f"a-{how}@race.test"), make_account(f"b-{how}@race.test")
    org = organization_create(actor=a, name="Race")
    org_member_add(access=org_access(a, org.id), account_id=b.account_id, role="admin")
    token, _ = make_scim_token(org)

    def deprovision(account):
        membership = member_by_id(org.id, account.account_id)
        if how == "delete":
            return lambda: delete_user(scim_org_access(token), token, membership)
        user = clean_user({**writable(membership), "active": False})
        return lambda: replace_user(scim_org_access(token), token, membership, user)

    results = run_together(deprovision(a), deprovision(b))
    assert sorted(results, key=str) == [(409, "mutability"), "ok"], results
    assert (
        OrgMembership.objects.filter(organization=org, role="admin", status="active").count() == 1
    )
