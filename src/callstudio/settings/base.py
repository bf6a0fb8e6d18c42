"""Settings shared by every deployment. Everything an operator sets comes from the environment."""

import os
from pathlib import Path

import dj_database_url

from callstudio.core.env import env_bool, env_int

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CALLSTUDIO_DATA_DIR", "var")).resolve()

DEBUG = env_bool("CALLSTUDIO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h]

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
    "callstudio.calls",
    "callstudio.analytics",
    "callstudio.rules",
    "callstudio.pipeline",
    "callstudio.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Last: above every app (it builds the demo through their services; nothing imports it).
    "callstudio.demo",
]

MIDDLEWARE = [
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
# No mail server is part of the embedded default; addresses are not verified (docs/architecture.md).
ACCOUNT_EMAIL_VERIFICATION = "none"
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
        config["CONN_MAX_AGE"] = 0
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
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
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

# Mail goes to the log unless an operator configures SMTP (EMAIL_BACKEND, EMAIL_HOST, ...).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "callstudio@localhost")

# Product settings.
# The canonical base URL: every link in a mail is built from it (core/links.py), never from the
# request's Host header.
CALLSTUDIO_URL = os.environ.get(
    "CALLSTUDIO_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
).rstrip("/")
CALLSTUDIO_OPEN_SIGNUP = env_bool("CALLSTUDIO_OPEN_SIGNUP", True)
# Failed attempts allowed per client address (and per email for tokens) in a window.
CALLSTUDIO_SIGNUP_FAILURES = env_int("CALLSTUDIO_SIGNUP_FAILURES", 10)
CALLSTUDIO_TOKEN_FAILURES = env_int("CALLSTUDIO_TOKEN_FAILURES", 5)
CALLSTUDIO_RATE_WINDOW_SECONDS = env_int("CALLSTUDIO_RATE_WINDOW_SECONDS", 900)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Webhooks (alert rules and automations): per-attempt timeout, attempts before giving up, and
# the first retry delay, doubled after each failure (10 s, 20 s, 40 s ... about 42 min in all).
CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS = env_int("CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS", 10)
CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS = env_int("CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS", 9)
CALLSTUDIO_WEBHOOK_RETRY_SECONDS = env_int("CALLSTUDIO_WEBHOOK_RETRY_SECONDS", 10)
# Whether webhooks may reach loopback/private/link-local addresses. On for the embedded default
# (a self-hosted box on a LAN); production settings turn it off.
CALLSTUDIO_WEBHOOK_ALLOW_PRIVATE = env_bool("CALLSTUDIO_WEBHOOK_ALLOW_PRIVATE", True)
# Tests run background tasks at once, in the caller (Huey's immediate mode, memory storage).
CALLSTUDIO_TASKS_IMMEDIATE = env_bool("CALLSTUDIO_TASKS_IMMEDIATE", False)
