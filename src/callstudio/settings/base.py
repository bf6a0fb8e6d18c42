"""Settings shared by every deployment. Everything an operator sets comes from the environment."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from callstudio.core.env import env_bool, env_int
from callstudio.core.requestlog import logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CALLSTUDIO_DATA_DIR", "var")).resolve()

DEBUG = env_bool("CALLSTUDIO_DEBUG", False)

# --- Safe defaults (PRODUCT §7.1): canonical URL, hosts, mail, outbound URLs. ---
# The canonical base URL: every link in a mail is built from it (core/links.py), never from the
# request's Host header.
CALLSTUDIO_URL = os.environ.get(
    "CALLSTUDIO_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
).rstrip("/")


def default_allowed_hosts(url: str) -> list[str]:
    """The loopback names plus the canonical URL's host: any other Host header gets 400."""
    host = urlsplit(url).hostname or ""
    if ":" in host:  # an IPv6 literal, spelled the way Django compares it
        host = f"[{host}]"
    hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts + [host] if host and host not in hosts else hosts


ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()
] or default_allowed_hosts(CALLSTUDIO_URL)

# Mail goes by SMTP when EMAIL_HOST is set; otherwise each message is written to a file under
# $CALLSTUDIO_DATA_DIR/outbox/ (core/mail.py; `callstudio outbox` reads them). Never to a log.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "callstudio.core.mail.OutboxBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "callstudio@localhost")
# Mail subjects name the product, not the Host header of the request that sent them.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CallStudio] "

# Webhooks and other fetched URLs never reach loopback/private/link-local/reserved addresses
# (core/netguard.py) unless an operator allows it. CALLSTUDIO_WEBHOOK_ALLOW_PRIVATE is the old
# name, still read.
CALLSTUDIO_ALLOW_PRIVATE_URLS = env_bool(
    "CALLSTUDIO_ALLOW_PRIVATE_URLS", env_bool("CALLSTUDIO_WEBHOOK_ALLOW_PRIVATE", False)
)
# Anyone may sign up on the embedded default; production settings turn it off.
CALLSTUDIO_OPEN_SIGNUP = env_bool("CALLSTUDIO_OPEN_SIGNUP", True)
# Index calls for search as they are stored (search/index.py). Off only to measure what the
# index costs, or to build it later with `callstudio search rebuild`: until then search misses
# the calls stored meanwhile.
CALLSTUDIO_SEARCH_INDEX = env_bool("CALLSTUDIO_SEARCH_INDEX", True)
# --- End of safe defaults. ---

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "callstudio.core",
    "callstudio.accounts",
    "callstudio.access",
    "callstudio.orgs",
    "callstudio.search",
    "callstudio.calls",
    "callstudio.analytics",
    "callstudio.rules",
    "callstudio.pipeline",
    "callstudio.sso",
    "callstudio.scim",
    "callstudio.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # SSO per organization (PRODUCT §8.1): allauth's social accounts with its OpenID Connect and
    # SAML providers; each organization's connection is one app (sso/providers.py).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    # Last: above every app (it builds the demo through their services; nothing imports it).
    "callstudio.demo",
]

MIDDLEWARE = [
    "callstudio.core.requestlog.RequestLogMiddleware",
    "callstudio.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "callstudio.web.middleware.SessionActivityMiddleware",
    "callstudio.web.middleware.SecurityHeadersMiddleware",
    "callstudio.web.middleware.DomainErrorMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "callstudio.web.forms.SignupDetailsForm"
ACCOUNT_ADAPTER = "callstudio.web.adapter.AccountAdapter"
ACCOUNT_FORMS = {"add_email": "callstudio.web.email_forms.AddEmailForm"}
# An unverified address logs in but counts for nothing: it links no calls and accepts no
# invitation (docs/security.md "Verified email"). Sign-up and every new address get a link.
ACCOUNT_EMAIL_VERIFICATION = "optional"
# One account per address; allauth adds the `unique_verified_email` constraint, our Account.email
# is unique and accounts/migrations adds a unique index over every address (verified or not).
ACCOUNT_UNIQUE_EMAIL = True
# One address per account: a new one stays pending until verified, then replaces the old one.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Not the site name allauth would take from the request's Host header.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CallStudio] "
ACCOUNT_SESSION_REMEMBER = None
# The browser that changed the password stays signed in; every other session and every token
# ends (accounts/signals.py).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Re-entering the password (or an MFA code) is good for 5 minutes, e.g. to mint tokens.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Login throttling: failed logins per address, and per (account, address): the adapter's key is
# the email and the address, so a stranger cannot lock the owner out from elsewhere.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "change_password": "5/m/user",
}

