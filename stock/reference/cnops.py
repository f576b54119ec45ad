"""Generic medicines and commercial products from the CNOPS 2014 list.

One :class:`ProductRecord` per row (EAN-13 ``CODE``, read as text). Rows are grouped into one
:class:`MedicineRecord` per normalised (DCI, strength, dosage form):

- DCI: upper case, accents stripped, spaces collapsed, components joined by `` / ``.
- strength: ``DOSAGE1`` values paired with the ``UNITE_DOSAGE1`` units part by part
  (``"500 / 62.5"`` + ``"MG / MG"`` -> ``"500 MG / 62.5 MG"``). Numbers are canonical
  (``"0,25"`` -> ``0.25``, ``"13.50"`` -> ``13.5``, ``"35 000"`` -> ``35000``); units are upper
  case without inner spaces (``"UI/0.75 ML"`` -> ``"UI/0.75ML"``). Units are *not* converted:
  ``1 G`` and ``1000 MG`` stay distinct, as labelled. ``nan`` / ``NA`` mean "not stated".
- dosage form: upper case, accents stripped, known typos fixed, and the qualifiers that only
  describe a tablet's coating or scoring (pelliculé, enrobé, sécable, dragéifié...) dropped, so
  ``COMPRIME PELLICULE SECABLE`` and ``COMPRIME`` are one medicine. Qualifiers that change use
  (LP, LM, effervescent, dispersible, gastro-résistant, orodispersible...) are kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from stock.reference import files
from stock.reference.text import collapse_spaces, strip_accents

#: Spellings of the CNOPS ``FORME`` column fixed before grouping (whole words).
FORM_TYPOS: dict[str, str] = {
    "SUSPENTION": "SUSPENSION",
    "PEPARATION": "PREPARATION",
    "OCCULAIRE": "OCULAIRE",
    "GASTRO-RESISTANTE": "GASTRO-RESISTANT",
}

#: Words that only describe a tablet's coating or scoring; dropped from the form.
COSMETIC_FORM_WORDS: frozenset[str] = frozenset(
    {"PELLICULE", "ENROBE", "DRAGEIFIE", "SECABLE", "QUADRISECABLE", "TETRASECABLE"}
)

#: Whole forms that are synonyms of a plain tablet once cosmetic words are gone.
FORM_SYNONYMS: dict[str, str] = {"DRAGEE": "COMPRIME"}

_MISSING = {"", "NAN", "NA", "-"}
_VALUE_SEPARATOR = re.compile(r"\s*/\s*")
_UNIT_SEPARATOR = " / "


@dataclass(frozen=True)
class MedicineRecord:
    """A generic medicine: normalised DCI + strength + dosage form, with a stable code."""

    code: str
    inn: str
    strength: str
    dosage_form: str

    @property
    def components(self) -> tuple[str, ...]:
        """The substances of the DCI (one, or several for a combination)."""
        return split_components(self.inn)


@dataclass(frozen=True)
class ProductRecord:
    """One CNOPS row: a commercial presentation of a medicine; prices in MAD, ``None`` if absent."""

    ean: str
    brand: str
    presentation: str
    medicine_code: str
    public_price: Decimal | None
    hospital_price: Decimal | None
    reimbursement_base: Decimal | None
    reimbursement_rate: int | None
    is_originator: bool
    raw_form: str


@dataclass(frozen=True)
class CatalogueResult:
    """Medicines (in first-seen order) and products (in file order)."""

    medicines: tuple[MedicineRecord, ...]
    products: tuple[ProductRecord, ...]


def normalise_inn(text: str) -> str:
    """Canonical DCI: ``"calcitonine  synthetique de saumon"`` -> ``"CALCITONINE SYNTHETIQUE DE SAUMON"``."""
    parts = [collapse_spaces(strip_accents(part)).upper() for part in text.split("/")]
    return " / ".join(part for part in parts if part)


def split_components(inn: str) -> tuple[str, ...]:
    """Substances of a normalised DCI (``"AMOXICILLINE / ACIDE CLAVULANIQUE"`` -> two)."""
    return tuple(part.strip() for part in inn.split(" / ") if part.strip())


def canonical_number(text: str) -> str | None:
    """``"0,25"`` -> ``"0.25"``, ``"13.50"`` -> ``"13.5"``, ``"35 000"`` -> ``"35000"``; ``None`` if missing."""
    cleaned = text.replace(" ", "").replace(",", ".")
    if cleaned.upper() in _MISSING:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return cleaned.upper()
    text_form = format(number.normalize(), "f")
    return text_form


def canonical_unit(text: str) -> str | None:
    """``"G/5ml"`` -> ``"G/5ML"``, ``"UI/0.75 ML"`` -> ``"UI/0.75ML"``; ``None`` if missing.

    ``µ`` is kept as is (``str.upper`` would turn it into a Greek capital mu).
    """
    cleaned = text.replace(" ", "")
    if cleaned.upper() in _MISSING:
        return None
    return "".join(char if char == "µ" else char.upper() for char in cleaned)


def normalise_strength(dosage: str, unit: str) -> str:
    """Readable strength from ``DOSAGE1`` and ``UNITE_DOSAGE1`` (empty string when not stated).

    Values and units are paired part by part when both have as many parts; otherwise the
    values are listed and the units follow once.
    """
    values = [canonical_number(part) for part in _VALUE_SEPARATOR.split(dosage.strip())]
    units = [canonical_unit(part) for part in unit.strip().split(_UNIT_SEPARATOR)]
    if all(value is None for value in values):
        return ""
    if len(values) == len(units):
        parts = [
            " ".join(p for p in (value or "NA", part_unit) if p) for value, part_unit in zip(values, units, strict=True)
        ]
        return " / ".join(parts)
    joined_units = " / ".join(u for u in units if u)
    return " ".join(p for p in (" / ".join(v or "NA" for v in values), joined_units) if p)


def normalise_form(text: str) -> str:
    """Dosage form without coating or scoring words: ``"COMPRIME PELLICULE SECABLE"`` -> ``"COMPRIME"``."""
    words = collapse_spaces(strip_accents(text)).upper().split(" ")
    words = [FORM_TYPOS.get(word, word) for word in words]
    words = [word for word in words if word not in COSMETIC_FORM_WORDS]
    # "COMPRIME ... A LP": the preposition is left dangling once "SECABLE" is dropped.
    cleaned = " ".join(words).replace(" A LP", " LP")
    return FORM_SYNONYMS.get(cleaned, cleaned)


def medicine_code(inn: str, strength: str, dosage_form: str) -> str:
    """Stable identifier of a medicine: a digest of its natural key (same key, same code)."""
    digest = hashlib.sha256(f"{inn}|{strength}|{dosage_form}".encode()).hexdigest()
    return f"MED-{digest[:12].upper()}"


def parse_price(text: str) -> Decimal | None:
    """``"2882.00"`` -> ``Decimal("2882.00")``; ``"-"`` or empty -> ``None``."""
    cleaned = text.strip().replace(",", ".")
    if cleaned.upper() in _MISSING:
        return None
    return Decimal(cleaned)


def parse_rate(text: str) -> int | None:
    """``"70%"`` -> ``70``; empty -> ``None``."""
    cleaned = text.strip().rstrip("%").strip()
    return int(cleaned) if cleaned else None


def load_catalogue(directory: Path | None = None) -> CatalogueResult:
    """Read the CNOPS file into medicines and products (raises on a duplicate EAN)."""
    medicines: dict[str, MedicineRecord] = {}
    products: list[ProductRecord] = []
    seen_eans: set[str] = set()
    for row in files.read_rows(files.CNOPS_CSV, directory):
        ean = row["CODE"].strip()
        if ean in seen_eans:
            raise ValueError(f"duplicate EAN {ean} in {files.CNOPS_CSV}")
        seen_eans.add(ean)
        inn = normalise_inn(row["DCI1"])
        strength = normalise_strength(row["DOSAGE1"], row["UNITE_DOSAGE1"])
        form = normalise_form(row["FORME"])
        code = medicine_code(inn, strength, form)
        medicines.setdefault(code, MedicineRecord(code=code, inn=inn, strength=strength, dosage_form=form))
        products.append(
            ProductRecord(
                ean=ean,
                brand=collapse_spaces(row["NOM"]),
                presentation=collapse_spaces(row["PRESENTATION"]),
                medicine_code=code,
                public_price=parse_price(row["PPV"]),
                hospital_price=parse_price(row["PH"]),
                reimbursement_base=parse_price(row["PRIX_BR"]),
                reimbursement_rate=parse_rate(row["TAUX_REMBOURSEMENT"]),
                is_originator=row["PRINCEPS_GENERIQUE"].strip().upper() == "P",
                raw_form=collapse_spaces(row["FORME"]),
            )
        )
    return CatalogueResult(medicines=tuple(medicines.values()), products=tuple(products))
