"""The reference rows a national dataset is built on: the real establishments and medicines loaded
by ``load_reference`` when they are there, generated stand-ins (codes starting ``GEN-``) otherwise.

At ``scale`` s the dataset keeps a share s of the hospitals and of the primary-care units (at
least one of each); ``medicines`` essential medicines are stocked (the national list first, then
vital/essential-class catalogue medicines, then generated ones when the catalogue is short).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Case, IntegerField, Value, When

from stock.choices import EstablishmentCategory, EstablishmentLevel, VenClass
from stock.models import Establishment, Medicine, Region

NATIONAL_HOSPITALS = 170
NATIONAL_PRIMARY_UNITS = 3174
HOSPITAL_CATEGORIES = [("CHU", 0.08), ("HR", 0.12), ("HP", 0.35), ("HPr", 0.45)]
PRIMARY_CATEGORIES = [("CSU-1", 0.25), ("CSU-2", 0.10), ("CSR-1", 0.35), ("CSR-2", 0.15), ("DR", 0.15)]


@dataclass(frozen=True)
class NationalReference:
    """Ids and attributes of the establishments and medicines of the dataset, as numpy arrays in
    the same order as their ids (establishments sorted by id, medicines by popularity rank)."""

    establishment_ids: np.ndarray
    is_hospital: np.ndarray
    medicine_ids: np.ndarray
    ven_classes: np.ndarray
    generated_establishments: int
    generated_medicines: int

    @property
    def establishments(self) -> int:
        return len(self.establishment_ids)

    @property
    def medicines(self) -> int:
        return len(self.medicine_ids)


def _share(total: int, scale: float) -> int:
    return max(1, round(total * scale))


def _regions() -> list[Region]:
    regions = list(Region.objects.order_by("code"))
    if regions:
        return regions
    Region.objects.bulk_create(
        [Region(code=f"{number:02d}", name_fr=f"Région {number:02d}") for number in range(1, 13)]
    )
    return list(Region.objects.order_by("code"))


def _generated_establishments(*, level: str, wanted: int, have: int) -> int:
    """Create ``wanted - have`` establishments of ``level`` with ``GEN-`` codes; returns how many."""
    missing = wanted - have
    if missing <= 0:
        return 0
    regions = _regions()
    hospital = level == EstablishmentLevel.HOSPITAL
    categories, weights = zip(*(HOSPITAL_CATEGORIES if hospital else PRIMARY_CATEGORIES), strict=True)
    prefix = "GEN-H" if hospital else "GEN-P"
    start = Establishment.objects.filter(code__startswith=prefix).count()
    rng = np.random.default_rng(start)  # its own draws: creating stand-ins must not shift the picks
    picked = rng.choice(len(categories), size=missing, p=np.array(weights) / sum(weights))
    rows = []
    for offset in range(missing):
        number = start + offset + 1
        category = EstablishmentCategory(categories[picked[offset]])
        rows.append(
            Establishment(
                code=f"{prefix}{number:05d}",
                name=f"{category.label} {number:05d}",
                category=category,
                level=level,
                region=regions[number % len(regions)],
            )
        )
    Establishment.objects.bulk_create(rows, batch_size=1000)
    return missing


def _establishments(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray, int]:
    generated = 0
    chosen: list[tuple[int, bool]] = []
    for level, national in (
        (EstablishmentLevel.HOSPITAL, NATIONAL_HOSPITALS),
        (EstablishmentLevel.PRIMARY, NATIONAL_PRIMARY_UNITS),
    ):
        wanted = _share(national, scale)
        active = Establishment.objects.filter(is_active=True, level=level)
        generated += _generated_establishments(level=level, wanted=wanted, have=active.count())
        ids = np.array(sorted(active.values_list("id", flat=True)), dtype=np.int64)
        if len(ids) > wanted:  # a share of the real establishments, spread over the whole list
            ids = np.sort(rng.choice(ids, size=wanted, replace=False))
        chosen.extend((int(pk), level == EstablishmentLevel.HOSPITAL) for pk in ids)
    chosen.sort()
    ids = np.array([pk for pk, _ in chosen], dtype=np.int64)
    hospital = np.array([is_hospital for _, is_hospital in chosen], dtype=bool)
    return ids, hospital, generated


def _medicines(rng: np.random.Generator, wanted: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``wanted`` medicines, the national essential list first; the order is the popularity rank."""
    priority = Case(
        When(is_essential=True, then=Value(0)),
        When(ven_class__in=[VenClass.VITAL, VenClass.ESSENTIAL], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = list(Medicine.objects.annotate(priority=priority).order_by("priority", "id").values_list("id", "ven_class"))
    rows = rows[:wanted]
    generated = wanted - len(rows)
    if generated > 0:
        start = Medicine.objects.filter(code__startswith="GEN-M").count()
        classes = np.random.default_rng(start).choice(
            [VenClass.VITAL, VenClass.ESSENTIAL, VenClass.NON_ESSENTIAL], size=generated, p=[0.2, 0.6, 0.2]
        )
        created = Medicine.objects.bulk_create(
            [
                Medicine(
                    code=f"GEN-M{start + offset + 1:05d}",
                    inn=f"Médicament généré {start + offset + 1:05d}",
                    strength="100 mg",
                    dosage_form="comprimé",
                    ven_class=str(classes[offset]),
                    is_essential=True,
                )
                for offset in range(generated)
            ],
            batch_size=1000,
        )
        if not created or created[0].pk is None:  # backends that do not return ids
            codes = [medicine.code for medicine in created]
            created = list(Medicine.objects.filter(code__in=codes).order_by("code"))
        rows.extend((medicine.pk, medicine.ven_class) for medicine in created)
    # The popularity rank is a shuffle: the national list's order says nothing about demand.
    order = rng.permutation(len(rows))
    ids = np.array([rows[i][0] for i in order], dtype=np.int64)
    ven = np.array([rows[i][1] for i in order])
    return ids, ven, max(generated, 0)


def national_reference(*, rng: np.random.Generator, scale: float, medicines: int) -> NationalReference:
    """Pick (and create where missing) the establishments and medicines of a dataset. The same
    seed gives the same picks whether the stand-ins had to be created on this run or not."""
    establishment_ids, is_hospital, generated_establishments = _establishments(rng, scale)
    medicine_ids, ven_classes, generated_medicines = _medicines(rng, medicines)
    return NationalReference(
        establishment_ids=establishment_ids,
        is_hospital=is_hospital,
        medicine_ids=medicine_ids,
        ven_classes=ven_classes,
        generated_establishments=generated_establishments,
        generated_medicines=generated_medicines,
    )
