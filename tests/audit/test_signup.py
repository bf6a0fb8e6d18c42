"""The browser's sign-up (allauth's page) and `POST /api/v1/accounts` make accounts through the
same service, `account_create`: the same audit entry, the same open-sign-up setting, the same
rate limit."""

from django.test import Client, override_settings

from callstudio.accounts.models import Account
from callstudio.core.models import AuditLogEntry
from tests.conftest import Api
from tests.helpers import assert_problem, fingerprint

PASSWORD = "a long passphrase 9"


def browser_sign_up(email: str, name: str = "Neo", client: Client | None = None):
    return (client or Client()).post(
        "/accounts/signup/",
        {"email": email, "name": name, "password1": PASSWORD, "password2": PASSWORD},
    )


def api_sign_up(email: str, name: str = "Neo"):
    return Api().post("/api/v1/accounts", {"email": email, "password": PASSWORD, "name": name})


def entry_of(account: Account) -> dict:
    """The account's sign-up entry, with the account's own values named, not compared. (The
    browser's sign-up also signs in: that is an `account.login` entry of its own.)"""
    entries = list(
        AuditLogEntry.objects.filter(target_id=account.account_id, action="account.create").values(
            "organization_id",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "team_id",
            "before",
            "after",
        )
    )
    assert len(entries) == 1, entries
    (entry,) = entries
    own = {account.id: "<pk>", account.account_id: "<account_id>", account.email: "<email>"}
    return {k: own.get(v, v) for k, v in entry.items()}


def test_browser_sign_up_writes_the_same_audit_entry_as_the_api(db):
    response = browser_sign_up("Neo@Example.test", name="Neo")
    assert response.status_code == 302
    assert api_sign_up("trinity@example.test", name="Trinity").status_code == 201
    neo = Account.objects.get(email="neo@example.test")
    trinity = Account.objects.get(email="trinity@example.test")
    assert neo.name == "Neo" and neo.check_password(PASSWORD)
    assert (
        entry_of(neo)
        == entry_of(trinity)
        == {
            "organization_id": None,
            "actor_id": "<pk>",
            "actor_label": "<email>",
            "action": "account.create",
            "target_type": "account",
            "target_id": "<account_id>",
            "target_label": "<email>",
            "team_id": None,
            "before": None,
            "after": None,
        }
    )
    # Signed in, like any allauth sign-up.
    assert Client().login(username="neo@example.test", password=PASSWORD)


@override_settings(CALLSTUDIO_OPEN_SIGNUP=False)
def test_closed_sign_up_refuses_both_and_changes_nothing(db):
    before = fingerprint()
    page = browser_sign_up("neo@example.test")
    assert page.status_code == 200 and "closed" in page.content.decode().lower()
    assert_problem(api_sign_up("trinity@example.test"), 403)
    assert fingerprint() == before
    assert not Account.objects.exists()


@override_settings(CALLSTUDIO_SIGNUP_FAILURES=2)
def test_the_sign_up_rate_limit_counts_both_ways(db):
    """Failures refused by the service through the API count for the browser too."""
    for _ in range(2):
        assert_problem(api_sign_up("taken@", name="X"), 422, field="email")
    before = fingerprint()
    response = browser_sign_up("neo@example.test")
    assert response.status_code == 429
    assert fingerprint() == before


def test_a_refusal_from_the_service_comes_back_as_the_forms_error(db, monkeypatch):
    """An email taken between the form's check and the insert (another sign-up won the race)."""
    from allauth.account.forms import SignupForm

    clean = SignupForm.clean

    def clean_then_lose_the_race(self):
        data = clean(self)
        if not self.errors:
            assert api_sign_up("neo@example.test", name="First").status_code == 201
        return data

    monkeypatch.setattr(SignupForm, "clean", clean_then_lose_the_race)
    response = browser_sign_up("neo@example.test", name="Second")
    assert response.status_code == 409
    assert "An account with this email already exists." in response.content.decode()
    assert list(Account.objects.values_list("name", flat=True)) == ["First"]
    assert AuditLogEntry.objects.filter(action="account.create").count() == 1
