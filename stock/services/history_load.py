"""Loading a monthly LMIS history into the current database through the monthly-report import.

The file is read with a mapping (:mod:`stock.history.mapping`), its establishments and medicines are
created when their codes are unknown (and only then: a known code is used as it is), and its rows go
through :func:`stock.services.reports.monthly_report_file_import`, the service a health centre's
upload uses. That import lands a file whole or not at all; here each batch of whole positions is
imported, the rows it refuses are set aside with their source line and reason, and the rest is
imported again, until a pass writes. So every refused row is reported and no accepted row is lost.

A month already on record is refused like any upload refuses it (no ``replace``): loading the same
file twice writes nothing the second time and reports every row as already declared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import string
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from stock import roles
from stock.history.mapping import HistoryMapping, mapping_resolve
from stock.history.source import HistoryFileError, Site, SourceRow, history_rows_read, products_read, sites_read
from stock.models import Establishment, Medicine, Province, Region
from stock.services.positions import WRITE_BATCH
from stock.services.reports import monthly_report_file_import
from stock.uploads import RowError, is_example

# The system user the rows are written as: a national analyst that cannot log in.
HISTORY_USERNAME = "chargement-historique"
# Rows per import call (whole positions only), below UPLOAD_MAX_ROWS.
HISTORY_BATCH_ROWS = 20_000
UNKNOWN_REGION = "Région non renseignée"
_FIRST_LINE = 2  # the generated report file's first data line (the header is line 1)


class HistoryLoadFailed(Exception):
    """The import refused a generated batch as a whole (not row by row): nothing was written."""


@dataclass(frozen=True)
class RefusedRow:
    """A source line the import refused: its number in the source file and each (column, reason)."""

    line: int
    errors: tuple[tuple[str, str], ...]

    @property
    def reason(self) -> str:
        return " ; ".join(f"{column} : {message}" if column else message for column, message in self.errors)


@dataclass
class HistoryLoadResult:
    """What a history load read, created and wrote, and every refused row in source-line order."""

    mapping: str
    rows_read: int = 0
    rows_written: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    establishments_created: int = 0
    establishments_found: int = 0
    medicines_created: int = 0
    medicines_found: int = 0
    regions_created: int = 0
    provinces_created: int = 0
    movements: int = 0
    discrepancies: int = 0
    import_passes: int = 0
    seconds: float = 0.0

    @property
    def rows_refused(self) -> int:
        return len(self.refused)

    def refusal_counts(self) -> list[tuple[str, int]]:
        """Refusals grouped by reason (source column and message), the most frequent first."""
        counts = Counter(error for row in self.refused for error in row.errors)
        return [(f"{column} : {message}" if column else message, n) for (column, message), n in counts.most_common()]


@transaction.atomic
def history_file_load(
    *,
    path: str | Path,
    mapping: str | HistoryMapping,
    user: Any = None,
    sites_path: str | Path | None = None,
    products_path: str | Path | None = None,
) -> HistoryLoadResult:
    """Load a monthly LMIS history (CSV) through the monthly-report import; refused rows are reported."""
    started = time.monotonic()
    mapping = mapping if isinstance(mapping, HistoryMapping) else mapping_resolve(mapping)
    path = Path(path)
    rows = history_rows_read(path, mapping)
    if not rows:
        raise HistoryFileError(f"{path.name}: no data line under the header: nothing to load.")
    sites = sites_read(Path(sites_path), mapping) if sites_path else {}
    names = products_read(Path(products_path), mapping) if products_path else {}
    result = HistoryLoadResult(mapping=mapping.name, rows_read=len(rows))
    origin = f"historique {mapping.name} : {path.name}"[:80]
    _establishments_ensure(rows=rows, sites=sites, mapping=mapping, origin=origin, result=result)
    _medicines_ensure(rows=rows, names=names, origin=origin, result=result)
    user = user or history_user()
    importable = []
    for row in rows:
        if refusal := _unreadable(row):
            result.refused.append(RefusedRow(row.line, (("", refusal),)))
        else:
            importable.append(row)
    for batch in _position_batches(importable, size=min(HISTORY_BATCH_ROWS, settings.UPLOAD_MAX_ROWS)):
        _batch_import(batch=batch, mapping=mapping, user=user, result=result)
    result.refused.sort(key=lambda row: row.line)
    if not result.rows_written:
        # Nothing imported: the establishments, medicines and territory created for the rows go too.
        transaction.set_rollback(True)
        result.establishments_created = result.medicines_created = 0
        result.regions_created = result.provinces_created = 0
    result.seconds = time.monotonic() - started
    return result


def history_user() -> Any:
    """The national analyst that history rows are written as; inactive, with no usable password."""
    user, created = get_user_model().objects.get_or_create(
        username=HISTORY_USERNAME, defaults={"is_active": False, "first_name": "Chargement d'historique"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=roles.ANALYST)[0])
    return user


# --- importing ------------------------------------------------------------------------------------


def _unreadable(row: SourceRow) -> str | None:
    """Why the import would pass over a row without a word (the upload skips blank and example lines)."""
    values = list(row.cells.values())
    if not any(value.strip() for value in values):
        return _("Aucune valeur dans les colonnes de la correspondance.")
    if is_example(values):
        return _("La ligne commence par « EXEMPLE » : l'import la prendrait pour un exemple du modèle.")
    return None


def _position_batches(rows: list[SourceRow], *, size: int) -> Iterable[list[SourceRow]]:
    """Batches of at most ``size`` rows (unless one position is longer) holding whole positions."""
    by_position: dict[tuple[str, str], list[SourceRow]] = defaultdict(list)
    for row in rows:
        by_position[(row.establishment, row.medicine)].append(row)
    batch: list[SourceRow] = []
    for position_rows in by_position.values():
        if batch and len(batch) + len(position_rows) > size:
            yield batch
            batch = []
        batch.extend(position_rows)
    if batch:
        yield batch


def _batch_import(*, batch: list[SourceRow], mapping: HistoryMapping, user: Any, result: HistoryLoadResult) -> None:
    """Import ``batch``, setting aside the rows each pass refuses, until a pass writes."""
    pending = batch
    while pending:
        result.import_passes += 1
        outcome = monthly_report_file_import(user=user, file=_report_file(pending))
        if not outcome.errors:
            result.rows_written += outcome.rows_written
            result.movements += outcome.summary.get("movements", 0)
            result.discrepancies += outcome.summary.get("discrepancies", 0)
            return
        by_line: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for error in outcome.errors:
            if error.line is None or not _FIRST_LINE <= error.line < _FIRST_LINE + len(pending):
                raise HistoryLoadFailed(error.message)
            by_line[error.line].append((mapping.source_column(error.column), _source_lines(error, pending)))
        for line, errors in by_line.items():
            result.refused.append(RefusedRow(pending[line - _FIRST_LINE].line, tuple(errors)))
        pending = [row for index, row in enumerate(pending, start=_FIRST_LINE) if index not in by_line]


def _source_lines(error: RowError, rows: list[SourceRow]) -> str:
    """The import's message, or for a row given twice the message naming the source line of its
    first occurrence: the generated file holds the rows by position, not in the source's order, so
    the line the import names (``error.same_as_line``) is one of that file's."""
    index = None if error.same_as_line is None else error.same_as_line - _FIRST_LINE
    if index is None or not 0 <= index < len(rows):
        return error.message
    return _("Même établissement, médicament et mois qu'à la ligne %d.") % rows[index].line


