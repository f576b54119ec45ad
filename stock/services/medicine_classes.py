"""The Ministry's VEN classes and therapeutic alternatives of the medicines, from a file: the whole
file or nothing, with a per-row error report (``manage.py load_medicine_classes``).

The file is read by :func:`stock.uploads.read_table` (CSV comma- or semicolon-separated, UTF-8 with or
without BOM or Windows-1252, or XLSX) with the columns of :data:`COLUMNS`:

- ``medicine``: the medicine's code (``Medicine.code``, as in the API), once per file;
- ``ven_class``: ``V``, ``E`` or ``N``, or the French word (vital, essentiel, non essentiel), case
  and accents aside;
- ``alternatives`` (optional column): codes of other medicines, separated by ``|`` or spaces.

``Medicine.alternatives`` is symmetrical: B an alternative of A makes A one of B. A non-empty cell
replaces the medicine's alternatives by its list (links it had to medicines not listed are removed,
on both sides); an empty cell, or no such column, leaves them as they are, but for the links that
other rows add or remove on their side. Two rows that both list alternatives must agree: when A's row
lists B, B's row (if it lists any) lists A.

Every row is checked before anything is written; one refused row and nothing is written
(:class:`MedicineClassesRejected` carries every error: line, column, message in French). Otherwise the
classes and links are written in one transaction, with one audit entry (``stock.medicine``,
``update``) per medicine whose class or alternatives changed.
"""

from __future__ import annotations

import getpass
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stock.audit import audit_record
from stock.choices import VenClass
from stock.models import Medicine
from stock.uploads import ColumnSpec, RowError, UploadRejected, read_table
from stock.uploads.budget import budget_check
from stock.uploads.limits import error_report

COLUMNS: list[ColumnSpec] = [
    ColumnSpec("medicine", max_length=32),
    ColumnSpec("ven_class", choices=tuple(VenClass.values), choice_labels=tuple(VenClass.choices)),
    ColumnSpec("alternatives", required=False, optional_column=True, default=""),
]
ALTERNATIVE_SEPARATORS = re.compile(r"[|\s]+")
SOURCE = "load_medicine_classes"
# Rows per statement of the writes (far below SQLite's limit of bound parameters).
BATCH = 500


class MedicineClassesRejected(Exception):
    """The file, or at least one of its rows, was refused: nothing was written. ``errors`` are the
    kept ones (``{"line", "column", "message"}``, line order, a last one saying how many more when
    more than ``UPLOAD_MAX_ERRORS``); ``total`` counts all of them."""

    def __init__(self, errors: list[dict[str, Any]], *, total: int, warnings: list[str]):
        self.errors = errors
        self.total = total
        self.warnings = warnings
        super().__init__(f"{total} error(s)")


@dataclass
class MedicineClassesLoad:
    """What a load changed (or, for a dry run, would change)."""

    rows: int = 0
    written: bool = False
    classes_changed: Counter = field(default_factory=Counter)  # new class -> medicines moved to it
    classes_unchanged: int = 0
    alternatives_replaced: int = 0  # rows whose non-empty list differs from the medicine's links
    alternatives_unchanged: int = 0  # rows whose non-empty list is already the medicine's links
    alternatives_by_symmetry: int = 0  # medicines not listing alternatives whose links changed
    links_added: int = 0  # pairs of medicines
    links_removed: int = 0
    audit_entries: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    medicine_id: int
    ven_class: str
    alternatives: list[int]


def alternative_codes(cell: str) -> list[str]:
    """The codes of an ``alternatives`` cell, in order, each once."""
    return list(dict.fromkeys(code for code in ALTERNATIVE_SEPARATORS.split(cell or "") if code))


