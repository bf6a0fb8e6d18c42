"""PRODUCT §7.1 safe defaults: mailed links come from CALLSTUDIO_URL (never the Host header), hosts
other than the defaults get 400, mail without SMTP goes to a private outbox (never the log)."""

import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from callstudio.settings import base
from tests.conftest import make_account

CANONICAL = "https://calls.acme.test"
NEW_PASSWORD = "a-new-long-passphrase-42"


def _request_reset(email: str, host: str):
    return Client(HTTP_HOST=host).post("/accounts/password/reset/", {"email": email})


@pytest.mark.django_db
def test_reset_mail_links_to_the_canonical_url_not_the_host_header(settings, smtp):
    settings.CALLSTUDIO_URL = CANONICAL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    make_account("ann@acme.test")
    response = _request_reset("ann@acme.test", "evil.example")
    assert response.status_code == 302
    message = smtp.wait_for("ann@acme.test", subject="password reset")
    assert "evil.example" not in message.body and "evil.example" not in message.subject
    (link,) = [link for link in message.links if "/password/reset/key/" in link]
    assert link.startswith(CANONICAL + "/accounts/password/reset/key/")

    # The link works: on the canonical host it leads to the form that sets a new password.
    client = Client(HTTP_HOST="calls.acme.test")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "calls.acme.test"]
    page = client.get(link.removeprefix(CANONICAL), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.removeprefix(CANONICAL)
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert Client().login(email="ann@acme.test", password=NEW_PASSWORD)


@pytest.mark.django_db
def test_unknown_account_mail_links_to_the_canonical_url(settings, smtp):
    settings.CALLSTUDIO_URL = CANONICAL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    assert _request_reset("nobody@acme.test", "evil.example").status_code == 302
    message = smtp.wait_for("nobody@acme.test")
    assert "evil.example" not in message.body + message.subject
    assert message.links and all(link.startswith(CANONICAL + "/") for link in message.links)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/me"])
def test_a_host_outside_the_defaults_gets_400(path):
    assert Client(HTTP_HOST="evil.example").get(path).status_code == 400
    assert Client(HTTP_HOST="localhost").get(path).status_code in (200, 401)


def test_allowed_hosts_default_to_loopback_and_the_canonical_host():
    assert base.default_allowed_hosts("https://calls.acme.test:8443/") == [
        "localhost",
        "127.0.0.1",
        "[::1]",
        "calls.acme.test",
    ]
    assert base.default_allowed_hosts("http://[2001:db8::1]:8000")[-1] == "[2001:db8::1]"
    assert base.default_allowed_hosts("http://127.0.0.1:8000") == [
        "localhost",
        "127.0.0.1",
        "[::1]",
    ]


@pytest.mark.django_db
def test_mail_without_smtp_goes_to_a_private_outbox_never_to_the_log(
    settings, tmp_path, caplog, capsys
):
    """Before: the default backend was Django's console backend, printing the reset link."""
    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND  # what a deployment without EMAIL_HOST gets
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    make_account("bob@acme.test")
    caplog.set_level(logging.DEBUG)
    assert _request_reset("bob@acme.test", "localhost").status_code == 302
    printed = capsys.readouterr()
    logged = caplog.text + printed.out + printed.err
    assert "/password/reset/key/" not in logged and "bob@acme.test" not in logged

    outbox = tmp_path / "outbox"
    (path,) = list(outbox.iterdir())
    assert stat.S_IMODE(os.stat(outbox).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "/password/reset/key/" in path.read_text()

    out = io.StringIO()
    call_command("outbox", "--count", "1", stdout=out)
    text = out.getvalue()
    assert "To: bob@acme.test" in text and "Subject: [CallStudio]" in text
    assert "Date: " in text and "/accounts/password/reset/key/" in text


def test_the_outbox_command_says_when_it_is_empty(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("outbox", stdout=out)
    assert "is empty" in out.getvalue()


SHOW = (
    "from django.conf import settings as s; "
    "print(s.CALLSTUDIO_OPEN_SIGNUP, s.CALLSTUDIO_ALLOW_PRIVATE_URLS, s.EMAIL_BACKEND)"
)


@pytest.mark.parametrize(
    "module, extra, expected",
    [
        ("callstudio.settings.production", {}, "False False callstudio.core.mail.OutboxBackend"),
        ("callstudio.settings.default", {}, "True False callstudio.core.mail.OutboxBackend"),
        (
            "callstudio.settings.production",
            {"CALLSTUDIO_OPEN_SIGNUP": "1", "CALLSTUDIO_WEBHOOK_ALLOW_PRIVATE": "1"},
            "True True callstudio.core.mail.OutboxBackend",
        ),
        (
            "callstudio.settings.default",
            {"EMAIL_HOST": "smtp.acme.test", "CALLSTUDIO_ALLOW_PRIVATE_URLS": "1"},
            "True True django.core.mail.backends.smtp.EmailBackend",
        ),
    ],
)
def test_settings_profiles_default_to_closed_signup_in_production_and_no_private_urls(
    tmp_path, module, extra, expected
):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CALLSTUDIO_", "EMAIL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        CALLSTUDIO_DATA_DIR=str(tmp_path),
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="calls.example.com",
        **extra,
    )
    done = subprocess.run(
        [str(Path(sys.executable).with_name("callstudio")), "shell", "-c", SHOW],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1] == expected, done.stderr


def test_email_confirmation_links_come_from_the_canonical_url(settings, rf):
    """The hook allauth calls for confirmation mail (verification is built on it)."""
    from types import SimpleNamespace

    from callstudio.web.adapter import AccountAdapter

    settings.CALLSTUDIO_URL = CANONICAL
    request = rf.get("/", HTTP_HOST="evil.example")
    url = AccountAdapter(request).get_email_confirmation_url(request, SimpleNamespace(key="k-1"))
    assert url == CANONICAL + "/accounts/confirm-email/k-1/"
