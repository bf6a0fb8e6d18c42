"""`callstudio analytics run|rebuild|status`: operate the analysis pass by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from callstudio.orgs.models import Team
from callstudio.pipeline.analysis import analyze_pending, pending_count
from callstudio.pipeline.rebuild import rebuild


class Command(BaseCommand):
    help = (
        "run: analyse every pending call now (what the worker does); "
        "rebuild: recompute teams' rollups from their analysed calls; "
        "status: calls waiting for analysis."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "rebuild", "status"])
        parser.add_argument("--team", action="append", default=[], help="team id (rebuild)")
        parser.add_argument("--org", help="every team of this organization (rebuild)")

    def handle(self, *args, action, team, org, **options):
        if action == "status":
            self.stdout.write(f"{pending_count()} calls waiting for analysis")
        elif action == "run":
            done = analyze_pending(progress=lambda n: self.stdout.write(f"  analysed {n} calls"))
            self.stdout.write(f"Analysed {done} calls.")
        else:
            teams = Team.objects.all()
            if org or team:
                teams = teams.filter(organization_id=org) if org else teams.filter(id__in=team)
            team_ids = list(teams.values_list("id", flat=True))
            if not team_ids:
                raise CommandError("No such team.")
            with transaction.atomic():
                done = rebuild(
                    team_ids, progress=lambda n: self.stdout.write(f"  counted {n} calls")
                )
            self.stdout.write(f"Rebuilt the rollups of {len(team_ids)} teams from {done} calls.")
