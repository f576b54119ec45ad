"""Load the partners registry facts (bodies, people, agreements, commitments). Safe to re-run."""

from django.core.management.base import BaseCommand

from partners.data import registry as facts
from partners.services.registry import registry_load


class Command(BaseCommand):
    help = "Charge le registre des partenaires (organisations, accords, engagements). Idempotent."

    def handle(self, *args, **options):
        counts = registry_load(
            organizations=facts.ORGANIZATIONS,
            memberships=facts.MEMBERSHIPS,
            representations=facts.REPRESENTATIONS,
            agreements=facts.AGREEMENTS,
        )
        for key in sorted(counts):
            self.stdout.write(f"{key}: {counts[key]}")
        created = sum(value for key, value in counts.items() if key.endswith("_created"))
        self.stdout.write(self.style.SUCCESS(f"Registre chargé : {created} lignes créées."))
