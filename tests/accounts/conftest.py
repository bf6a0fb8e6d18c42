from tests.calls.conftest import ingest  # noqa: F401  (an ingest key for Acme's teams)
