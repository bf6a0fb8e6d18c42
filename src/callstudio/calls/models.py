from django.conf import settings
from django.db import models
from django.db.models import Q

from callstudio.core.ids import ID_MAX_LENGTH, new_id


def new_key_id() -> str:
    return new_id("key")


class IngestKey(models.Model):
    """An organization's key for sending calls. Only a SHA-256 digest is stored: shown once."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_key_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    hint = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    # None: every team of the organization, present and future; otherwise these team ids.
    team_ids = models.JSONField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"])]

    def allows(self, team_id: str) -> bool:
        return self.team_ids is None or team_id in self.team_ids


class Call(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "orgs.Team", on_delete=models.CASCADE, related_name="calls", db_index=False
    )
    external_id = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    duration_seconds = models.FloatField()
    direction = models.CharField(max_length=8, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The agent as the sender named it ("email:ann@x", "external_id:A-17", "account_id:acc_..."):
    # kept when no team member matched, so the call is linked when that member joins.
    agent_ref = models.CharField(max_length=330, blank=True)
    customer = models.JSONField(default=dict)
    transcript = models.JSONField(default=list)
    recording_url = models.CharField(max_length=2000, blank=True)
    tags = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    archived = models.BooleanField(default=False)
    # Derived on arrival.
    agent_talk_seconds = models.FloatField(default=0)
    customer_talk_seconds = models.FloatField(default=0)
    other_talk_seconds = models.FloatField(default=0)
    talk_ratio = models.FloatField(null=True)
    silence_share = models.FloatField(null=True)
    longest_monologue_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the analysis pass (pipeline/analysis.py), in the transaction that counts the call
    # into the team's rollups: a call is counted exactly when analyzed_at is set.
    sentiment = models.FloatField(null=True)
    keywords = models.JSONField(default=list)  # the team's tracked keywords this call mentions
    trackers = models.JSONField(default=list)  # ids of the team's trackers this call matched
    analyzed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "external_id"], name="call_external_id_unique_in_team"
            ),
        ]
        indexes = [
            # The team's list, newest first; and an agent's own list.
            models.Index(fields=["team", "archived", "-started_at", "-id"], name="call_team_list"),
            models.Index(
                fields=["team", "agent", "archived", "-started_at", "-id"], name="call_agent_list"
            ),
            models.Index(
                fields=["team", "agent_ref"],
                condition=Q(agent__isnull=True),
                name="call_unlinked_agent",
            ),
            models.Index(fields=["organization", "id"], name="call_org"),
            # Calls awaiting analysis, by organization (pipeline/analysis.py shares them out).
            models.Index(
                fields=["organization", "id"],
                condition=Q(analyzed_at__isnull=True),
                name="call_pending_by_org",
            ),
        ]
