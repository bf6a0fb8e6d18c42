"""Housekeeping that a deployment would otherwise forget to schedule."""

import logging

from django.contrib.sessions.models import Session
from django.utils import timezone

from .tasks import crontab, periodic_task

log = logging.getLogger(__name__)


@periodic_task(crontab(hour="3", minute="17"))
def clear_expired_sessions() -> int:
    """Expired browser sessions are deleted every night (Django never does it by itself)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    log.info("cleared %s expired sessions", deleted)
    return deleted
