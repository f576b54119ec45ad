"""The objects the permission matrix points its requests at, each in two copies where ownership
matters: one that belongs to the requesting role ("own") and one that belongs to another party
("other").

Ownership per kind of object:
- establishment data (stock levels, lots, movements, transfers, reports, consumption, position
  scores, establishment alerts, establishment pages): own = hospital A's, other = hospital B's;
- a user's things (import jobs, API tokens, alert subscriptions, notifications): own = the
  requesting user's, other = hospital B's user's;
- declarations: own = the association's member company's, other = an outside company's;
- shared reference and register data: one object, ownership does not apply ("any").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from partners.choices import DeclarationStatus
from shortages.choices import AlertEventKind
from shortages.models import AlertEvent, Notification, RiskScore, ScoringRun, Subscription
from shortages.models.learning import PredictionModel
from stock.audit import audit_record
from stock.models import ApiToken, ConsumptionMonth, ImportJob, MonthlyReport, StockLevel, StockLot
from stock.services.movements import movement_record
from stock.services.transfers import transfer_ship
from tests.factories import UserFactory
from tests.partners.factories import (
    AgreementFactory,
    CommitmentFactory,
    CommitmentProgressFactory,
    DeclarationFactory,
    ProductSupplierFactory,
)
from tests.web.world import build_world

# Roles the matrix asks as, and the persona that plays each; "regional" is an analyst linked to
# hospital A's region (its "own" establishment objects are hospital A's, "other" hospital B's, in
# another region), made by ``build_matrix_world``.
ROLE_PERSONAS = {
    "analyst": "analyst",
    "hospital": "hospital_a_user",
    "industry": "association_user",
    "norole": "no_role_user",
}
REGIONAL = "regional"
ROLES = ("anon", *ROLE_PERSONAS, REGIONAL)


@dataclass
class MatrixWorld:
    personas: Any
    regional_analyst: Any = None
    shared: dict[str, Any] = field(default_factory=dict)
    by_establishment: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    by_user: dict[str, dict[Any, Any]] = field(default_factory=dict)
    by_company: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def user(self, role: str):
        if role == REGIONAL:
            return self.regional_analyst
        return None if role == "anon" else getattr(self.personas, ROLE_PERSONAS[role])

    def target(self, kind: str, role: str, ownership: str):
        """The object of ``kind`` that is ``ownership`` ("own", "other", "any") for ``role``."""
        if kind in self.by_establishment:
            return self.by_establishment[kind][0 if ownership == "own" else 1]
        if kind in self.by_company:
            return self.by_company[kind][0 if ownership == "own" else 1]
        if kind in self.by_user:
            owners = self.by_user[kind]
            if ownership == "own":
                return owners.get(self.user(role)) or owners[self.personas.hospital_b_user]
            return owners[self.personas.hospital_b_user]
        return self.shared[kind]


def _per_user(personas, make, *extra_users) -> dict[Any, Any]:
    users = [getattr(personas, name) for name in ROLE_PERSONAS.values()] + [personas.hospital_b_user, *extra_users]
    return {user: make(user) for user in users}


def build_matrix_world(personas) -> MatrixWorld:
    """Every object a URL of the site can point at, for the personas of ``tests/conftest.py``."""
    world = build_world(personas, size=1)
    regional_analyst = UserFactory(username="regional_analyst", roles=["analyst"])
    personas.hospital_a.region.analysts.add(regional_analyst)
    today = timezone.localdate()
    hospital_a, hospital_b = personas.hospital_a, personas.hospital_b
    third, fourth = world.establishments[2], world.establishments[3]
    medicine = world.medicines[0]
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    analyst = personas.analyst

    def movement(establishment):
        return movement_record(
            user=analyst,
            item={
                "establishment": establishment.code,
                "medicine": medicine.code,
                "kind": "receipt",
                "business_date": today,
                "quantity": 500,
            },
        )

    def transfer(source, destination):
        return transfer_ship(
            user=analyst, source=source, destination=destination, medicine=medicine, quantity=5, shipped_on=today
        )

    def report(establishment):
        return MonthlyReport.objects.create(
            establishment=establishment,
            medicine=medicine,
            month=month.replace(year=month.year - 1),
            opening_balance=10,
            closing_count=10,
        )

    def alert_of(establishment):
        return next(alert for alert in world.alerts if alert.establishment_id == establishment.pk)

    position_scores = RiskScore.objects.filter(medicine=medicine, establishment__isnull=False)
    result = MatrixWorld(personas=personas, regional_analyst=regional_analyst)
    result.by_establishment = {
        "establishment": (hospital_a, hospital_b),
        "stock-level": tuple(
            StockLevel.objects.get(establishment=e, medicine=medicine) for e in (hospital_a, hospital_b)
        ),
        "lot": tuple(StockLot.objects.filter(establishment=e).first() for e in (hospital_a, hospital_b)),
        "movement": (movement(hospital_a), movement(hospital_b)),
        # Hospital A receives its own transfer; hospital B's is between two other parties.
        "transfer": (transfer(third, hospital_a), transfer(fourth, hospital_b)),
        "monthly-report": (report(hospital_a), report(hospital_b)),
        "consumption": tuple(
            ConsumptionMonth.objects.filter(establishment=e).first() for e in (hospital_a, hospital_b)
        ),
        "risk-score": tuple(position_scores.get(establishment=e) for e in (hospital_a, hospital_b)),
        "alert": (alert_of(hospital_a), alert_of(hospital_b)),
    }
    national_alert = next(alert for alert in world.alerts if alert.establishment_id is None)
    events = {
        alert.pk: AlertEvent.objects.create(alert=alert, kind=AlertEventKind.ESCALATED, to_value="high")
        for alert in (alert_of(hospital_a), alert_of(hospital_b), national_alert)
    }

    def notified_event(user):
        """The event of an alert that ``user``'s notification speaks of: one of their establishment's
        for its users, a national one otherwise (the inbox lists only alerts the user still sees)."""
        for establishment in (hospital_a, hospital_b):
            if establishment.users.filter(pk=user.pk).exists():
                return events[alert_of(establishment).pk]
        return events[national_alert.pk]

    result.by_user = {
        "import-job": _per_user(
            personas,
            lambda user: ImportJob.objects.create(kind="monthly_report", file_name="r.csv", created_by=user),
            regional_analyst,
        ),
        "api-token": _per_user(personas, lambda user: ApiToken.issue(user=user, name="second")[0], regional_analyst),
        "alert-subscription": _per_user(
            personas, lambda user: Subscription.objects.create(user=user, region=hospital_a.region), regional_analyst
        ),
        "notification": _per_user(
            personas,
            lambda user: Notification.objects.create(
                user=user,
                alert=notified_event(user).alert,
                event=notified_event(user),
                subject="Alerte",
                body="Rupture",
            ),
            regional_analyst,
        ),
    }
    result.by_company = {
        "declaration": (
            DeclarationFactory(company=personas.member_company, medicine=medicine, status=DeclarationStatus.SUBMITTED),
            DeclarationFactory(company=personas.outside_company, medicine=medicine, status=DeclarationStatus.SUBMITTED),
        ),
    }
    agreement = AgreementFactory()
    commitment = CommitmentFactory(agreement=agreement, party=personas.association)
    result.shared = {
        "region": hospital_a.region,
        "medicine": medicine,
        "product": medicine.products.first(),
        "organization": personas.association,
        "company": personas.member_company,
        "membership": personas.member_company.organization.memberships.first(),
        "productsupplier": ProductSupplierFactory(company=personas.member_company),
        "agreement": agreement,
        "commitment": commitment,
        "commitmentprogress": CommitmentProgressFactory(commitment=commitment),
        "scoring-run": ScoringRun.objects.create(as_of=today, status="succeeded"),
        "national-alert": national_alert,
        "shortage": world.shortages[0],
        "shortage-action": world.shortages[0].actions.first(),
        "audit": audit_record(actor=analyst, action="create", obj=medicine, changes={}),
        # A stored model that is not active (activating it changes no probability of this world).
        "prediction-model": PredictionModel.objects.create(
            version=1, horizon_months=2, first_month=month, trained_until=month, payload="{}"
        ),
    }
    return result
