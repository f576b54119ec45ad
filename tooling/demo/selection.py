"""Reads the reference rows the demo is built on: establishments, medicines and their products.

Each read is one query into a DataFrame; the choice among them is seeded, so the same database
and seed give the same subset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stock.choices import EstablishmentCategory, EstablishmentLevel
from stock.models import Establishment, Medicine, Product


class MissingReferenceData(Exception):
    """The reference data the demo needs is not loaded."""


def _frame(queryset, fields: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(queryset.values_list(*fields)), columns=fields)


def select_establishments(*, hospitals: int, centres: int, rng: np.random.Generator) -> pd.DataFrame:
    """Up to ``hospitals`` active hospitals (all when there are fewer) and ``centres`` active
    primary-care units spread over the provinces (round robin: one per province, then a second...).
    Public-health laboratories are left out: they hold no medicine stock."""
    fields = ["id", "code", "name", "category", "level", "region_id", "province_id"]
    active = Establishment.objects.filter(is_active=True).order_by("code")
    hospital_rows = _frame(active.filter(level=EstablishmentLevel.HOSPITAL), fields)
    if hospitals < len(hospital_rows):
        hospital_rows = hospital_rows.iloc[np.sort(rng.choice(len(hospital_rows), hospitals, replace=False))]
    primary = _frame(
        active.filter(level=EstablishmentLevel.PRIMARY).exclude(category=EstablishmentCategory.LSP), fields
    )
    if len(primary):
        primary = primary.iloc[rng.permutation(len(primary))].reset_index(drop=True)
        primary["turn"] = primary.groupby(primary["province_id"].fillna(-1)).cumcount()
        primary = primary.sort_values(["turn", "province_id"], kind="stable").head(centres).drop(columns="turn")
    selected = pd.concat([hospital_rows, primary], ignore_index=True)
    if selected.empty:
        raise MissingReferenceData("No active establishment: run `manage.py load_reference` first.")
    return selected.sort_values("code", kind="stable").reset_index(drop=True)


def select_medicines(*, count: int, rng: np.random.Generator) -> pd.DataFrame:
    """``count`` medicines of the national essential list that have at least one product (the
    whole list when shorter; other medicines only when the list is empty)."""
    fields = ["id", "code", "inn", "strength", "dosage_form", "atc_code", "therapeutic_section", "ven_class"]
    with_products = Medicine.objects.filter(products__isnull=False).distinct().order_by("code")
    candidates = _frame(with_products.filter(is_essential=True), fields)
    if candidates.empty:
        candidates = _frame(with_products, fields)
    if candidates.empty:
        raise MissingReferenceData("No medicine with a product: run `manage.py load_reference` first.")
    if count < len(candidates):
        candidates = candidates.iloc[np.sort(rng.choice(len(candidates), count, replace=False))]
    return candidates.reset_index(drop=True)


def select_products(medicine_ids: list[int]) -> pd.DataFrame:
    """The products of the chosen medicines, in EAN order."""
    fields = ["id", "medicine_id", "ean", "is_originator", "status"]
    return _frame(Product.objects.filter(medicine_id__in=medicine_ids).order_by("ean"), fields)
