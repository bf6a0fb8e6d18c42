"""Personal tokens expire. Tokens that exist when this runs get created_at + 90 days (the default
lifetime of a new token): none keeps working forever, and none dies the moment this is deployed
unless it is already older than 90 days."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

DEFAULT_LIFETIME = timedelta(days=90)


def backfill_expiry(apps, schema_editor):
    PersonalToken = apps.get_model("accounts", "PersonalToken")
    PersonalToken.objects.filter(expires_at__isnull=True).update(
        expires_at=F("created_at") + DEFAULT_LIFETIME
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_one_account_per_email_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="personaltoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(backfill_expiry, migrations.RunPython.noop),
    ]
