"""Two deprovisionings of the last two Admins at once (an IdP's parallel workers): one wins,
the other is refused, and the organization keeps an active Admin. Real concurrent
transactions on a real database (file-backed SQLite in WAL mode, or PostgreSQL)."""

import pytest

from callstudio.access.policy import org_access
from callstudio.directory.services import org_member_add, organization_create
from callstudio.orgs.models import OrgMembership
from callstudio.scim.actor import scim_org_access
from callstudio.scim.http import ScimError
from callstudio.scim.user_services import delete_user, replace_user
from callstudio.scim.users import clean_user, member_by_id, writable
from tests.conftest import make_account
from tests.orgs.test_races import run_together

from .conftest import make_scim_token


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

    results = run_together(
        deprovision(a),
        deprovision(b),
        errors=(ScimError,),
        describe=lambda e: (e.status, e.scim_type),
    )
    outcomes = ["ok" if r[0] == "ok" else r for r in results]
    assert sorted(outcomes, key=str) == [(409, "mutability"), "ok"], results
    assert (
        OrgMembership.objects.filter(organization=org, role="admin", status="active").count() == 1
    )
