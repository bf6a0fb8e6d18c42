from django.core.management.base import BaseCommand, CommandError

from callstudio.core.backup import BackupError, engine, progress_to, restore


class Command(BaseCommand):
    help = (
        "Replace everything in the database with the backup FILE (from `callstudio backup`), "
        "all or nothing, then apply newer migrations. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `callstudio backup`")
        parser.add_argument("--no-input", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, no_input, **options):
        if not no_input:
            answer = input(
                f"This replaces every organization, team, call and account in the {engine()} "
                f"database with the contents of {file}. Type 'restore' to go on: "
            )
            if answer.strip() != "restore":
                raise CommandError("Nothing was restored.")
        self.stdout.write(f"Restoring the {engine()} database from {file}")
        try:
            restore(file, progress_to(self.stdout))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored from {file}"))
