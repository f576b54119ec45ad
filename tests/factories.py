"""factory_boy factories for the models that most tests need."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from partners.choices import OrganizationKind
from partners.models import Company, Membership, Organization
from stock.choices import EstablishmentCategory, EstablishmentLevel
from stock.models import Establishment, Medicine, Product, Province, Region

DEFAULT_PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.ma")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional and live-server tests flush the groups the migration made
            self.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in extracted])


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 12) + 1:02d}")
    name_fr = factory.LazyAttribute(lambda region: f"Région {region.code}")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"99.{n:03d}")
    name_fr = factory.Sequence(lambda n: f"Province {n}")


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"Établissement {n}")
    category = EstablishmentCategory.HP
    level = EstablishmentLevel.HOSPITAL
    region = factory.SubFactory(RegionFactory)
    province = factory.SubFactory(ProvinceFactory, region=factory.SelfAttribute("..region"))


class MedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medicine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MED-{n:05d}")
    inn = factory.Sequence(lambda n: f"MOLECULE {n}")
    strength = "500 MG"
    dosage_form = "COMPRIME"
    is_essential = True
    therapeutic_section = "Anti-infective medicines"
    atc_code = "J01CA04"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("ean",)

    ean = factory.Sequence(lambda n: f"{6110000000000 + n}")
    medicine = factory.SubFactory(MedicineFactory)
    brand = factory.Sequence(lambda n: f"MARQUE {n}")
    public_price = 25


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.ASSOCIATION


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    organization = factory.SubFactory(
        OrganizationFactory, kind=OrganizationKind.COMPANY, name=factory.Sequence(lambda n: f"Laboratoire {n}")
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    member = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.COMPANY)
    body = factory.SubFactory(OrganizationFactory)
    started_on = dt.date(2020, 1, 1)