def medicine_classes_load(
    *, data: bytes, file_name: str, dry_run: bool = False, actor: Any = None
) -> MedicineClassesLoad:
    """Check every row of the file ``data`` (named ``file_name``), then write the classes and
    alternatives in one transaction (nothing when ``dry_run``). Raises
    :class:`MedicineClassesRejected` when the file or any row is refused."""
    try:
        table = read_table(data, columns=COLUMNS, file_name=file_name)
    except UploadRejected as rejected:
        kept, total = error_report(rejected.errors)
        raise MedicineClassesRejected(kept, total=total, warnings=[]) from rejected
    with transaction.atomic():
        medicines = {code: (pk, ven) for code, pk, ven in Medicine.objects.values_list("code", "pk", "ven_class")}
        rows, errors = _check_rows(table.rows, medicines)
        if table.errors or errors:
            kept, total = error_report([*table.errors, *errors], total=table.error_total + len(errors))
            raise MedicineClassesRejected(kept, total=total, warnings=table.warnings)
        load = MedicineClassesLoad(rows=len(rows), warnings=table.warnings)
        codes = {pk: code for code, (pk, _ven) in medicines.items()}
        classes = dict(medicines.values())
        class_changes = {row.medicine_id: row.ven_class for row in rows if row.ven_class != classes[row.medicine_id]}
        load.classes_changed.update(class_changes.values())
        load.classes_unchanged = len(rows) - len(class_changes)
        plan = _links_plan(rows)
        load.links_added = len({frozenset(pair) for pair in plan.added})
        load.links_removed = len({frozenset(pair) for pair in plan.removed})
        listed = {row.medicine_id for row in rows if row.alternatives}
        links_changed = {
            pk
            for pk in plan.before.keys() | plan.after.keys()
            if plan.before.get(pk, set()) != plan.after.get(pk, set())
        }
        load.alternatives_replaced = len(links_changed & listed)
        load.alternatives_unchanged = len(listed - links_changed)
        load.alternatives_by_symmetry = len(links_changed - listed)
        if dry_run:
            return load
        _classes_write(class_changes)
        _links_write(plan)
        load.audit_entries = _audit(
            actor=actor,
            file_name=file_name,
            medicines=sorted(class_changes.keys() | links_changed),
            codes=codes,
            classes=classes,
            class_changes=class_changes,
            plan=plan,
        )
        load.written = True
    return load


def _check_rows(rows: list[dict[str, Any]], medicines: dict[str, tuple[int, str]]) -> tuple[list[_Row], list[RowError]]:
    """The rows resolved to medicine ids, and the errors of the rules that need the database or
    the whole file: unknown codes, a medicine given twice, an alternative that is the medicine
    itself, two rows whose alternatives disagree."""
    errors: list[RowError] = []
    good: list[_Row] = []
    first_line: dict[str, int] = {}
    for row in rows:
        budget_check()
        line, code, ok = row["_line"], row["medicine"], True
        found = medicines.get(code)
        if found is None:
            errors.append(RowError(line, "medicine", _("Médicament inconnu : %s.") % code))
            ok = False
        elif code in first_line:
            errors.append(
                RowError(line, "medicine", _("Médicament déjà classé à la ligne %(n)s.") % {"n": first_line[code]})
            )
            ok = False
        else:
            first_line[code] = line
        alternatives: list[int] = []
        for alternative in alternative_codes(row["alternatives"]):
            if alternative == code:
                errors.append(
                    RowError(line, "alternatives", _("Un médicament ne peut pas être sa propre alternative."))
                )
                ok = False
            elif alternative not in medicines:
                errors.append(
                    RowError(line, "alternatives", _("Alternative inconnue : %(code)s.") % {"code": alternative})
                )
                ok = False
            else:
                alternatives.append(medicines[alternative][0])
        if ok:
            good.append(_Row(line=line, medicine_id=found[0], ven_class=row["ven_class"], alternatives=alternatives))
    errors.extend(_disagreements(good, {pk: code for code, (pk, _ven) in medicines.items()}))
    return good, errors


