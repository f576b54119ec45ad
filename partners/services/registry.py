"""Writes of the registry: loading the reference facts, and the succession of a renamed body."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import (
    Agreement,
    Commitment,
    Company,
    Membership,
    Organization,
    Person,
    Representation,
    Signatory,
)
from partners.models.registry import MEMBERSHIP_BODY_KINDS, membership_body_refusal

ORG_FIELDS = ("acronym", "kind", "description", "country", "founded_on", "dissolved_on", "source")
COMMITMENT_FIELDS = ("indicator", "unit", "baseline", "target", "start_date", "due_date")


def _upsert(model, counts: Counter, lookup: dict[str, Any], defaults: dict[str, Any]):
    row, created = model.objects.update_or_create(**lookup, defaults=defaults)
    counts[f"{model._meta.model_name}_{'created' if created else 'kept'}"] += 1
    return row


@transaction.atomic
def registry_load(
    *, organizations: list[dict], memberships: list[dict], representations: list[dict], agreements: list[dict]
) -> Counter:
    """Create or update the registry from structured facts (see ``partners.data.registry``). Natural
    keys (names, titles) make it idempotent: a second run changes nothing and creates nothing.
    Returns counts of rows created and kept, per model."""
    counts: Counter = Counter()
    by_key: dict[str, Organization] = {}
    for item in organizations:
        defaults = {
            field: item.get(field, "" if field not in ("founded_on", "dissolved_on") else None) for field in ORG_FIELDS
        }
        defaults["country"] = item.get("country", "Maroc")
        by_key[item["key"]] = _upsert(Organization, counts, {"name": item["name"]}, defaults)
    for item in organizations:  # links once every body exists
        organization = by_key[item["key"]]
        organization.predecessor = by_key[item["predecessor"]] if item.get("predecessor") else None
        organization.parent = by_key[item["parent"]] if item.get("parent") else None
        organization.save(update_fields=["predecessor", "parent"])
        if "company" in item:
            _upsert(Company, counts, {"organization": organization}, item["company"])
    for item in memberships:
        if refusal := membership_body_refusal(by_key[item["body"]]):
            raise ValidationError({"body": [refusal]})
        _upsert(
            Membership,
            counts,
            {"member": by_key[item["member"]], "body": by_key[item["body"]], "started_on": item.get("started_on")},
            {"ended_on": item.get("ended_on")},
        )
    people: dict[str, Person] = {}
    for item in representations:
        person = _upsert(Person, counts, {"full_name": item["person"]}, {"title": item.get("title", "")})
        people[item["person"]] = person
        _upsert(
            Representation,
            counts,
            {"person": person, "organization": by_key[item["organization"]], "role": item["role"]},
            {"from_year": item.get("from_year"), "to_year": item.get("to_year"), "source": item.get("source", "")},
        )
    for item in agreements:
        agreement = _upsert(
            Agreement,
            counts,
            {"title": item["title"]},
            {field: item.get(field, "") for field in ("kind", "signed_on", "place", "domains", "summary", "source")},
        )
        for signatory in item["signatories"]:
            representative = signatory.get("representative")
            _upsert(
                Signatory,
                counts,
                {"agreement": agreement, "organization": by_key[signatory["organization"]]},
                {"representative": people[representative] if representative else None},
            )
        for commitment in item["commitments"]:
            _upsert(
                Commitment,
                counts,
                {
                    "agreement": agreement,
                    "party": by_key[commitment["party"]],
                    "description": commitment["description"],
                },
                {
                    "category": commitment["category"],
                    **{f: commitment.get(f, "" if f in ("indicator", "unit") else None) for f in COMMITMENT_FIELDS},
                },
            )
    return counts


@transaction.atomic
def organization_succeed(
    *, predecessor: Organization, name: str, acronym: str, kind: str, on: dt.date, description: str = ""
) -> Organization:
    """Record that ``predecessor`` became a new body on ``on`` (AMIP -> FMIP): the new body links to
    it, the old one is dissolved that day, and the old one's users and current memberships (both as
    member and as body) move to the new one, so that the people who declared keep declaring."""
    predecessor = Organization.objects.select_for_update().get(pk=predecessor.pk)
    if Organization.objects.filter(predecessor=predecessor).exists():
        raise ValidationError({"predecessor": [_("Cette organisation a déjà un successeur.")]})
    if predecessor.founded_on and on < predecessor.founded_on:
        raise ValidationError({"on": [_("La succession précède la fondation de l'organisation.")]})
    current = Membership.objects.filter(ended_on__isnull=True)
    if current.filter(body=predecessor).exists() and kind not in MEMBERSHIP_BODY_KINDS:
        # Its members move to the successor, which must be a body that may have members.
        refusal = _("Cette organisation a des membres : son successeur est une association ou une fédération.")
        raise ValidationError({"kind": [refusal]})
    successor = Organization.objects.create(
        name=name,
        acronym=acronym,
        kind=kind,
        description=description,
        founded_on=on,
        predecessor=predecessor,
        parent=predecessor.parent,
        country=predecessor.country,
    )
    predecessor.dissolved_on = on
    predecessor.save(update_fields=["dissolved_on"])
    successor.users.set(predecessor.users.all())
    for membership in current.filter(member=predecessor):
        Membership.objects.create(member=successor, body=membership.body, started_on=on)
    for membership in current.filter(body=predecessor).select_related("member"):
        Membership.objects.create(member=membership.member, body=successor, started_on=on)
    current.filter(member=predecessor).update(ended_on=on)
    current.filter(body=predecessor).update(ended_on=on)
    return successor
