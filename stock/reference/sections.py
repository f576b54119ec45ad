"""French names of the WHO EML therapeutic sections (``Medicine.therapeutic_section`` keeps the WHO
name, which subscriptions and the demo's seasonal profiles match on; pages show the French one)."""

from __future__ import annotations

from functools import lru_cache

from stock.reference.files import read_rows
from stock.reference.text import collapse_spaces

SECTIONS_FR_CSV = "who-eml-sections-fr.csv"


@lru_cache(maxsize=1)
def _french_names() -> dict[str, str]:
    return {collapse_spaces(row["section_en"]): row["section_fr"] for row in read_rows(SECTIONS_FR_CSV)}


def section_label(section: str) -> str:
    """The French name of a WHO EML section; a name without translation is returned as it is."""
    return _french_names().get(collapse_spaces(section), section)
