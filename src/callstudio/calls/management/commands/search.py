"""`callstudio search rebuild`: write the search index again from every call."""

from django.core.management.base import BaseCommand
from django.db import transaction

from callstudio.calls.models import Call
from callstudio.search.rebuild import rebuild


class Command(BaseCommand):
    help = "rebuild: write the search index again from every stored call (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args, action, **options):
        total = Call.objects.count()
        self.stdout.write(f"Indexing {total} calls...")

        def progress(n):
            self.stdout.write(f"  indexed {n} of {total} calls ({100 * n // max(total, 1)} %)")

        with transaction.atomic():
            done = rebuild(Call.objects.all(), progress=progress)
        self.stdout.write(f"Indexed {done} calls.")