def _disagreements(rows: list[_Row], codes: dict[int, str]) -> list[RowError]:
    """A row listing B while B's own row lists alternatives without this medicine: the relation is
    symmetrical, so the file would say two different things (reported on the row that lists B)."""
    lists = {row.medicine_id: (row.line, set(row.alternatives)) for row in rows if row.alternatives}
    errors = []
    for row in rows:
        for other in row.alternatives:
            if other in lists and row.medicine_id not in lists[other][1]:
                message = _(
                    "%(code)s est listé en alternative, mais sa ligne %(line)s ne nomme pas ce médicament : "
                    "une alternative vaut dans les deux sens."
                ) % {"code": codes[other], "line": lists[other][0]}
                errors.append(RowError(row.line, "alternatives", message))
    return errors


Pair = tuple[int, int]


@dataclass
class _LinksPlan:
    """The links of each medicine before and after the file (medicine id -> its alternatives' ids),
    and the rows of the through table to add and to remove (both directions of each pair, as Django
    stores a symmetrical relation)."""

    before: dict[int, set[int]]
    after: dict[int, set[int]]
    added: set[Pair]
    removed: dict[Pair, int]  # pair -> id of its row


def _links_plan(rows: list[_Row]) -> _LinksPlan:
    listed = {row.medicine_id: set(row.alternatives) for row in rows if row.alternatives}
    through = Medicine.alternatives.through
    stored = {
        (source, target): pk
        for pk, source, target in through.objects.values_list("pk", "from_medicine_id", "to_medicine_id")
    }
    touching = {pair for pair in stored if pair[0] in listed or pair[1] in listed}
    wanted = {
        pair
        for medicine, others in listed.items()
        for other in others
        for pair in ((medicine, other), (other, medicine))
    }
    added = wanted - touching
    removed = {pair: stored[pair] for pair in touching - wanted}
    before: dict[int, set[int]] = {}
    after: dict[int, set[int]] = {}
    for source, target in stored:
        before.setdefault(source, set()).add(target)
    for source, target in (stored.keys() - removed.keys()) | added:
        after.setdefault(source, set()).add(target)
    return _LinksPlan(before=before, after=after, added=added, removed=removed)


def _classes_write(changes: dict[int, str]) -> None:
    by_class: dict[str, list[int]] = {}
    for pk, ven_class in changes.items():
        by_class.setdefault(ven_class, []).append(pk)
    for ven_class, pks in by_class.items():
        for start in range(0, len(pks), BATCH):
            Medicine.objects.filter(pk__in=pks[start : start + BATCH]).update(ven_class=ven_class)


def _links_write(plan: _LinksPlan) -> None:
    through = Medicine.alternatives.through
    doomed = sorted(plan.removed.values())
    for start in range(0, len(doomed), BATCH):
        through.objects.filter(pk__in=doomed[start : start + BATCH]).delete()
    through.objects.bulk_create(
        [through(from_medicine_id=source, to_medicine_id=target) for source, target in sorted(plan.added)],
        batch_size=BATCH,
    )


def _audit(
    *,
    actor: Any,
    file_name: str,
    medicines: list[int],
    codes: dict[int, str],
    classes: dict[int, str],
    class_changes: dict[int, str],
    plan: _LinksPlan,
) -> int:
    """One entry per medicine whose class or links changed: ``{field: [before, after]}`` (codes for
    the alternatives), the file and the command; the system account that ran it when no ``actor``."""
    facts: dict[str, Any] = {"source": SOURCE, "file": file_name}
    if actor is None:
        facts["system_user"] = _system_user()
    for pk in medicines:
        changes: dict[str, Any] = dict(facts)
        if pk in class_changes:
            changes["ven_class"] = [classes[pk], class_changes[pk]]
        old, new = plan.before.get(pk, set()), plan.after.get(pk, set())
        if old != new:
            changes["alternatives"] = [sorted(codes[other] for other in old), sorted(codes[other] for other in new)]
        audit_record(actor=actor, action="update", object_type="stock.medicine", object_id=pk, changes=changes)
    return len(medicines)


def _system_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers; the entry still goes in
        return ""
