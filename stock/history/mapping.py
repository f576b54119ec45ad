"""How the columns of a long monthly LMIS file map onto the monthly report's columns (pure: no database).

A mapping names, for each column of the product's monthly report, the source column that holds it,
plus the columns that describe establishments (region, province, level) and, optionally, those of a
sites file and a products file. The format is written down in ``docs/history-import.md``; the
shipped mappings are in :data:`HISTORY_MAPPINGS`, another one is read from a JSON file with
:func:`mapping_read`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stock.choices import EstablishmentCategory, EstablishmentLevel

# The monthly report's columns a history can fill (stock.services.reports.REPORT_COLUMNS).
REPORT_FIELDS = (
    "establishment",
    "medicine",
    "month",
    "opening_balance",
    "received",
    "issued",
    "losses",
    "adjustments",
    "closing_count",
    "stockout_days",
    "ordered",
)
REQUIRED_FIELDS = ("establishment", "medicine", "month", "opening_balance", "closing_count")
# Columns that describe the establishment or the medicine of a row, not the month's figures.
DESCRIPTIVE_FIELDS = ("year", "region", "province", "level", "establishment_name", "medicine_name")
SITE_FIELDS = ("code", "name", "region", "province", "level")
PRODUCT_FIELDS = ("code", "name")
MAPPING_KEYS = ("name", "columns", "sites", "products", "levels", "default_level")
LEVELS = tuple(EstablishmentLevel.values)
CATEGORIES = tuple(EstablishmentCategory.values)


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the key or the column at fault."""


@dataclass(frozen=True)
class LevelValue:
    """The establishment level (and, when the source says it, the category) of one source type."""

    level: str
    category: str = ""


@dataclass(frozen=True)
class HistoryMapping:
    """Source column of each report field, of the sites and products files, and the level of each
    source establishment type (compared trimmed and case-insensitively)."""

    name: str
    columns: Mapping[str, str]
    sites: Mapping[str, str] = field(default_factory=dict)
    products: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[str, LevelValue] = field(default_factory=dict)
    default_level: str = EstablishmentLevel.PRIMARY

    @property
    def month_in_two_columns(self) -> bool:
        """The month comes as a year column and a month-number column (else one ``YYYY-MM`` column)."""
        return "year" in self.columns

    def source_columns(self) -> list[str]:
        """The columns the monthly file must have."""
        return list(dict.fromkeys(self.columns.values()))

    def source_column(self, report_field: str | None) -> str:
        """The source column behind a report field, for messages (``year/month`` for a split month)."""
        if report_field == "month" and self.month_in_two_columns:
            return f"{self.columns['year']}/{self.columns['month']}"
        return self.columns.get(report_field or "", report_field or "")

    def report_values(self, record: Mapping[str, str]) -> dict[str, str]:
        """One source record as the report's cells, still text (blank when not mapped: the import's
        default), for the import service to check."""
        values = {name: record.get(self.columns[name], "") if name in self.columns else "" for name in REPORT_FIELDS}
        if self.month_in_two_columns:
            values["month"] = month_text(record.get(self.columns["year"], ""), values["month"])
        return values

    def level_of(self, source_value: str | None) -> LevelValue:
        """The level of a source establishment type; ``default_level`` when unknown or absent."""
        key = (source_value or "").strip().casefold()
        for value, level in self.levels.items():
            if value.strip().casefold() == key:
                return level
        if key in LEVELS:
            return LevelValue(key)
        return LevelValue(self.default_level)


def month_text(year: str, month: str) -> str:
    """``YYYY-MM`` from a year and a month number; left as typed when either is not a number, so
    that the import names the bad month."""
    try:
        year_number, month_number = int(float(year)), int(float(month))
    except (TypeError, ValueError):
        return f"{year}-{month}".strip("-")
    if not 1 <= month_number <= 12 or year_number < 1:
        return f"{year}-{month}"
    return f"{year_number:04d}-{month_number:02d}"


