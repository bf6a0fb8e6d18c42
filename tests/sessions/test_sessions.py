"""Browser sessions: listed (`current` for the one asking), revocable one by one or "everywhere
else", 24 hours idle or 14 days after sign-in at most, last seen written once a minute."""

import time

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from callstudio.accounts.sessions import STARTED, clear_ended_user_sessions
from callstudio.core.models import AuditLogEntry
from tests.conftest import PASSWORD, Api, person
from tests.helpers import assert_problem

from .conftest import browser, is_signed_in, sign_in


def test_sessions_list_marks_the_current_one(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    sign_in(owner.account.email, address="203.0.113.9", agent="Chrome/139 (Windows NT 10.0)")
    items = here.get("/api/v1/me/sessions").json()["items"]
    assert sorted((s["ip"], s["current"]) for s in items) == [
        ("198.51.100.1", True),
        ("203.0.113.9", False),
    ]
    assert set(items[0]) == {"id", "created_at", "last_seen_at", "ip", "user_agent", "current"}
    # A token caller is no session: nothing is current.
    by_token = Api(owner.token).get("/api/v1/me/sessions").json()
    assert by_token["next_cursor"] is None
    assert [s["current"] for s in by_token["items"]] == [False, False]


def test_revoking_a_session_signs_that_browser_out(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    there = sign_in(owner.account.email, address="203.0.113.9")
    other = next(s for s in here.get("/api/v1/me/sessions").json()["items"] if not s["current"])
    assert Api(owner.token).delete(f"/api/v1/me/sessions/{other['id']}").status_code == 204
    assert not is_signed_in(there)
    assert is_signed_in(here)
    entry = AuditLogEntry.objects.get(action="session.revoke")
    assert entry.target_type == "session" and entry.target_id == other["id"]
    assert "203.0.113.9" in entry.target_label


def test_another_accounts_session_is_404_and_stays(owner):
    stranger = person("stranger@acme.test")
    theirs = sign_in("stranger@acme.test", address="192.0.2.1")
    session = UserSession.objects.get(user=stranger.account)
    rows = list(UserSession.objects.values_list("pk", "session_key").order_by("pk"))
    for session_id in (str(session.pk), "0", "abc", "-1"):
        response = Api(owner.token).delete(f"/api/v1/me/sessions/{session_id}")
        assert_problem(response, 404)
    assert list(UserSession.objects.values_list("pk", "session_key").order_by("pk")) == rows
    assert is_signed_in(theirs)
    assert not AuditLogEntry.objects.filter(action="session.revoke").exists()


def test_sign_out_everywhere_else_keeps_this_browser(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    there = [sign_in(owner.account.email, address=f"203.0.113.{i}") for i in (1, 2)]
    page = here.get("/profile/sessions")
    assert page.status_code == 200 and b"Sign out everywhere else" in page.content
    assert here.get("/profile/sessions/revoke-others").status_code == 200
    assert here.post("/profile/sessions/revoke-others").status_code == 302
    assert is_signed_in(here)
    assert not any(is_signed_in(c) for c in there)
    assert AuditLogEntry.objects.filter(action="session.revoke").count() == 2
    assert Api(owner.token).get("/api/v1/me").status_code == 200  # tokens are not sessions


def test_the_sessions_page_revokes_one_row(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    there = sign_in(owner.account.email, address="203.0.113.9")
    other = UserSession.objects.get(user=owner.account, ip="203.0.113.9")
    confirm = here.get(f"/profile/sessions/{other.pk}/revoke")
    assert confirm.status_code == 200 and b"203.0.113.9" in confirm.content
    assert here.post(f"/profile/sessions/{other.pk}/revoke").status_code == 302
    assert not is_signed_in(there) and is_signed_in(here)
    stranger_session = UserSession.objects.create(
        user=person("stranger@acme.test").account, ip="192.0.2.1", session_key="theirs"
    )
    assert here.get(f"/profile/sessions/{stranger_session.pk}/revoke").status_code == 404
    here.post(f"/profile/sessions/{stranger_session.pk}/revoke")
    assert UserSession.objects.filter(pk=stranger_session.pk).exists()


def test_last_seen_is_written_at_most_once_a_minute(owner):
    client = sign_in(owner.account.email)
    client.get("/profile")
    table = UserSession._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/profile").status_code == 200
    assert not [q for q in ctx.captured_queries if table in q["sql"]]
    # A minute later (the stored touch moved back), the next request touches once.
    session = client.session
    session["callstudio.seen"] = time.time() - 61
    session.save()
    before = UserSession.objects.get(user=owner.account).last_seen_at
    with CaptureQueriesContext(connection) as ctx:
        client.get("/profile")
    writes = [q for q in ctx.captured_queries if table in q["sql"] and "UPDATE" in q["sql"]]
    assert len(writes) == 1
    assert UserSession.objects.get(user=owner.account).last_seen_at > before


def test_a_session_idles_out_after_24_hours(owner):
    client = browser()
    remembered = {"login": owner.account.email, "password": PASSWORD, "remember": "on"}
    assert client.post("/accounts/login/", remembered).status_code == 302
    client.get("/profile")
    stored = Session.objects.get(session_key=client.session.session_key)
    # Each touch sets the expiry to the idle limit, not the 14 days of the cookie.
    idle = (stored.expire_date - timezone.now()).total_seconds()
    assert 24 * 3600 - 120 < idle <= 24 * 3600
    # 24 hours without a request: the backend refuses it, the nightly cleanup drops its row.
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now())
    assert not is_signed_in(client)
    assert clear_ended_user_sessions.func.__wrapped__() == 1
    assert not UserSession.objects.filter(user=owner.account).exists()


def test_a_browser_close_session_idles_out_too(owner):
    """With "remember me" unticked the cookie ends with the browser and the stored expiry is
    not the idle limit: the last touch kept in the session decides."""
    client = sign_in(owner.account.email)
    client.get("/profile")
    session = client.session
    session.set_expiry(0)
    session["callstudio.seen"] = time.time() - 24 * 3600 - 1
    session.save()
    response = client.get("/profile")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.filter(user=owner.account).exists()


def test_a_session_ends_14_days_after_sign_in_even_if_active(owner):
    client = sign_in(owner.account.email)
    client.get("/profile")
    session = client.session
    session[STARTED] = time.time() - 14 * 86400 - 1
    session["callstudio.seen"] = time.time()
    session.save()
    response = client.get("/profile")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.filter(user=owner.account).exists()


def test_the_nightly_cleanup_keeps_live_sessions(owner):
    client = sign_in(owner.account.email)
    client.get("/profile")
    assert clear_ended_user_sessions.func.__wrapped__() == 0
    assert is_signed_in(client)
