"""factory_boy factories of the partners app (the shared ones live in tests/factories.py)."""

from __future__ import annotations

import datetime as dt

import factory

from partners.choices import (
    AgreementKind,
    CommitmentCategory,
    DeclarationStatus,
    SupplierRole,
    SupplyKind,
)
from partners.models import (
    Agreement,
    Commitment,
    CommitmentProgress,
    ProductSupplier,
    Signatory,
    SupplyDeclaration,
    SupplyLine,
)
from tests import factories


class ProductSupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductSupplier

    company = factory.SubFactory(factories.CompanyFactory)
    product = factory.SubFactory(factories.ProductFactory)
    role = SupplierRole.HOLDER


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyDeclaration

    company = factory.SubFactory(factories.CompanyFactory)
    medicine = factory.SubFactory(factories.MedicineFactory)
    month = dt.date(2026, 9, 1)
    stock_on_hand = 3000
    monthly_sales = 1000
    status = DeclarationStatus.ACCEPTED


class SupplyLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyLine

    declaration = factory.SubFactory(DeclarationFactory)
    expected_on = dt.date(2026, 10, 15)
    quantity = 500
    kind = SupplyKind.IMPORT


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    kind = AgreementKind.PROTOCOL
    title = factory.Sequence(lambda n: f"Protocole {n}")
    signed_on = dt.date(2021, 12, 7)


class SignatoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signatory

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(factories.OrganizationFactory)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    agreement = factory.SubFactory(AgreementFactory)
    party = factory.SubFactory(factories.OrganizationFactory)
    category = CommitmentCategory.LOCAL_SOURCING
    description = factory.Sequence(lambda n: f"Engagement {n}")
    indicator = "Part des achats locaux"
    unit = "%"
    baseline = 10
    target = 30
    start_date = dt.date(2022, 1, 1)
    due_date = dt.date(2026, 12, 31)


class CommitmentProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitmentProgress

    commitment = factory.SubFactory(CommitmentFactory)
    reported_on = dt.date(2024, 1, 1)
    value = 20