def _report_file(rows: list[SourceRow]) -> bytes:
    """The rows as a monthly report CSV, in order (line n + 2 is ``rows[n]``)."""
    columns = list(rows[0].cells)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.cells[column] for column in columns] for row in rows)
    return buffer.getvalue().encode("utf-8")


# --- establishments and medicines -----------------------------------------------------------------


def _establishments_ensure(
    *, rows: list[SourceRow], sites: dict[str, Site], mapping: HistoryMapping, origin: str, result: HistoryLoadResult
) -> None:
    """Create the establishments whose codes are unknown, with their regions and provinces."""
    first_rows: dict[str, SourceRow] = {}
    for row in rows:
        if row.establishment and len(row.establishment) <= Establishment._meta.get_field("code").max_length:
            first_rows.setdefault(row.establishment, row)
    known = set(Establishment.objects.filter(code__in=first_rows).values_list("code", flat=True))
    result.establishments_found = len(known)
    territory = _Territory(result)
    created = []
    for code, row in first_rows.items():
        if code in known:
            continue
        site = sites.get(code, Site(code))
        source_type = site.level or row.level
        level = mapping.level_of(source_type)
        region = territory.region(site.region or row.region or UNKNOWN_REGION)
        province_name = site.province or row.province
        name = site.name or row.establishment_name or (f"{code} ({source_type})" if source_type else code)
        created.append(
            Establishment(
                code=code,
                name=name[:200],
                category=level.category,
                level=level.level,
                region=region,
                province=territory.province(region, province_name) if province_name else None,
                source=origin,
            )
        )
    Establishment.objects.bulk_create(created, batch_size=WRITE_BATCH)
    result.establishments_created = len(created)