# Multi-factor authentication (allauth.mfa; docs/security.md "Multi-factor authentication").
# Secrets (TOTP keys, recovery-code seeds) are encrypted at rest by our adapter (Fernet, keyed
# from SECRET_KEY). A passkey is a second factor after the password: one way in, which the login
# throttle and the security log see whole (passwordless passkey login stays off). WebAuthn needs
# a secure context: https, or http://localhost (browsers and python-fido2 treat it as secure), so
# MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off on every profile, tests included.
MFA_ADAPTER = "callstudio.accounts.mfa_adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "CallStudio"
# One 30-second step either side, for phones whose clock drifts. A used step (and every earlier
# one) is refused afterwards, so the wider window does not allow a replay (accounts/mfa.py).
MFA_TOTP_TOLERANCE = 1
# The login's code step and re-authentication check TOTP codes that way too.
MFA_FORMS = {
    "authenticate": "callstudio.accounts.mfa_forms.AuthenticateForm",
    "reauthenticate": "callstudio.accounts.mfa_forms.ReauthenticateForm",
    "activate_totp": "callstudio.accounts.mfa_forms.ActivateTOTPForm",
}
# Recovery codes can be viewed again from Profile, Security (after re-authentication).
MFA_RECOVERY_CODES_SHOW_ONCE = False

# Single sign-on (allauth.socialaccount; sso/adapter.py, docs/sso.md). Each organization's
# connection is an app built in memory; the adapter applies CallStudio's linking rules and never
# lets allauth sign anyone up or link an account by email on its own.
SOCIALACCOUNT_ADAPTER = "callstudio.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5

ROOT_URLCONF = "callstudio.urls"
ASGI_APPLICATION = "callstudio.asgi.application"
AUTH_USER_MODEL = "accounts.Account"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        # Our templates (including the allauth layout override) come before allauth's own.
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Closed after each request, except where each serving thread is long-lived and keeps
        # its own (the WSGI entry point sets CALLSTUDIO_DB_PERSISTENT; see callstudio/wsgi.py).
        persistent = env_bool("CALLSTUDIO_DB_PERSISTENT", False)
        config["CONN_MAX_AGE"] = None if persistent else 0
        config["CONN_HEALTH_CHECKS"] = persistent
        config["OPTIONS"] = {
            # IMMEDIATE: a writer takes the lock when its transaction starts, so two writers
            # queue on busy_timeout instead of failing with "database is locked" on upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A connection pool per process (persistent connections are not safe under ASGI). A
        # request waits at most 3 s for a connection, then gets a 503 with Retry-After.
        config["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": env_int("CALLSTUDIO_DB_POOL_SIZE", 8), "timeout": 3}
        }
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'callstudio.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer fails a request in a second (a 503), not at the
            # operating system's TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the installed packages: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

