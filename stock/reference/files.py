"""Where the shipped reference files live and how they are read.

The files are verbatim copies of the public sources listed in ``stock/data/reference/SOURCES.md``;
they are never edited by hand, everything is normalised in code.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

REGIONS_CSV = "regions.csv"
PROVINCES_CSV = "provinces.csv"
REGIONS_GEOJSON = "regions.geojson"
CATEGORIES_CSV = "categories.csv"
HOSPITALS_CSV = "hopitaux-2022.csv"
PRIMARY_CARE_CSV = "essp-2022.csv"
CNOPS_CSV = "cnops-2014.csv"
NEML_CSV = "neml-morocco.csv"
WHO_EML_CSV = "who-eml-2023.csv"
PROVINCE_CROSSWALK_CSV = "crosswalk-provinces.csv"
INN_CROSSWALK_CSV = "crosswalk-inn-en-fr.csv"


def reference_path(name: str, directory: Path | None = None) -> Path:
    """Absolute path of the shipped reference file ``name``."""
    return (directory or REFERENCE_DIR) / name


def read_rows(name: str, directory: Path | None = None) -> Iterator[dict[str, str]]:
    """Yield the rows of a UTF-8 CSV file as dicts of raw strings (nothing converted).

    The ``csv`` module handles quoted cells that span several lines (WHO EML formulations).
    """
    with reference_path(name, directory).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)
