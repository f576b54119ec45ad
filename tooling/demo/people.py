"""Demo logins and the generated companies with their memberships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password

from partners.choices import OrganizationKind
from partners.models import Company, Membership, Organization
from stock import roles
from stock.models import Establishment
from tooling.demo.batches import bulk_insert
from tooling.demo.industry import KIND_BODIES
from tooling.demo.options import DEMO_SOURCE, DEMO_USERS

DEFAULT_PASSWORD = "maroc-medicaments-demo"  # noqa: S105 - documented demo-only login
BODY_NAMES = {
    "AMMG": ("Association des génériqueurs (démo)", OrganizationKind.ASSOCIATION),
    "LEMM": ("Entreprises du médicament (démo)", OrganizationKind.ASSOCIATION),
    "FMIIP": ("Fédération de l'industrie pharmaceutique (démo)", OrganizationKind.FEDERATION),
}


@dataclass(frozen=True)
class DemoLogin:
    """One printed login: who it is for, the username, and what the user is linked to."""

    role: str
    username: str
    linked_to: str


def find_or_create_bodies() -> tuple[dict[str, Organization], list[str]]:
    """The associations companies join, by acronym: the registry's when loaded, else demo ones
    (clearly named, marked as generated). Returns them and the acronyms that had to be created."""
    bodies, created = {}, []
    for acronym, (name, kind) in BODY_NAMES.items():
        body = (
            Organization.objects.filter(acronym__iexact=acronym)
            .exclude(kind=OrganizationKind.COMPANY)
            .order_by("pk")
            .first()
        )
        if body is None:
            body = Organization.objects.create(name=name, acronym=acronym, kind=kind, source=DEMO_SOURCE)
            created.append(acronym)
        bodies[acronym] = body
    return bodies, created


def create_companies(
    companies: pd.DataFrame, bodies: dict[str, Organization], rng: np.random.Generator
) -> dict[int, Company]:
    """One organization (kind company) and one company row per planned company, with its
    memberships; returns the companies by plan key."""
    organizations = bulk_insert(
        Organization,
        (
            Organization(
                name=name,
                kind=OrganizationKind.COMPANY,
                description="Entreprise fictive générée pour la démonstration.",
                source=DEMO_SOURCE,
            )
            for name in companies["name"]
        ),
    )
    company_rows = bulk_insert(
        Company,
        (
            Company(
                organization=organization,
                registration_number=f"DEMO-{key:04d}",
                is_local_manufacturer=bool(is_local),
                contact_email=f"declarations{key}@demo.invalid",
            )
            for organization, key, is_local in zip(organizations, companies["key"], companies["is_local"], strict=True)
        ),
    )
    joined = rng.integers(0, 3650, len(companies))
    memberships = [
        Membership(
            member=organization, body=bodies[acronym], started_on=dt.date(2014, 1, 1) + dt.timedelta(days=int(days))
        )
        for organization, kind, days in zip(organizations, companies["kind"], joined, strict=True)
        for acronym in KIND_BODIES[kind]
    ]
    bulk_insert(Membership, memberships)
    return dict(zip(companies["key"], company_rows, strict=True))


#: The name the pages show for each demo user (in the header, on assignments and comments).
DISPLAY_NAMES = {
    "analyst": "Analyste",
    "regional": "Analyste régional",
    "hospital": "Pharmacie hospitalière",
    "health centre": "Centre de santé",
    "association": "Association",
    "company": "Laboratoire",
}


def create_users(
    *,
    password: str,
    hospital: Establishment | None,
    centre: Establishment | None,
    association: Organization,
    company: Company,
) -> list[DemoLogin]:
    """The six demo users (national analyst, regional analyst of the demo hospital's region,
    hospital, health centre, association, company), each in its role group and linked to what it
    acts for. ``password`` must pass the password validators."""
    user_model = get_user_model()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    region = hospital.region if hospital else (centre.region if centre else None)
    links = {
        "analyst": (roles.ANALYST, "toutes les données"),
        "regional": (roles.ANALYST, str(region) if region else ""),
        "hospital": (roles.ESTABLISHMENT, str(hospital) if hospital else ""),
        "health centre": (roles.ESTABLISHMENT, str(centre) if centre else ""),
        "association": (roles.INDUSTRY, str(association)),
        "company": (roles.INDUSTRY, str(company)),
    }
    logins = []
    encoded = make_password(password)  # one hash for all the users: hashing is deliberately slow
    for role, username in DEMO_USERS:
        group, linked_to = links[role]
        if role in ("regional", "hospital", "health centre") and not linked_to:
            continue
        user = user_model(username=username, email=f"{username}@demo.invalid", first_name=DISPLAY_NAMES[role])
        validate_password(password, user)
        user.password = encoded
        user.save()
        user.groups.add(groups[group])
        logins.append(DemoLogin(role=role, username=username, linked_to=linked_to))
        if role == "regional":
            region.analysts.add(user)
        elif role == "hospital":
            hospital.users.add(user)
        elif role == "health centre":
            centre.users.add(user)
        elif role == "association":
            association.users.add(user)
        elif role == "company":
            company.organization.users.add(user)
    return logins


def demo_logins() -> list[DemoLogin]:
    """The demo users that exist, in the order of ``DEMO_USERS``, with what each is linked to."""
    users = {
        user.username: user
        for user in get_user_model()
        .objects.filter(username__in=[username for _, username in DEMO_USERS])
        .prefetch_related("establishments", "organizations", "analyst_regions", "analyst_provinces")
    }
    logins = []
    for role, username in DEMO_USERS:
        user = users.get(username)
        if user is None:
            continue
        linked = [
            str(item)
            for item in (
                *user.establishments.all(),
                *user.organizations.all(),
                *user.analyst_regions.all(),
                *user.analyst_provinces.all(),
            )
        ]
        logins.append(DemoLogin(role=role, username=username, linked_to=", ".join(linked) or "toutes les données"))
    return logins