LMIS_CIV = HistoryMapping(
    name="lmis-civ",
    columns={
        "establishment": "site_code",
        "medicine": "product_code",
        "year": "year",
        "month": "month",
        "opening_balance": "stock_initial",
        "received": "stock_received",
        "issued": "stock_distributed",
        # Signed losses and adjustments in one column; the file has no separate losses.
        "adjustments": "stock_adjustment",
        "closing_count": "stock_end",
        "stockout_days": "stock_stockout_days",
        "ordered": "stock_ordered",
        "region": "region",
        "province": "district",
    },
    sites={"code": "site_code", "level": "site_type", "region": "site_region", "province": "site_district"},
    products={"code": "product_code", "name": "product_name"},
    levels={
        "Hospital": LevelValue(EstablishmentLevel.HOSPITAL),
        "University Hospital/National Institute": LevelValue(EstablishmentLevel.HOSPITAL, EstablishmentCategory.CHU),
        "Health Center": LevelValue(EstablishmentLevel.PRIMARY),
    },
    default_level=EstablishmentLevel.PRIMARY,
)

HISTORY_MAPPINGS: dict[str, HistoryMapping] = {LMIS_CIV.name: LMIS_CIV}


def mapping_resolve(name_or_path: str) -> HistoryMapping:
    """A shipped mapping by name, or the mapping of a JSON file by path."""
    if name_or_path in HISTORY_MAPPINGS:
        return HISTORY_MAPPINGS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise MappingError(
            f"Unknown mapping {name_or_path!r}: give one of {', '.join(sorted(HISTORY_MAPPINGS))} "
            "or the path of a JSON mapping file."
        )
    return mapping_read(path)


def mapping_read(path: Path) -> HistoryMapping:
    """Read and check a JSON mapping file (format: docs/history-import.md)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MappingError(f"{path}: not a readable JSON file ({error}).") from error
    return mapping_from_dict(data, default_name=path.stem)


def mapping_from_dict(data: Any, *, default_name: str = "custom") -> HistoryMapping:
    """Check a mapping given as a dictionary and build it; every problem is named."""
    if not isinstance(data, dict):
        raise MappingError("A mapping is a JSON object with a 'columns' object.")
    unknown = sorted(set(data) - set(MAPPING_KEYS))
    if unknown:
        raise MappingError(f"Unknown mapping keys: {', '.join(unknown)}; expected: {', '.join(MAPPING_KEYS)}.")
    columns = _names(data.get("columns"), "columns", (*REPORT_FIELDS, *DESCRIPTIVE_FIELDS))
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise MappingError(f"columns: missing {', '.join(missing)} (the source column of each).")
    sites = _names(data.get("sites", {}), "sites", SITE_FIELDS)
    if sites and "code" not in sites:
        raise MappingError("sites: 'code' (the column of the establishment code) is required.")
    products = _names(data.get("products", {}), "products", PRODUCT_FIELDS)
    if products and "code" not in products:
        raise MappingError("products: 'code' (the column of the medicine code) is required.")
    default_level = data.get("default_level", EstablishmentLevel.PRIMARY)
    if default_level not in LEVELS:
        raise MappingError(f"default_level: {default_level!r} is not one of {', '.join(LEVELS)}.")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise MappingError("name: a non-empty text.")
    return HistoryMapping(
        name=name.strip(),
        columns=columns,
        sites=sites,
        products=products,
        levels=_levels(data.get("levels", {})),
        default_level=default_level,
    )


def _names(value: Any, key: str, allowed: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MappingError(f"{key}: an object from field name to source column name.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise MappingError(f"{key}: unknown fields {', '.join(unknown)}; expected some of {', '.join(allowed)}.")
    for field_name, column in value.items():
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{key}.{field_name}: the name of a source column (non-empty text).")
    return {field_name: column.strip() for field_name, column in value.items()}


def _levels(value: Any) -> dict[str, LevelValue]:
    if not isinstance(value, dict):
        raise MappingError("levels: an object from a source establishment type to a level.")
    levels: dict[str, LevelValue] = {}
    for source, target in value.items():
        if isinstance(target, str):
            target = {"level": target}
        if not isinstance(target, dict) or set(target) - {"level", "category"}:
            raise MappingError(f"levels.{source}: a level, or an object with 'level' and optionally 'category'.")
        level, category = target.get("level"), target.get("category", "")
        if level not in LEVELS:
            raise MappingError(f"levels.{source}: level {level!r} is not one of {', '.join(LEVELS)}.")
        if category and category not in CATEGORIES:
            raise MappingError(f"levels.{source}: category {category!r} is not one of {', '.join(CATEGORIES)}.")
        levels[source] = LevelValue(level, category)
    return levels
