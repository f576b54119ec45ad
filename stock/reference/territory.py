"""Regions, provinces and public establishments from the shipped HCP and Ministry files.

The establishment lists (Ministry of Health, 2022) name regions and provinces ("délégations")
in their own spelling. Each name is matched on its :func:`~stock.reference.text.name_key`, then
through a small alias table: regions in :data:`REGION_ALIASES` below, provinces in the reviewed
``crosswalk-provinces.csv``. A province is only looked for inside the establishment's region,
and a name that matches nothing (or two provinces) is left unmatched and reported.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from stock.reference import files
from stock.reference.report import MatchReport
from stock.reference.text import collapse_spaces, name_key

#: Region spellings of the establishment files that normalisation alone does not reconcile,
#: keyed by their name_key, valued by HCP region code.
REGION_ALIASES: dict[str, str] = {
    "eddakhla oued eddahab": "12",  # regions.csv: "Dakhla-Oued Ed-Dahab"
}

#: ``liste`` column of categories.csv -> establishment level (values of EstablishmentLevel).
LEVEL_BY_LIST: dict[str, str] = {"hopitaux": "hospital", "essp": "primary"}

#: Establishment files, read in this order; the order fixes the generated codes.
ESTABLISHMENT_FILES: tuple[str, ...] = (files.HOSPITALS_CSV, files.PRIMARY_CARE_CSV)


@dataclass(frozen=True)
class RegionRecord:
    """A region of regions.csv (HCP, RGPH 2024)."""

    code: str
    name_fr: str
    name_ar: str
    population: int | None


@dataclass(frozen=True)
class ProvinceRecord:
    """A province or prefecture of provinces.csv; ``kind`` is the HCP ``type`` column."""

    code: str
    name_fr: str
    name_ar: str
    kind: str
    region_code: str
    population: int | None


@dataclass(frozen=True)
class CategoryRecord:
    """An establishment category code with its French label and level."""

    code: str
    label: str
    level: str


@dataclass(frozen=True)
class EstablishmentRecord:
    """One row of the establishment files, with its matched region and province.

    ``code`` is generated as ``<region code>-<category>-<ordinal>``, the ordinal counting the
    establishments of that region and category in file order (hospitals first), so the same
    files always give the same codes. ``province_code`` is ``None`` when unmatched.
    """

    code: str
    name: str
    category: str
    level: str
    region_code: str
    province_code: str | None
    commune: str
    delegation: str
    source_file: str


@dataclass(frozen=True)
class EstablishmentResult:
    """Establishments with the region and province match reports."""

    establishments: tuple[EstablishmentRecord, ...]
    region_report: MatchReport
    province_report: MatchReport


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    return int(value) if value else None


def load_regions(directory: Path | None = None) -> list[RegionRecord]:
    """The 12 regions, in file (code) order."""
    return [
        RegionRecord(
            code=row["code"].strip(),
            name_fr=collapse_spaces(row["name_fr"]),
            name_ar=collapse_spaces(row["name_ar"]),
            population=_int_or_none(row["population_2024"]),
        )
        for row in files.read_rows(files.REGIONS_CSV, directory)
    ]


def load_provinces(directory: Path | None = None) -> list[ProvinceRecord]:
    """The 83 provinces and prefectures (Casablanca's prefectures of arrondissements included)."""
    return [
        ProvinceRecord(
            code=row["code"].strip(),
            name_fr=collapse_spaces(row["name_fr"]),
            name_ar=collapse_spaces(row["name_ar"]),
            kind=row["type"].strip(),
            region_code=row["region_code"].strip(),
            population=_int_or_none(row["population_2024"]),
        )
        for row in files.read_rows(files.PROVINCES_CSV, directory)
    ]


def load_categories(directory: Path | None = None) -> dict[str, CategoryRecord]:
    """Category legend keyed by code (``HP``, ``CSR-1``...)."""
    categories = {}
    for row in files.read_rows(files.CATEGORIES_CSV, directory):
        code = row["abreviation"].strip()
        categories[code] = CategoryRecord(
            code=code, label=collapse_spaces(row["libelle"]), level=LEVEL_BY_LIST[row["liste"].strip()]
        )
    return categories


def region_index(regions: list[RegionRecord]) -> dict[str, str]:
    """Map name keys (official names plus :data:`REGION_ALIASES`) to region codes."""
    index = {name_key(region.name_fr): region.code for region in regions}
    index.update(REGION_ALIASES)
    return index


def match_region(name: str, index: dict[str, str]) -> str | None:
    """HCP code of the region spelled ``name``, or ``None`` when unknown."""
    return index.get(name_key(name))


def load_province_crosswalk(directory: Path | None = None) -> dict[tuple[str, str], str]:
    """Reviewed delegation spellings: ``(region code, name_key(delegation)) -> province code``."""
    return {
        (row["region_code"].strip(), name_key(row["delegation"])): row["province_code"].strip()
        for row in files.read_rows(files.PROVINCE_CROSSWALK_CSV, directory)
    }


def province_index(provinces: list[ProvinceRecord]) -> dict[tuple[str, str], str | None]:
    """Map ``(region code, name key)`` to a province code.

    Two provinces of one region with the same key would map to ``None`` (ambiguous: never
    guessed); with the HCP list this does not happen.
    """
    index: dict[tuple[str, str], str | None] = {}
    for province in provinces:
        key = (province.region_code, name_key(province.name_fr))
        index[key] = None if key in index else province.code
    return index


def match_province(
    delegation: str,
    region_code: str,
    index: dict[tuple[str, str], str | None],
    crosswalk: dict[tuple[str, str], str],
) -> str | None:
    """Province code for a delegation name inside ``region_code``, or ``None`` when unmatched.

    The reviewed crosswalk wins over the normalised name, so a reviewer can also correct a
    normalised match.
    """
    key = (region_code, name_key(delegation))
    return crosswalk.get(key) or index.get(key)


#: A spreadsheet turned names such as "9 Juillet" into dates ("2023-07-09 00:00:00") in essp-2022.
_SPREADSHEET_DATE = re.compile(r"^\d{4}-(\d{2})-(\d{2})(?: 00:00:00)?$")
_FRENCH_MONTHS = (
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
)  # fmt: skip


def establishment_name(raw: str) -> str:
    """The establishment's name, with a day-and-month name that a spreadsheet stored as a date
    given back its words (Moroccan places are often named after a date: "25 Mars", "9 Juillet")."""
    name = collapse_spaces(raw)
    date = _SPREADSHEET_DATE.match(name)
    if date:
        return f"{int(date.group(2))} {_FRENCH_MONTHS[int(date.group(1)) - 1]}"
    return name


def load_establishments(directory: Path | None = None) -> EstablishmentResult:
    """Read both establishment files, match regions and provinces, generate stable codes."""
    regions_by_key = region_index(load_regions(directory))
    provinces_by_key = province_index(load_provinces(directory))
    crosswalk = load_province_crosswalk(directory)
    categories = load_categories(directory)

    records: list[EstablishmentRecord] = []
    ordinals: Counter[tuple[str, str]] = Counter()
    unknown_regions: Counter[str] = Counter()
    unknown_provinces: Counter[str] = Counter()
    total = 0
    for file_name in ESTABLISHMENT_FILES:
        for row in files.read_rows(file_name, directory):
            total += 1
            region_name = collapse_spaces(row["region"])
            delegation = collapse_spaces(row["delegation"])
            category = row["categorie"].strip()
            region_code = match_region(region_name, regions_by_key)
            if region_code is None:
                unknown_regions[region_name] += 1
                continue
            province_code = match_province(delegation, region_code, provinces_by_key, crosswalk)
            if province_code is None:
                unknown_provinces[f"{region_name} / {delegation}"] += 1
            ordinals[(region_code, category)] += 1
            records.append(
                EstablishmentRecord(
                    code=f"{region_code}-{category}-{ordinals[(region_code, category)]:04d}",
                    name=establishment_name(row["etablissement"]),
                    category=category,
                    level=categories[category].level,
                    region_code=region_code,
                    province_code=province_code,
                    commune=collapse_spaces(row["commune"]),
                    delegation=delegation,
                    source_file=file_name,
                )
            )

    def described(counter: Counter[str]) -> tuple[str, ...]:
        return tuple(f"{name} ({count} establishments)" for name, count in counter.items())

    return EstablishmentResult(
        establishments=tuple(records),
        region_report=MatchReport(
            step="establishment regions",
            total=total,
            matched=total - sum(unknown_regions.values()),
            unmatched=described(unknown_regions),
        ),
        province_report=MatchReport(
            step="establishment provinces",
            total=total,
            matched=sum(1 for record in records if record.province_code),
            unmatched=described(unknown_provinces),
        ),
    )
