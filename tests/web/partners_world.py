"""Rows for the partners and stock pages: companies covered by the test association, their products,
declarations (with a replaced version), agreements with signatories and commitments with progress,
import jobs with an error report, audit entries. ``size`` multiplies every row count; call again with
another ``batch`` to add more of the same to the same agreement, company and declaration period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from partners.choices import DeclarationStatus
from partners.models import Agreement
from partners.selectors.declarations import previous_month
from stock.audit import audit_record
from stock.models import ImportJob
from tests import factories
from tests.partners.factories import (
    AgreementFactory,
    CommitmentFactory,
    CommitmentProgressFactory,
    DeclarationFactory,
    ProductSupplierFactory,
    SignatoryFactory,
    SupplyLineFactory,
)


@dataclass
class PartnersWorld:
    month: dt.date
    agreement: Any = None
    commitments: list[Any] = field(default_factory=list)
    declarations: list[Any] = field(default_factory=list)
    jobs: list[Any] = field(default_factory=list)


def build_partners_world(personas: Any, *, size: int = 1, batch: str = "A") -> PartnersWorld:
    month = previous_month(timezone.localdate())
    world = PartnersWorld(month=month)
    agreement = Agreement.objects.filter(title="Accord de test").first() or AgreementFactory(title="Accord de test")
    world.agreement = agreement
    companies = [personas.member_company]
    for number in range(2 * size):
        company = factories.CompanyFactory(organization__name=f"Laboratoire {batch}{number:03d}")
        factories.MembershipFactory(member=company.organization, body=personas.association)
        SignatoryFactory(agreement=agreement, organization=company.organization)
        companies.append(company)
    for number in range(3 * size):
        medicine = factories.MedicineFactory(inn=f"PARTENAIRE {batch}{number:03d}")
        for company in companies:
            ProductSupplierFactory(company=company, product=factories.ProductFactory(medicine=medicine))
            DeclarationFactory(
                company=company, medicine=medicine, month=month, version=1, is_current=False, stock_on_hand=10
            )
            current = DeclarationFactory(
                company=company,
                medicine=medicine,
                month=month,
                version=2,
                status=DeclarationStatus.SUBMITTED,
                monthly_sales=900 + number,
            )
            SupplyLineFactory(declaration=current)
            world.declarations.append(current)
    for number in range(2 * size):
        for party in (personas.association, personas.member_company.organization):
            commitment = CommitmentFactory(agreement=agreement, party=party, description=f"Engagement {batch}{number}")
            CommitmentProgressFactory(commitment=commitment, value=15 + number)
            world.commitments.append(commitment)
    for number in range(size):
        errors = [{"line": line, "column": "stock", "message": "Quantité négative."} for line in range(10 * size)]
        world.jobs.append(
            ImportJob.objects.create(
                kind="declaration",
                status="failed",
                file_name=f"{batch}{number}.csv",
                errors=errors,
                created_by=personas.association_user,
            )
        )
    for number in range(5 * size):
        audit_record(
            actor=personas.analyst, action="update", object_type="partners.supplydeclaration", object_id=number
        )
    return world
