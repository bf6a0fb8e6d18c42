"""Alert rules and their alerts, automations, the webhook deliveries both send, and trackers."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from callstudio.core.ids import (
    ID_MAX_LENGTH,
    new_alert_id,
    new_alert_rule_id,
    new_automation_id,
    new_delivery_id,
    new_tracker_id,
)
from callstudio.orgs.models import NameSkeletonManager, fill_name_keys, save_update_fields

from . import kinds


class AlertRule(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_alert_rule_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("orgs.Team", on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=100)
    condition = models.JSONField()
    webhook_url = models.CharField(max_length=2000, blank=True)
    # Signs this rule's webhook bodies; shown to those who manage alerts.
    webhook_secret = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Alert(models.Model):
    OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
    STATUSES = (OPEN, ACKNOWLEDGED, RESOLVED)
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_alert_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "orgs.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Kept when the rule is deleted: the inbox still says which rule raised it.
    rule = models.ForeignKey(AlertRule, null=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=100)
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, default=OPEN)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True)
    acknowledged_by = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True)
    resolved_by = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # Never two alerts for the same rule and call.
            models.UniqueConstraint(fields=["rule", "call"], name="alert_once_per_rule_and_call")
        ]
        indexes = [models.Index(fields=["team", "status", "-raised_at"], name="alert_inbox")]


class Automation(models.Model):
    CALL_INGESTED, ALERT_RAISED = kinds.CALL_INGESTED.value, kinds.ALERT_RAISED.value
    TRIGGERS = tuple(kinds.TRIGGERS)
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_automation_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("orgs.Team", on_delete=models.CASCADE, related_name="automations")
    name = models.CharField(max_length=100)
    trigger = models.CharField(max_length=32)
    conditions = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def trigger_label(self) -> str:
        return kinds.trigger_label(self.trigger)


class WebhookDelivery(models.Model):
    """One event to one URL. Created in the transaction that raised it (nothing is lost), sent by
    the worker, retried with exponential backoff; its id is the `delivery_id` receivers dedup by."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_delivery_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "orgs.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=100)  # "Alert rule: <name>" or "Automation: <name>"
    source_id = models.CharField(max_length=ID_MAX_LENGTH)
    event = models.CharField(max_length=32)
    url = models.CharField(max_length=2000)
    secret = models.CharField(max_length=200)
    body = models.TextField()  # exactly the bytes signed and sent
    status = models.CharField(max_length=16, default=PENDING)
    attempts = models.IntegerField(default=0)
    last_status_code = models.IntegerField(null=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField()
    # Set while an attempt is in flight (the worker's lease on it), so that the organization's
    # attempts in flight can be counted (rules/webhooks.py caps them).
    claimed_until = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["team", "-created_at"], name="delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(
                fields=["organization", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due_by_org",
            ),
            models.Index(
                fields=["organization", "claimed_until"],
                condition=models.Q(claimed_until__isnull=False),
                name="delivery_in_flight",
            ),
        ]

    @property
    def event_label(self) -> str:
        return kinds.trigger_label(self.event)


class Tracker(models.Model):
    """A team's saved query (search/query.py), counted in the team's analytics: the analysis
    pass records on each call the trackers it matches (`Call.trackers`), and the rollups count
    them per day (`TermRollup` kind `tracker`, term = the tracker's id)."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_tracker_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("orgs.Team", on_delete=models.CASCADE, related_name="trackers")
    name = models.CharField(max_length=100)
    # The name's two keys (core/validation.py), each unique in the team, as team and role names'
    # are in the organization: no look-alike of another tracker's name, even in a race. Kept by
    # save().
    name_skeleton = models.TextField(default="", editable=False)
    name_case_skeleton = models.TextField(default="", editable=False)
    query = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NameSkeletonManager()

    class Meta:
        constraints = [
            models.UniqueConstraint("team", Lower("name"), name="tracker_name_unique_in_team"),
            models.UniqueConstraint(
                fields=["team", "name_skeleton"], name="tracker_name_skeleton_unique_in_team"
            ),
            models.UniqueConstraint(
                fields=["team", "name_case_skeleton"],
                name="tracker_name_case_skeleton_unique_in_team",
            ),
        ]

    def save(self, *args, **kwargs):
        fill_name_keys(self)
        super().save(*args, **save_update_fields(kwargs))
