"""Rollups: a team's figures per day (UTC) and agent, kept as calls are analysed, archived,
unarchived or linked to a member, so a view sums a few hundred rows instead of scanning calls.

Every figure is a sum, so a call's contribution can be taken out again exactly (archive, agent
linked later); averages and shares are computed from the sums when read."""

from django.db import models

# Upper bounds (seconds) of the duration distribution's buckets; the last is open-ended.
DURATION_BUCKETS = (60, 180, 300, 600, 1200)
# Sentiment: negative below -0.05, positive above 0.05 (VADER's own thresholds).
SENTIMENT_THRESHOLD = 0.05
UNLINKED = 0  # agent_key of calls with no linked member
# agent_key of the team's own rows: every call once more, summed over agents, so a team-wide view
# reads one row per day (and term) instead of one per agent.
TEAM = -1


class DayRollup(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "orgs.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    # The linked member's account pk, or UNLINKED; not a foreign key so a removed account's
    # history stays summed.
    agent_key = models.BigIntegerField()
    calls = models.BigIntegerField(default=0)
    inbound = models.BigIntegerField(default=0)
    outbound = models.BigIntegerField(default=0)
    duration_sum = models.FloatField(default=0)
    agent_talk_sum = models.FloatField(default=0)
    customer_talk_sum = models.FloatField(default=0)
    silence_sum = models.FloatField(default=0)  # seconds: silence share x duration
    # Duration of the calls whose silence share is known (they have a transcript): the silence
    # share's denominator, so calls without a transcript do not count as silent-free.
    silence_base_sum = models.FloatField(default=0)
    monologue_sum = models.FloatField(default=0)  # longest monologue of each call, summed
    sentiment_sum = models.FloatField(default=0)
    sentiment_calls = models.BigIntegerField(default=0)
    positive = models.BigIntegerField(default=0)
    neutral = models.BigIntegerField(default=0)
    negative = models.BigIntegerField(default=0)
    # Calls per duration bucket: under 1 min, 1-3, 3-5, 5-10, 10-20, 20 min and over.
    duration_b0 = models.BigIntegerField(default=0)
    duration_b1 = models.BigIntegerField(default=0)
    duration_b2 = models.BigIntegerField(default=0)
    duration_b3 = models.BigIntegerField(default=0)
    duration_b4 = models.BigIntegerField(default=0)
    duration_b5 = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # agent_key before day: a view reads one agent key's (or the team's) run of days.
            models.UniqueConstraint(fields=["team", "agent_key", "day"], name="day_rollup_unique")
        ]


class TermRollup(models.Model):
    """Calls per day and agent carrying a tag, mentioning a tracked keyword, or matching a
    tracker (a team's saved query; `term` is the tracker's id)."""

    TAG, KEYWORD, TRACKER = "tag", "keyword", "tracker"
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "orgs.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    agent_key = models.BigIntegerField()
    kind = models.CharField(max_length=8)
    term = models.CharField(max_length=200)
    calls = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "agent_key", "day", "kind", "term"], name="term_rollup_unique"
            )
        ]
