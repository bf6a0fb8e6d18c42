"""Team names get their TR39 confusable skeleton, unique in the organization. Existing rows are
backfilled; where two existing names already share a skeleton, the older keeps it and the newer
gets it suffixed with its id (after a separator no name can contain), so the constraint holds
and nothing is renamed: the next rename of that team is checked like any other."""

from django.db import migrations, models

from callstudio.core.validation import name_skeleton


def backfill(apps, schema_editor):
    Team = apps.get_model("orgs", "Team")
    taken = set()
    for row in Team.objects.order_by("created_at", "id").only("id", "organization_id", "name"):
        skeleton = name_skeleton(row.name)
        if (row.organization_id, skeleton) in taken:
            skeleton = f"{skeleton}\x1f{row.id}"
        taken.add((row.organization_id, skeleton))
        Team.objects.filter(id=row.id).update(name_skeleton=skeleton)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0004_invitations'),
    ]

    operations = [
        migrations.AddField(
            model_name='team',
            name='name_skeleton',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='team',
            constraint=models.UniqueConstraint(fields=('organization', 'name_skeleton'), name='team_name_skeleton_unique_in_org'),
        ),
    ]
