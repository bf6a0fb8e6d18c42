"""PRODUCT §7.7 names: NFC-normalized; format (Cf: bidi controls, zero-width) and control (Cc)
characters refused with 422 naming the field, on every API that takes a name; team and role names
unique in an organization by their TR39 confusable skeleton (409 `duplicate`), held by a unique
constraint so a race cannot slip through."""

import importlib

import pytest
from django.db import IntegrityError, transaction

from callstudio.access.models import Role
from callstudio.core.validation import clean_name, name_case_skeleton, name_skeleton
from callstudio.orgs.models import Team
from tests.conftest import PASSWORD
from tests.helpers import assert_problem, assert_unchanged, fingerprint

KEYWORD = {"type": "keyword", "phrases": ["refund"]}
BAD_NAMES = {
    "right-to-left override": "Billing\u202etxt.exe",
    "left-to-right isolate": "Bil\u2066ling",
    "zero-width space": "Bil\u200bling",
    "zero-width joiner": "Bil\u200dling",
    "byte order mark": "\ufeffBilling",
    "soft hyphen": "Bil\u00adling",
    "escape": "Bil\x1bling",
    "bell": "Bil\x07ling",
    "tab": "Bil\tling",
    "delete": "Bil\x7fling",
}


def creates(world):
    """Every API that takes a name: (path, body builder, who, field)."""
    team_url, org_url = world.team_url, world.org_url
    return {
        "team": (f"{org_url}/teams", lambda n: {"name": n}, "admin"),
        "role": (
            f"{org_url}/roles",
            lambda n: {"name": n, "scope": "team", "permissions": ["team.read"]},
            "admin",
        ),
        "key": (f"{org_url}/api-keys", lambda n: {"name": n}, "admin"),
        "rule": (f"{team_url}/alert-rules", lambda n: {"name": n, "condition": KEYWORD}, "admin"),
        "automation": (
            f"{team_url}/automations",
            lambda n: {
                "name": n,
                "trigger": "call.ingested",
                "conditions": [],
                "actions": [{"type": "add_tag", "tag": "x"}],
            },
            "admin",
        ),
        "organization": ("/api/v1/orgs", lambda n: {"name": n}, "admin"),
        "account": (
            "/api/v1/accounts",
            lambda n: {"email": "new@acme.test", "password": PASSWORD, "name": n},
            None,
        ),
        "token": (
            "/api/v1/auth/tokens",
            lambda n: {"email": "admin@acme.test", "password": PASSWORD, "name": n},
            None,
        ),
    }


