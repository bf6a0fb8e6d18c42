from django.core.management.base import BaseCommand

from callstudio.core.mail import latest_messages, outbox_dir


class Command(BaseCommand):
    help = (
        "Print the latest mail written to the outbox ($CALLSTUDIO_DATA_DIR/outbox/), used when "
        "no SMTP server is configured (EMAIL_HOST)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=5, help="how many messages (default 5)")

    def handle(self, *args, count, **options):
        messages = latest_messages(max(count, 0))
        if not messages:
            self.stdout.write(f"The outbox ({outbox_dir()}) is empty.")
            return
        for message in messages:
            self.stdout.write(
                f"To: {message['to']}\nSubject: {message['subject']}\nDate: {message['date']}\n"
                f"\n{message['body'].rstrip()}\n\n{'-' * 72}"
            )