def _medicines_ensure(*, rows: list[SourceRow], names: dict[str, str], origin: str, result: HistoryLoadResult) -> None:
    """Create the medicines whose codes are unknown, named from the products file or the row, else their code."""
    first_rows: dict[str, SourceRow] = {}
    for row in rows:
        if row.medicine and len(row.medicine) <= Medicine._meta.get_field("code").max_length:
            first_rows.setdefault(row.medicine, row)
    known = set(Medicine.objects.filter(code__in=first_rows).values_list("code", flat=True))
    result.medicines_found = len(known)
    wanted = {code: (names.get(code) or row.medicine_name or code)[:160] for code, row in first_rows.items()}
    # (inn, strength, form) is unique: a name already taken gets its code appended.
    taken = set(
        Medicine.objects.filter(strength="", dosage_form="", inn__in=set(wanted.values())).values_list("inn", flat=True)
    )
    created = []
    for code, name in wanted.items():
        if code in known:
            continue
        inn = f"{name} ({code})" if name in taken else name
        taken.add(inn)
        created.append(Medicine(code=code, inn=inn, source=origin))
    Medicine.objects.bulk_create(created, batch_size=WRITE_BATCH)
    result.medicines_created = len(created)


class _Territory:
    """Regions and provinces by name (trimmed, case-insensitive), created when unknown with derived codes."""

    def __init__(self, result: HistoryLoadResult):
        self.result = result
        self.regions = {_key(region.name_fr): region for region in Region.objects.all()}
        self.region_codes = {region.code for region in self.regions.values()}
        self.provinces = {(province.region_id, _key(province.name_fr)): province for province in Province.objects.all()}
        self.province_codes = set(Province.objects.values_list("code", flat=True))

    def region(self, name: str) -> Region:
        if _key(name) not in self.regions:
            code = _derived_code(name, self.region_codes, region_code_candidates)
            self.regions[_key(name)] = Region.objects.create(code=code, name_fr=name[:100])
            self.region_codes.add(code)
            self.result.regions_created += 1
        return self.regions[_key(name)]

    def province(self, region: Region, name: str) -> Province:
        key = (region.pk, _key(name))
        if key not in self.provinces:
            code = _derived_code(f"{region.code}/{name}", self.province_codes, province_code_candidates)
            self.provinces[key] = Province.objects.create(code=code, name_fr=name[:100], region=region)
            self.province_codes.add(code)
            self.result.provinces_created += 1
        return self.provinces[key]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _derived_code(name: str, taken: set[str], candidates) -> str:
    for code in candidates(name):
        if code not in taken:
            return code
    raise HistoryLoadFailed(f"No free code left for {name!r}.")  # pragma: no cover - 936 regions


def region_code_candidates(name: str) -> Iterable[str]:
    """Two-character region codes for a region name: a letter and a letter or digit, from a hash of
    the name (the reference regions are ``01``..``12``), then the following ones in turn."""
    alphabet = string.ascii_uppercase + string.digits
    slots = len(string.ascii_uppercase) * len(alphabet)
    start = int(hashlib.sha256(_key(name).encode()).hexdigest(), 16) % slots
    for step in range(slots):
        first, second = divmod((start + step) % slots, len(alphabet))
        yield string.ascii_uppercase[first] + alphabet[second]


def province_code_candidates(name: str) -> Iterable[str]:
    """Province codes ``<region code>.H<5 hex digits>`` from a hash of region and name, then the next ones."""
    region_code, _, _rest = name.partition("/")
    start = int(hashlib.sha256(_key(name).encode()).hexdigest()[:5], 16)
    for step in range(16**5):
        yield f"{region_code}.H{(start + step) % 16**5:05X}"
