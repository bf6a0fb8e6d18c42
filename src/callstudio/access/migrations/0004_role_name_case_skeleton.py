"""Role names get their second key (core/validation.py `name_case_skeleton`), unique in the
organization, backfilled as orgs 0008 does for teams: of two existing names that already share
it, the older keeps it and the newer gets it suffixed with its id; nothing is renamed."""

from django.db import migrations, models

from callstudio.core.validation import name_case_skeleton


def backfill(apps, schema_editor):
    Role = apps.get_model("access", "Role")
    taken = set()
    for row in Role.objects.order_by("created_at", "id").only("id", "organization_id", "name"):
        key = name_case_skeleton(row.name)
        if (row.organization_id, key) in taken:
            key = f"{key}\x1f{row.id}"
        taken.add((row.organization_id, key))
        Role.objects.filter(id=row.id).update(name_case_skeleton=key)


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0003_role_name_skeleton"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="name_case_skeleton",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="role",
            constraint=models.UniqueConstraint(
                fields=("organization", "name_case_skeleton"),
                name="role_name_case_skeleton_unique_in_org",
            ),
        ),
    ]
