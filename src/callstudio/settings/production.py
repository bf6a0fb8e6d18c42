"""Production: PostgreSQL, a secret key and hosts from the environment, HTTPS only."""

import os

from django.core.exceptions import ImproperlyConfigured

from callstudio.core.env import env_bool

from .base import *  # noqa: F403

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
SECRET_KEY = os.environ["SECRET_KEY"]
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated).")

DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("CALLSTUDIO_SSL_REDIRECT", "1") != "0"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

LOGGING = logging_config(  # noqa: F405
    os.environ.get("CALLSTUDIO_LOG_FORMAT", "json"), os.environ.get("LOG_LEVEL", "INFO")
)

# Sign-up is by invitation unless an operator opens it.
CALLSTUDIO_OPEN_SIGNUP = env_bool("CALLSTUDIO_OPEN_SIGNUP", False)