# Browser sessions end 14 days after sign-in, or after 24 hours without a request
# (accounts/sessions.py); last-seen is written at most once a minute per session.
CALLSTUDIO_SESSION_DAYS = env_int("CALLSTUDIO_SESSION_DAYS", 14)
CALLSTUDIO_SESSION_IDLE_HOURS = env_int("CALLSTUDIO_SESSION_IDLE_HOURS", 24)
CALLSTUDIO_SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_AGE = CALLSTUDIO_SESSION_DAYS * 86400
# allauth's own tracking writes on every request; ours (CallStudio's middleware) once a minute.
USERSESSIONS_TRACK_ACTIVITY = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Product settings.
# How long an invitation link stays valid (a resend starts a new period).
CALLSTUDIO_INVITATION_DAYS = env_int("CALLSTUDIO_INVITATION_DAYS", 7)
# Failed attempts allowed per client address (and per email for tokens) in a window.
CALLSTUDIO_SIGNUP_FAILURES = env_int("CALLSTUDIO_SIGNUP_FAILURES", 10)
# Verification mails an account may ask for per rate window (resend).
CALLSTUDIO_VERIFICATION_EMAILS = env_int("CALLSTUDIO_VERIFICATION_EMAILS", 5)
CALLSTUDIO_TOKEN_FAILURES = env_int("CALLSTUDIO_TOKEN_FAILURES", 5)
CALLSTUDIO_RATE_WINDOW_SECONDS = env_int("CALLSTUDIO_RATE_WINDOW_SECONDS", 900)
# Domain verification (sso/dns.py): the DNS server asked for TXT records, `host:port` (an IP
# address; port 53 when left out). Empty: the system's resolvers. Tests run their own.
CALLSTUDIO_DNS_SERVER = os.environ.get("CALLSTUDIO_DNS_SERVER", "")
CALLSTUDIO_DNS_TIMEOUT_SECONDS = env_int("CALLSTUDIO_DNS_TIMEOUT_SECONDS", 3)
# Ingestion requests per key per minute (a stream is one request, whatever its length).
CALLSTUDIO_INGEST_REQUESTS_PER_MINUTE = env_int("CALLSTUDIO_INGEST_REQUESTS_PER_MINUTE", 6000)
# "inprocess": `callstudio serve` runs the background worker itself (the embedded default);
# "external": run `callstudio worker` (one or more, on Redis when REDIS_URL is set).
CALLSTUDIO_WORKER = os.environ.get("CALLSTUDIO_WORKER", "external" if REDIS_URL else "inprocess")
# Largest single call body, and largest line of a call stream.
CALLSTUDIO_MAX_BODY_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = CALLSTUDIO_MAX_BODY_BYTES
# Personal token last-used time is written at most this often per token (no write per request).
CALLSTUDIO_TOKEN_TOUCH_SECONDS = 60

# One line per request and every log line in one format (core/requestlog.py).
LOGGING = logging_config(
    os.environ.get("CALLSTUDIO_LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "INFO")
)

# GET /metrics answers only to this bearer token; unset, it does not exist (core/metrics.py).
CALLSTUDIO_METRICS_TOKEN = os.environ.get("CALLSTUDIO_METRICS_TOKEN", "")

# Webhooks (alert rules and automations): per-attempt timeout (each of connecting, sending and
# waiting for the response's status), attempts before giving up, and the first retry delay,
# doubled after each failure (10 s, 20 s, 40 s ... about 42 min in all).
CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS = env_int("CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS", 5)
CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS = env_int("CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS", 9)
CALLSTUDIO_WEBHOOK_RETRY_SECONDS = env_int("CALLSTUDIO_WEBHOOK_RETRY_SECONDS", 10)
# Deliveries run on threads of their own (never the analysis's); one organization has at most
# this many attempts in flight at once, across every worker, so its slow receivers cannot take
# the threads other organizations' deliveries need.
CALLSTUDIO_WEBHOOK_THREADS = env_int("CALLSTUDIO_WEBHOOK_THREADS", 8)
CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY = env_int("CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY", 4)
# Per team: alert rules, automations, and webhooks (rules with a webhook_url plus automations'
# webhook actions). Beyond: 422.
CALLSTUDIO_MAX_ALERT_RULES_PER_TEAM = env_int("CALLSTUDIO_MAX_ALERT_RULES_PER_TEAM", 100)
CALLSTUDIO_MAX_AUTOMATIONS_PER_TEAM = env_int("CALLSTUDIO_MAX_AUTOMATIONS_PER_TEAM", 100)
CALLSTUDIO_MAX_WEBHOOKS_PER_TEAM = env_int("CALLSTUDIO_MAX_WEBHOOKS_PER_TEAM", 20)
# Tests run background tasks at once, in the caller (Huey's immediate mode, memory storage).
CALLSTUDIO_TASKS_IMMEDIATE = env_bool("CALLSTUDIO_TASKS_IMMEDIATE", False)
