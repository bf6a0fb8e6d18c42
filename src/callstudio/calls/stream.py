"""Storing a stream's batches on a second thread while the request's thread reads the next.

Reading a batch (decoding, validating), preparing it (its rows, its search index documents:
`ingest.prepare`) and binding it (`ingest.bind`) is Python, under the GIL; storing it
(`ingest.write`) is mostly the database's work, during which SQLite and psycopg release the GIL
(SQLite runs in this process, PostgreSQL in its own). Done one after the other, each waits for
the other; here they overlap, so a stream uses the second core (`docs/performance.md`, "Faster
ingestion"). The writer's thread is left as little Python as possible: whatever Python it runs
waits for the GIL while the request's thread holds it.

Nothing about what is stored, or when a call counts as accepted, changes:

- the second thread uses **the request's own database connection** (as Django's live test
  server shares an in-memory database), never at the same time as the request's thread: a batch
  is handed over only after the previous one is stored, and the request's thread does not touch
  the database meanwhile;
- each batch is written in one transaction as before (`ingest.write`, what `store_calls` does
  after `prepare` and `bind`); the stream's answer is given only after the last batch's commit,
  and an error storing a batch is raised in the request's thread;
- the writer is always waited for before the request ends, even when reading fails (the
  connection is never left to two threads)."""

from concurrent.futures import Future, ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections

from callstudio.orgs.models import Team

from .ingest import Batch, bind, prepare, write


class StreamWriter:
    """with StreamWriter(team) as writer: writer.store(batch) ...; writer.flush(); then
    writer.accepted and writer.duplicates."""

    def __init__(self, team: Team):
        self.team = team
        self.accepted = self.duplicates = 0
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._pending: tuple[Future, int] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-writer")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                self.flush()
            elif self._pending is not None:  # the request failed: still never leave it running
                self._pending[0].exception()
        finally:
            self._thread.shutdown(wait=True)
        return False

    def store(self, calls: list) -> None:
        """Prepare `calls` here (while the writer stores the previous batch), then hand them to
        the writer once that batch is stored."""
        batch = prepare(team=self.team, calls=calls)
        self.flush()
        bind(batch)  # reads the team's members: the connection is free again
        self._connection.inc_thread_sharing()
        self._pending = (self._thread.submit(self._write, batch), len(calls))

    def flush(self) -> None:
        """Wait for the batch being stored; count it; raise what storing it raised."""
        if self._pending is None:
            return
        future, size = self._pending
        self._pending = None
        inserted = future.result()
        self.accepted += len(inserted)
        self.duplicates += size - len(inserted)

    def _write(self, batch: Batch) -> dict:
        connections[DEFAULT_DB_ALIAS] = self._connection
        try:
            return write(batch)
        finally:
            del connections[DEFAULT_DB_ALIAS]
            self._connection.dec_thread_sharing()