KINDS = ["team", "role", "key", "rule", "automation", "organization", "account", "token"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", sorted(BAD_NAMES))
def test_format_and_control_characters_in_a_name_are_422_naming_the_field(world, kind, what):
    path, body, who = creates(world)[kind]
    before = fingerprint()
    response = world.api(who).post(path, body(BAD_NAMES[what]))
    assert_problem(response, 422, field="name")
    assert_unchanged(before, kind, what)


@pytest.mark.parametrize("kind", KINDS)
def test_names_are_stored_nfc_normalized(world, kind):
    path, body, who = creates(world)[kind]
    response = world.api(who).post(path, body("Cafe\u0301 Team"))  # e + combining acute
    assert response.status_code in (200, 201), response.content
    assert response.json()["name"] == "Caf\u00e9 Team"


def test_nfc_and_the_validator_directly():
    assert clean_name("  Cafe\u0301  ") == "Caf\u00e9"
    assert name_skeleton("Вilling") == name_skeleton("Billing")  # Cyrillic В
    assert name_skeleton("Bi11ing") == name_skeleton("Billing")
    assert name_skeleton("Retention") != name_skeleton("Billing")
    # The second key: case-alike, and look-alike in other capitals (Cyrillic В, Cyrillic і).
    for name in ("billing", "BILLING", "ВILLING", "вilling", "B\u0456LLING", "Bi11ing"):
        assert name_case_skeleton(name) == name_case_skeleton("Billing"), name
    assert name_case_skeleton("Возвраты") == name_case_skeleton("ВОЗВРАТЫ")
    assert name_case_skeleton("Retention") != name_case_skeleton("Billing")


@pytest.mark.parametrize(
    "name",
    [
        "Вilling",
        "Bi11ing",
        "BILLING",
        "B\u0456lling",
        # Look-alikes that differ in case too: Cyrillic В, Cyrillic і, both, in capitals.
        "ВILLING",
        "B\u0456LLING",
        "ВILLING".lower(),
        "ВI11ING",
    ],
)
def test_a_team_name_confusable_with_another_is_409_duplicate(world, name):
    before = fingerprint()
    response = world.api("admin").post(f"{world.org_url}/teams", {"name": name})
    assert_problem(response, 409, field="name", code="duplicate")
    assert_unchanged(before, name)
    if name.casefold() != "billing":  # a look-alike, not the same name: says which it looks like
        message = "This name looks like the team “Billing” already in the organization."
        assert response.json()["errors"][0]["message"] == message


def test_names_differing_only_by_i_and_l_are_look_alikes_named_in_the_refusal(world):
    response = world.api("admin").post(f"{world.org_url}/teams", {"name": "Mail"})
    assert response.status_code == 201, response.content
    response = world.api("admin").post(f"{world.org_url}/teams", {"name": "Mall"})
    assert_problem(response, 409, field="name", code="duplicate")
    message = "This name looks like the team “Mail” already in the organization."
    assert response.json()["errors"][0]["message"] == message


def test_renaming_a_team_to_a_confusable_name_is_409(world):
    for name in ("Вilling", "ВILLING"):
        before = fingerprint()
        response = world.api("admin").patch(
            f"{world.org_url}/teams/{world.other_team.id}", {"name": name}
        )
        assert_problem(response, 409, field="name", code="duplicate")
        assert_unchanged(before, name)
    # Its own name with a confusable swap is not a clash with itself.
    ok = world.api("admin").patch(f"{world.org_url}/teams/{world.team.id}", {"name": "Bi11ing"})
    assert ok.status_code == 200 and Team.objects.get(id=world.team.id).name == "Bi11ing"


@pytest.mark.parametrize("kind", ["team", "role"])
@pytest.mark.parametrize(
    "first,second",
    [("Возвраты", "ВОЗВРАТЫ"), ("ВОЗВРАТЫ", "возвраты"), ("Κέντρο", "ΚΈΝΤΡΟ")],
)
def test_names_in_another_alphabet_differing_only_in_case_clash_on_every_database(
    world, kind, first, second
):
    """SQL's case-insensitive comparison is ASCII-only on SQLite; the second key is not."""
    path, body, who = creates(world)[kind]
    assert world.api(who).post(path, body(first)).status_code == 201
    before = fingerprint()
    assert_problem(world.api(who).post(path, body(second)), 409, field="name", code="duplicate")
    assert_unchanged(before, kind, second)


def test_a_different_name_is_accepted_and_other_organizations_are_not_a_clash(world):
    response = world.api("admin").post(f"{world.org_url}/teams", {"name": "Support"})
    assert response.status_code == 201
    support = Team.objects.get(id=response.json()["id"])
    assert support.name_skeleton == name_skeleton("Support")
    assert support.name_case_skeleton == name_case_skeleton("Support")
    foreign = world.api("foreign_admin").post(
        f"/api/v1/orgs/{world.foreign_org.id}/teams", {"name": "Вilling"}
    )
    assert foreign.status_code == 201, foreign.content


@pytest.mark.parametrize(
    "name",
    [
        "QА Reviewer",
        "QA Revіewer",
        "Аdmin",
        "Ѕupervisor",
        # Look-alikes that differ in case too (Cyrillic І, Cyrillic Ѕ, Cyrillic А).
        "QA REVІEWER",
        "ЅUPERVISOR",
        "АDMIN",
    ],
)
def test_a_role_name_confusable_with_another_or_a_builtin_is_409(world, name):
    before = fingerprint()
    response = world.api("admin").post(
        f"{world.org_url}/roles", {"name": name, "scope": "team", "permissions": ["team.read"]}
    )
    assert_problem(response, 409, field="name", code="duplicate")
    assert_unchanged(before, name)


def test_the_database_refuses_a_confusable_team_or_role_even_past_the_service(world):
    """What makes a race safe: two requests passing the check at once cannot both insert."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organization=world.org, name="Вilling")
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(
            organization=world.org, name="QА Reviewer", scope="team", permissions=["team.read"]
        )
    # The second key has its own constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organization=world.org, name="ВILLING")
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(
            organization=world.org, name="QA REVІEWER", scope="team", permissions=["team.read"]
        )


def test_the_migration_backfills_skeletons_and_keeps_existing_clashes_apart(world):
    """Rows from before the column: each gets its skeleton; of two existing names that already
    share one, the older keeps it and the newer gets it suffixed (nothing is renamed)."""
    from django.apps import apps

    backfill = importlib.import_module("callstudio.orgs.migrations.0005_team_name_skeleton")
    # What a database from before looks like: a pair that clashes, stored without skeletons.
    Team.objects.filter(id=world.other_team.id).update(name="Вilling", name_skeleton="old-1")
    Team.objects.filter(id=world.team.id).update(name_skeleton="old-2")
    backfill.backfill(apps, None)
    billing, lookalike = (
        Team.objects.get(id=world.team.id),
        Team.objects.get(id=world.other_team.id),
    )
    assert billing.name_skeleton == name_skeleton("Billing")
    assert lookalike.name == "Вilling"
    assert lookalike.name_skeleton == f"{name_skeleton('Billing')}\x1f{lookalike.id}"
    roles = importlib.import_module("callstudio.access.migrations.0003_role_name_skeleton")
    Role.objects.filter(id=world.custom_role.id).update(name_skeleton="old-3")
    roles.backfill(apps, None)
    assert Role.objects.get(id=world.custom_role.id).name_skeleton == name_skeleton("QA Reviewer")


def test_the_second_keys_migrations_backfill_it_and_keep_existing_clashes_apart(world):
    """Rows from before the second key: each gets it; of two existing names that already share
    it ("billing" and "ВILLING", both accepted before), the older keeps it and the newer gets it
    suffixed (nothing is renamed)."""
    from django.apps import apps

    teams = importlib.import_module("callstudio.orgs.migrations.0008_team_name_case_skeleton")
    Team.objects.filter(id=world.other_team.id).update(name="ВILLING", name_case_skeleton="old-1")
    Team.objects.filter(id=world.team.id).update(name_case_skeleton="old-2")
    teams.backfill(apps, None)
    billing, lookalike = (
        Team.objects.get(id=world.team.id),
        Team.objects.get(id=world.other_team.id),
    )
    assert billing.name_case_skeleton == name_case_skeleton("Billing")
    assert lookalike.name == "ВILLING"
    assert lookalike.name_case_skeleton == f"{name_case_skeleton('Billing')}\x1f{lookalike.id}"
    roles = importlib.import_module("callstudio.access.migrations.0004_role_name_case_skeleton")
    Role.objects.filter(id=world.custom_role.id).update(name_case_skeleton="old-3")
    roles.backfill(apps, None)
    role = Role.objects.get(id=world.custom_role.id)
    assert role.name_case_skeleton == name_case_skeleton("QA Reviewer")
