"""One account per address, held by the database: allauth's own constraint
(`unique_verified_email`) covers verified addresses only, so an unverified address could be
recorded for two accounts at once. This unique index covers every address, primary or secondary,
verified or pending (allauth stores them lower-cased)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_pending_totp"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX accounts_one_account_per_email ON account_emailaddress (email)",
            "DROP INDEX accounts_one_account_per_email",
        )
    ]
