from django.core.management.base import BaseCommand, CommandError

from callstudio.core.backup import BackupError, backup, engine, progress_to


class Command(BaseCommand):
    help = (
        "Write a backup of the whole database to FILE, safely while CallStudio serves: a SQLite "
        "file (online backup API) or a pg_dump custom-format archive (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file to write (replaced if it exists)")

    def handle(self, *args, file, **options):
        self.stdout.write(f"Backing up the {engine()} database to {file}")
        try:
            backup(file, progress_to(self.stdout))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {file}"))
