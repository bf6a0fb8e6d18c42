"""The WSGI entry point: what `callstudio serve` runs (granian, a fixed pool of threads per web
process). See docs/operations.md, "Serving".

Two things differ from Django's stock WSGI handler:

- A request body sent without a length (`Transfer-Encoding: chunked`, as clients that stream
  NDJSON send it) is read to its end. Django reads `CONTENT_LENGTH` bytes and would see such a
  body as empty; a server that sets `wsgi.input_terminated` (granian does) ends the input
  stream where the body ends, so reading it to the end is safe. The views' own size caps apply
  as they read.
- On SQLite each serving thread keeps its database connection open between requests
  (`CALLSTUDIO_DB_PERSISTENT`, read by settings): opening one, with its PRAGMAs, was ~1 ms of
  every request. The thread pool is fixed, so the connections are too. PostgreSQL uses its
  connection pool either way. (Under ASGI every request runs in a thread of its own, so there
  connections must not persist: asgi.py does not set this.)

A web process started by `callstudio serve` ends when the process that started it dies, even by
SIGKILL: no orphan keeps serving without the background worker and the supervision it had."""

import ctypes
import os
import signal
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callstudio.settings.default")
os.environ.setdefault("CALLSTUDIO_DB_PERSISTENT", "1")

from io import BytesIO  # noqa: E402

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.exceptions import RequestDataTooBig  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest  # noqa: E402


class Request(WSGIRequest):
    def __init__(self, environ):
        super().__init__(environ)
        unsized = not environ.get("CONTENT_LENGTH")
        self._unsized = unsized and environ.get("wsgi.input_terminated") and _chunked(environ)
        if self._unsized:
            self._stream = environ["wsgi.input"]

    @property
    def body(self):
        # Django checks a body's size against DATA_UPLOAD_MAX_MEMORY_SIZE by its length header;
        # one without a header is read up to that size and refused beyond it.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        unread = not hasattr(self, "_body") and not self._read_started
        if self._unsized and limit is not None and unread:
            data = self.read(limit + 1)
            if len(data) > limit:
                raise RequestDataTooBig("Request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE.")
            self._body, self._stream = data, BytesIO(data)
        return super().body


def _chunked(environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class Handler(WSGIHandler):
    request_class = Request


def _end_with_supervisor() -> None:
    supervisor = os.environ.get("CALLSTUDIO_SERVE_PID")
    if not supervisor or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != int(supervisor):  # it died before the line above took effect
        os._exit(1)


_end_with_supervisor()
django.setup(set_prefix=False)
application = Handler()

from callstudio.core.startup import shorten_switch_interval, tune_collector  # noqa: E402

tune_collector()
shorten_switch_interval()
