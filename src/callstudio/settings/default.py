"""The embedded default: one machine, SQLite in WAL mode under CALLSTUDIO_DATA_DIR."""

import os
import secrets

from .base import *  # noqa: F403
from .base import DATA_DIR


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)  # whitenoise serves from the finders; keep it quiet
SECRET_KEY = _secret_key()
