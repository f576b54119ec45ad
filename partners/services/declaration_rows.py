"""One spreadsheet row of a declaration upload: its columns (read by ``stock.uploads``), and how a
typed row becomes a :class:`DeclarationData` or errors naming the column.

Columns (one row per company, medicine and month; up to three expected deliveries): ``mois``
(YYYY-MM), ``entreprise`` (registration number, name or acronym of a company the user covers),
``medicament`` (medicine code, or the EAN-13 of one of its products), ``stock`` and
``ventes_mensuelles`` (whole units), ``rupture`` (oui/non), ``cause_rupture`` (French label or
code), ``debut_rupture`` and ``fin_rupture`` (dates), ``pays_origine_pa``, then for n in 1..3
``livraisonN_date``, ``livraisonN_quantite``, ``livraisonN_type`` (production or import, label or
code). The columns of the first delivery are always in the file; those of the second and third
(:data:`OPTIONAL_SUPPLY_SETS`) may be left out, each set of three as a whole (the upload refuses a
partial set, naming its missing columns). The template has all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.choices import DisruptionCause, SupplyKind
from partners.models import Company
from partners.services.declarations import DeclarationData, SupplyLineData, declaration_errors
from stock.models import Medicine, Product
from stock.uploads import ColumnSpec

SUPPLY_SLOTS = 3
# Deliveries whose three columns a file may leave out together (the first one's are always there).
OPTIONAL_SUPPLY_SLOTS = range(2, SUPPLY_SLOTS + 1)


def supply_column_names(n: int) -> tuple[str, str, str]:
    """The three columns of delivery ``n``: date, quantity, kind."""
    return (f"livraison{n}_date", f"livraison{n}_quantite", f"livraison{n}_type")


def _supply_columns(n: int) -> list[ColumnSpec]:
    date, quantity, kind = supply_column_names(n)
    optional = n in OPTIONAL_SUPPLY_SLOTS
    return [
        ColumnSpec(
            date, kind="date", required=False, optional_column=optional, help=gettext_lazy("Date de livraison prévue")
        ),
        ColumnSpec(
            quantity, kind="int", required=False, optional_column=optional, min_value=1, help=gettext_lazy("Unités")
        ),
        ColumnSpec(
            kind,
            required=False,
            optional_column=optional,
            choices=tuple(SupplyKind.values),
            choice_labels=tuple(SupplyKind.choices),
            help=gettext_lazy("Production locale ou importation"),
        ),
    ]


COLUMNS: list[ColumnSpec] = [
    ColumnSpec("mois", kind="month", help=gettext_lazy("Mois déclaré (AAAA-MM)")),
    ColumnSpec("entreprise", max_length=200, help=gettext_lazy("N° d'enregistrement, nom ou sigle de l'entreprise")),
    ColumnSpec(
        "medicament", max_length=32, help=gettext_lazy("Code du médicament, ou code EAN-13 d'un de ses produits")
    ),
    ColumnSpec("stock", kind="int", min_value=0, help=gettext_lazy("Stock au dernier jour du mois (unités)")),
    ColumnSpec("ventes_mensuelles", kind="int", min_value=0, help=gettext_lazy("Ventes du mois (unités)")),
    ColumnSpec("rupture", kind="bool", required=False, default=False, help=gettext_lazy("oui / non")),
    ColumnSpec(
        "cause_rupture",
        required=False,
        default="",
        choices=tuple(DisruptionCause.values),
        choice_labels=tuple(DisruptionCause.choices),
        help=gettext_lazy("Cause de la rupture"),
    ),
    ColumnSpec("debut_rupture", kind="date", required=False, help=gettext_lazy("Début prévu de la rupture")),
    ColumnSpec("fin_rupture", kind="date", required=False, help=gettext_lazy("Fin prévue de la rupture")),
    ColumnSpec(
        "pays_origine_pa",
        required=False,
        default="",
        max_length=60,
        help=gettext_lazy("Pays d'origine du principe actif"),
    ),
    *(spec for n in range(1, SUPPLY_SLOTS + 1) for spec in _supply_columns(n)),
]
COLUMN_NAMES = tuple(spec.name for spec in COLUMNS)
# The column sets a file has whole or not at all: {delivery number: its three column names}.
OPTIONAL_SUPPLY_SETS = {n: supply_column_names(n) for n in OPTIONAL_SUPPLY_SLOTS}
# Which upload column reports an error found by the shared rules (declaration_errors).
FIELD_TO_COLUMN = {
    "month": "mois",
    "stock_on_hand": "stock",
    "monthly_sales": "ventes_mensuelles",
    "disruption": "rupture",
    "disruption_cause": "cause_rupture",
    "disruption_start": "debut_rupture",
    "disruption_end": "fin_rupture",
    "supply_lines": "livraison1_date",
}
EXAMPLE_ROW = {
    "mois": "2026-09",
    "entreprise": "RC-123456",
    "medicament": "MED-00001",
    "stock": 12000,
    "ventes_mensuelles": 4000,
    "rupture": "non",
    "livraison1_date": "2026-10-15",
    "livraison1_quantite": 5000,
    "livraison1_type": "import",
}


def _key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


@dataclass
class RowContext:
    """Lookups shared by every row of one file, loaded once (two queries)."""

    companies: dict[str, Company]
    medicines: dict[str, Medicine]

    @classmethod
    def load(cls, *, user, rows: Iterable[Mapping[str, Any]]) -> RowContext:
        companies: dict[str, Company] = {}
        for company in Company.objects.covered_by(user).select_related("organization"):
            for key in (company.registration_number, company.organization.name, company.organization.acronym):
                if key:
                    companies[_key(key)] = company
        codes = {str(row.get("medicament") or "").strip() for row in rows} - {""}
        medicines = {medicine.code: medicine for medicine in Medicine.objects.filter(code__in=codes)}
        for product in Product.objects.filter(ean__in=codes - set(medicines)).select_related("medicine"):
            medicines[product.ean] = product.medicine
        return cls(companies=companies, medicines=medicines)


def declaration_row_parse(
    row: Mapping[str, Any], *, context: RowContext
) -> tuple[DeclarationData | None, dict[str, list[str]]]:
    """Turn one typed row into a declaration, or None and the errors keyed by column name."""
    errors: dict[str, list[str]] = {}

    def add(column: str, message: str) -> None:
        errors.setdefault(column, []).append(message)

    company = context.companies.get(_key(row["entreprise"]))
    if company is None:
        add(
            "entreprise",
            _("Entreprise « %(v)s » inconnue ou non couverte par votre compte.") % {"v": row["entreprise"]},
        )
    medicine = context.medicines.get(row["medicament"])
    if medicine is None:
        add("medicament", _("Code médicament « %(v)s » inconnu.") % {"v": row["medicament"]})
    lines = []
    for n in range(1, SUPPLY_SLOTS + 1):
        names = supply_column_names(n)
        values = [row.get(name) for name in names]
        if all(value in (None, "") for value in values):
            continue
        for name, value in zip(names, values, strict=True):
            if value in (None, ""):
                add(name, _("Valeur obligatoire quand la livraison %(n)s est renseignée.") % {"n": n})
        if all(value not in (None, "") for value in values):
            lines.append(SupplyLineData(expected_on=values[0], quantity=values[1], kind=values[2]))
    if errors:
        return None, errors
    data = DeclarationData(
        company=company,
        medicine=medicine,
        month=row["mois"],
        stock_on_hand=row["stock"],
        monthly_sales=row["ventes_mensuelles"],
        disruption=bool(row["rupture"]),
        disruption_cause=row["cause_rupture"] or "",
        disruption_start=row["debut_rupture"],
        disruption_end=row["fin_rupture"],
        api_origin_country=row["pays_origine_pa"] or "",
        supply_lines=tuple(lines),
    )
    for field, messages in declaration_errors(data).items():
        for message in messages:
            add(FIELD_TO_COLUMN.get(field, field), message)
    return (None, errors) if errors else (data, {})
