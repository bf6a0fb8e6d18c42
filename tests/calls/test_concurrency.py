"""The same call resent by many clients at the same moment is stored once."""

import pytest

from callstudio.access.policy import org_access
from callstudio.calls.ingest import ingest_one
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.directory.services import organization_create, team_create
from tests.conftest import make_account
from tests.orgs.test_races import run_together

from .conftest import call_body


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_store_one_call():
    admin = make_account("admin@race.test")
    org = organization_create(actor=admin, name="Race")
    team = team_create(access=org_access(admin, org.id), name="Calls")
    call = CallIn.model_validate(call_body("same"))
    results = run_together(*[lambda: ingest_one(team=team, call=call) for _ in range(6)])
    assert all(status == "ok" for status, _ in results), results
    outcomes = [value for _, value in results]
    assert sorted(created for _, created in outcomes) == [False] * 5 + [True]
    assert len({call_id for call_id, _ in outcomes}) == 1
    assert Call.objects.filter(team=team).count() == 1
