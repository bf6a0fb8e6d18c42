"""`callstudio backup FILE` and `callstudio restore FILE` (core/management/commands/).

SQLite: the backup is a SQLite database file, copied with SQLite's online backup API a batch of
pages at a time, so it is safe while CallStudio serves (writers wait at most for one batch), and
it is a consistent copy of one moment. PostgreSQL: the backup is `pg_dump --format=custom`
(Debian's postgresql-client, the server's major version or newer), consistent by the dump's
snapshot, also while serving.

Either backup is written to a temporary file beside FILE and renamed when complete and checked:
a failed backup never leaves a file that looks like one.

Restore replaces everything in the database with the backup, all or nothing (SQLite: the backup
API copies the file into the live database in one step; PostgreSQL: the schema is dropped and
the dump loaded in one transaction by psql), then applies the migrations the backup predates.
Stop the web and worker processes first: the restored data is what they will see next."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PAGES_PER_STEP = 4096  # 16 MB at SQLite's default page size

Progress = Callable[[str], None]


class BackupError(Exception):
    """A message for the operator; nothing was changed."""


def progress_to(stream) -> Progress:
    """A progress callback that prints each step, indented, at once (a command's stdout)."""

    def report(message: str) -> None:
        stream.write(f"  {message}")
        stream.flush()

    return report


def engine() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def backup(path: Path, progress: Progress) -> None:
    path = Path(path).resolve()
    if path.is_dir():
        raise BackupError(f"{path} is a directory; name the file to write.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        if engine() == "sqlite3":
            _sqlite_backup(Path(tmp), progress)
        else:
            _pg_dump(Path(tmp), progress)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def restore(path: Path, progress: Progress) -> None:
    path = Path(path).resolve()
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from None
    kind = (
        "sqlite3" if head == SQLITE_MAGIC else "postgresql" if head.startswith(PG_MAGIC) else None
    )
    if kind is None:
        raise BackupError(f"{path} is not a CallStudio backup (neither SQLite nor pg_dump).")
    if kind != engine():
        raise BackupError(
            f"{path} is a {_name(kind)} backup; this CallStudio runs on {_name(engine())}. "
            "Restore it with the database it was made from."
        )
    connections.close_all()
    if kind == "sqlite3":
        _sqlite_restore(path, progress)
    else:
        _pg_restore(path, progress)
    progress("applying the migrations newer than the backup")
    call_command("migrate", "--no-input", verbosity=0)


def _name(kind: str) -> str:
    return {"sqlite3": "SQLite", "postgresql": "PostgreSQL"}[kind]


# SQLite --------------------------------------------------------------------------------------


def _live_sqlite() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress) -> None:
    def report(status, remaining, total):
        if total:
            progress(
                f"{total - remaining:,} of {total:,} pages ({(total - remaining) / total:.0%})"
            )

    source.backup(target, pages=PAGES_PER_STEP, progress=report)


def _sqlite_backup(target: Path, progress: Progress) -> None:
    live = _live_sqlite()
    if not live.exists():
        raise BackupError(f"There is no database at {live} yet (run `callstudio migrate`).")
    source, copy = sqlite3.connect(live), sqlite3.connect(target)
    try:
        _copy(source, copy, progress)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        progress("checking the copy")
        (result,) = copy.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise BackupError(f"The copy failed its check: {result}")
    finally:
        source.close()
        copy.close()


def _sqlite_restore(path: Path, progress: Progress) -> None:
    backup_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            (result,) = backup_db.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in backup_db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:  # truncated, damaged
            result, tables = str(exc), set()
        if result != "ok" or "django_migrations" not in tables:
            raise BackupError(
                f"{path} is not a sound CallStudio database ({result}); nothing was restored."
            )
        live = sqlite3.connect(_live_sqlite(), timeout=30)
        try:
            _copy(backup_db, live, progress)
        finally:
            live.close()
    finally:
        backup_db.close()


# PostgreSQL ----------------------------------------------------------------------------------


def _libpq_env() -> dict:
    """The connection for pg_dump, pg_restore and psql, in libpq's environment variables (not
    on the command line, where any local user could read the password)."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(args: list[str], progress: Progress, *, watch: str = "") -> None:
    process = subprocess.Popen(
        args, env=_libpq_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    errors = []
    for line in process.stderr:
        if watch and watch in line:
            progress(line.split(":", 1)[-1].strip())
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line.strip())
    if process.wait() != 0:
        raise BackupError(f"{args[0]} failed: " + ("; ".join(errors[-3:]) or "see above"))


def _require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise BackupError(
            f"{', '.join(missing)} not installed (Debian: apt-get install postgresql-client)."
        )


def _pg_dump(target: Path, progress: Progress) -> None:
    _require("pg_dump", "pg_restore")
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--verbose",
            f"--file={target}",
        ],
        progress,
        watch="dumping contents of table",
    )
    progress("checking the dump")
    _run(["pg_restore", "--list", str(target)], progress)


def _pg_restore(path: Path, progress: Progress) -> None:
    """Drop the schema and load the dump in one transaction: psql runs `BEGIN`, the DROP SCHEMA,
    the script pg_restore writes from the dump, and `COMMIT` only once pg_restore has read the
    whole dump without error; otherwise psql ends with the transaction open, which rolls it
    back, and the database is as it was."""
    _require("pg_restore", "psql")
    progress("loading the dump in one transaction")
    env = {**_libpq_env(), "PGOPTIONS": "-c client_min_messages=warning"}
    script = subprocess.Popen(
        ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    psql = subprocess.Popen(
        ["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--output=/dev/null"],
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        psql.stdin.write(b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
        while chunk := script.stdout.read(1 << 20):
            psql.stdin.write(chunk)
        if script.wait() == 0:
            psql.stdin.write(b"COMMIT;\n")
        psql.stdin.close()
    except BrokenPipeError:  # psql stopped at an error: its message says which
        script.kill()
        script.wait()
    psql_error = psql.stderr.read().decode().strip()
    if psql.wait() != 0:
        raise BackupError(f"psql stopped, nothing was restored: {psql_error}")
    if script.returncode != 0:
        raise BackupError(
            "pg_restore could not read the dump, nothing was restored: "
            + script.stderr.read().decode().strip()
        )
