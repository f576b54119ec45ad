"""Loading the shipped reference data into the database, idempotently.

Each loader reads the files through :mod:`stock.reference` (pure Python, where all matching
happens), then synchronises one table at a time by its natural key with two bulk queries: rows
that are missing are created, rows whose reference fields differ are updated, the others are left
alone, so a second run changes nothing. Rows that are not in the files (demo data, establishments
added by hand) are never touched, and fields the files do not carry (supplier, users, VEN class,
lead times, product status...) keep their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction

from stock.models import Establishment, Medicine, Product, Province, Region
from stock.reference.cnops import load_catalogue
from stock.reference.essential import build_matcher, load_neml, load_who_eml, match_neml, match_who_eml
from stock.reference.report import MatchReport
from stock.reference.territory import load_establishments, load_provinces, load_regions

BATCH_SIZE = 1000


@dataclass(frozen=True)
class SyncCounts:
    """What one table synchronisation did."""

    table: str
    created: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return f"{self.table}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True)
class ReferenceLoad:
    """The outcome of one loader: table counts and the matching reports to show."""

    counts: tuple[SyncCounts, ...]
    reports: tuple[MatchReport, ...] = ()


def _sync(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    fields: Sequence[str],
    create_only: Sequence[str] = (),
) -> SyncCounts:
    """Create or update ``rows`` (dicts keyed by attribute name) of ``model``, matched on ``key``.

    ``create_only`` fields are written when a row is created and never changed afterwards.
    """
    existing = {tuple(getattr(instance, name) for name in key): instance for instance in model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        instance = existing.get(tuple(row[name] for name in key))
        if instance is None:
            to_create.append(model(**{name: row[name] for name in (*fields, *create_only)}))
            continue
        changed = [name for name in fields if getattr(instance, name) != row[name]]
        for name in changed:
            setattr(instance, name, row[name])
        if changed:
            to_update.append(instance)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return SyncCounts(
        table=str(model._meta.verbose_name_plural),
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
    )


@transaction.atomic
def reference_load_territory(*, directory: Path | None = None) -> ReferenceLoad:
    """Create or update the 12 regions and 83 provinces (HCP codes, names, 2024 population)."""
    regions = [
        {"code": r.code, "name_fr": r.name_fr, "name_ar": r.name_ar, "population": r.population}
        for r in load_regions(directory)
    ]
    region_counts = _sync(Region, regions, key=["code"], fields=["code", "name_fr", "name_ar", "population"])
    region_ids = dict(Region.objects.values_list("code", "id"))
    provinces = [
        {
            "code": p.code,
            "name_fr": p.name_fr,
            "name_ar": p.name_ar,
            "kind": p.kind,
            "region_id": region_ids[p.region_code],
            "population": p.population,
        }
        for p in load_provinces(directory)
    ]
    province_counts = _sync(
        Province,
        provinces,
        key=["code"],
        fields=["code", "name_fr", "name_ar", "kind", "region_id", "population"],
    )
    return ReferenceLoad(counts=(region_counts, province_counts))


@transaction.atomic
def reference_load_establishments(*, directory: Path | None = None) -> ReferenceLoad:
    """Create or update the 3,344 public establishments with their region and province.

    Needs the territory loaded first. An establishment whose province was not matched is stored
    without one (never with a guessed one) and listed in the province report.
    """
    result = load_establishments(directory)
    region_ids = dict(Region.objects.values_list("code", "id"))
    province_ids = dict(Province.objects.values_list("code", "id"))
    rows = [
        {
            "code": e.code,
            "name": e.name,
            "category": e.category,
            "level": e.level,
            "region_id": region_ids[e.region_code],
            "province_id": province_ids[e.province_code] if e.province_code else None,
            "commune": e.commune,
        }
        for e in result.establishments
    ]
    counts = _sync(
        Establishment,
        rows,
        key=["code"],
        fields=["code", "name", "category", "level", "region_id", "province_id", "commune"],
    )
    return ReferenceLoad(counts=(counts,), reports=(result.region_report, result.province_report))


@transaction.atomic
def reference_load_medicines(*, directory: Path | None = None) -> ReferenceLoad:
    """Create or update the CNOPS medicines and products with essential flags, ATC codes, sections.

    Medicines are matched on (DCI, strength, form), products on EAN. A medicine keeps the code it
    was created with.
    """
    catalogue = load_catalogue(directory)
    matcher = build_matcher(catalogue.medicines, directory)
    neml = match_neml(load_neml(directory), catalogue.medicines, matcher)
    who = match_who_eml(load_who_eml(directory), catalogue.medicines, matcher)

    medicine_rows = []
    for medicine in catalogue.medicines:
        assignment = who.by_inn.get(medicine.inn)
        medicine_rows.append(
            {
                "code": medicine.code,
                "inn": medicine.inn,
                "strength": medicine.strength,
                "dosage_form": medicine.dosage_form,
                "atc_code": assignment.atc_code if assignment else "",
                "therapeutic_section": assignment.section if assignment else "",
                "is_essential": medicine.code in neml.essential_codes,
                "on_who_eml": bool(assignment and assignment.on_2023_list),
            }
        )
    medicine_counts = _sync(
        Medicine,
        medicine_rows,
        key=["inn", "strength", "dosage_form"],
        fields=["inn", "strength", "dosage_form", "atc_code", "therapeutic_section", "is_essential", "on_who_eml"],
        create_only=["code"],
    )

    medicine_ids = {
        (inn, strength, form): pk
        for pk, inn, strength, form in Medicine.objects.values_list("id", "inn", "strength", "dosage_form")
    }
    natural_key = {m.code: (m.inn, m.strength, m.dosage_form) for m in catalogue.medicines}
    product_rows = [
        {
            "ean": p.ean,
            "medicine_id": medicine_ids[natural_key[p.medicine_code]],
            "brand": p.brand,
            "presentation": p.presentation,
            "public_price": p.public_price,
            "hospital_price": p.hospital_price,
            "reimbursement_base": p.reimbursement_base,
            "reimbursement_rate": p.reimbursement_rate,
            "is_originator": p.is_originator,
        }
        for p in catalogue.products
    ]
    product_counts = _sync(
        Product,
        product_rows,
        key=["ean"],
        fields=[
            "ean",
            "medicine_id",
            "brand",
            "presentation",
            "public_price",
            "hospital_price",
            "reimbursement_base",
            "reimbursement_rate",
            "is_originator",
        ],
    )
    return ReferenceLoad(
        counts=(medicine_counts, product_counts),
        reports=(neml.report, who.names_report, who.medicines_report),
    )
