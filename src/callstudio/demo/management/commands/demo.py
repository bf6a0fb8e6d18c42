from django.core.management.base import BaseCommand

from callstudio.demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo organization (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        org, created, logins = load_demo(progress=lambda msg: self.stdout.write(f"  {msg}"))
        self.stdout.write(
            ("Loaded" if created else "Already loaded")
            + f" demo organization {org.name!r} ({org.id})."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, label in logins:
            self.stdout.write(f"  {email:<28} {label}")
