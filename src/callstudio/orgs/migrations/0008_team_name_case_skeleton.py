"""Team names get their second key (core/validation.py `name_case_skeleton`: the confusable
skeleton of the name in capitals), unique in the organization, so that a look-alike differing in
case too ("ВILLING" with a Cyrillic В, next to "billing") is refused like any look-alike. Existing
rows are backfilled as 0005 did for the first key: where two existing names already share the
key, the older keeps it and the newer gets it suffixed with its id (after a separator no name
can contain), so the constraint holds and nothing is renamed."""

from django.db import migrations, models

from callstudio.core.validation import name_case_skeleton


def backfill(apps, schema_editor):
    Team = apps.get_model("orgs", "Team")
    taken = set()
    for row in Team.objects.order_by("created_at", "id").only("id", "organization_id", "name"):
        key = name_case_skeleton(row.name)
        if (row.organization_id, key) in taken:
            key = f"{key}\x1f{row.id}"
        taken.add((row.organization_id, key))
        Team.objects.filter(id=row.id).update(name_case_skeleton=key)


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0007_team_managed_by_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="name_case_skeleton",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="team",
            constraint=models.UniqueConstraint(
                fields=("organization", "name_case_skeleton"),
                name="team_name_case_skeleton_unique_in_org",
            ),
        ),
    ]
