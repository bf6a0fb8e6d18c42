"""Tests: the same settings, with fast password hashing and a file-backed SQLite test database
(so threads in race tests share one real database, as they do in production)."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ["CALLSTUDIO_DATA_DIR"] = os.path.join(
    os.environ.get("CALLSTUDIO_DATA_DIR", "var"), "test"
)

from .default import *  # noqa: E402, F403
from .default import DATA_DIR, DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

# Background tasks run in the caller: tests drive the analysis pass and deliveries directly, and
# tests/test_worker.py checks the real consumer (in-process and on Redis) in subprocesses.
CALLSTUDIO_TASKS_IMMEDIATE = True

# The test client's host is allowed on top of the defaults (which are what is tested otherwise);
# mail stays in memory unless a test asks for the real SMTP server (the `smtp` fixture).
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
