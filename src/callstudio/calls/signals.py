"""What calls tells the layers above it, without importing them.

`calls_stored` is sent once a batch of newly stored calls has committed (never for a batch that
only held resends). The analysis pipeline connects to it in its AppConfig.ready() to hand the
calls to the worker; ingestion neither knows nor waits for who listens."""

from django.dispatch import Signal

# kwargs: team_id (str), call_ids (list[int], the calls inserted by the batch)
calls_stored = Signal()
