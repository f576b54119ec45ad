"""Essential-list flags, ATC codes and therapeutic sections for the CNOPS medicines.

- Morocco's national list (McGill Global Essential Medicines database, ``neml-morocco.csv``)
  names substances in English, without strength or form. A CNOPS medicine is *essential* when
  every substance of its DCI matches a listed INN: ``AMOXICILLINE`` and
  ``AMOXICILLINE / ACIDE CLAVULANIQUE`` are (amoxicillin and clavulanic acid are both listed),
  ``PARACETAMOL / PSEUDOEPHEDRINE`` is not. A listed *class of preparation* that a reviewed
  crosswalk row writes as ``=DCI`` (``Anti-hemorrhoidal`` -> ``=BENZOCAINE / ESCULOSIDE``) makes
  the medicines of exactly that DCI essential, and only them: its substances do not count as
  listed, so a benzocaine-only product, or another combination with esculoside, is not flagged
  through it.
- WHO EML 2023 gives ATC codes and EML sections per medicine name (``"amoxicillin +
  clavulanic acid"`` for a combination). A CNOPS DCI takes them from a WHO name with exactly the
  same substances. When several WHO rows fit, the best is chosen by match quality (a name found
  by the salt rule alone comes last: ``calcium gluconate`` only codes ``CALCIUM`` when no plain
  ``calcium`` row does), then rows on the 2023 list (``Added``) before removed ones, then rows
  that have an ATC code, then file order: that row gives the section. The ATC code is the first
  code of the first such row that has one (the export leaves some rows blank: ``atenolol`` on
  the 2023 list has none, its removed rows have ``C07AB03``). A DCI that equally fits several
  WHO names with different ATC codes (a combined vaccine fits "diphtheria vaccine" and "tetanus vaccine")
  gets nothing rather than a code that describes only part of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

from stock.reference import files
from stock.reference.cnops import MedicineRecord, normalise_inn, split_components
from stock.reference.inn import InnMatch, InnMatcher, load_inn_crosswalk
from stock.reference.report import MatchReport
from stock.reference.text import collapse_spaces


@dataclass(frozen=True)
class NemlEntry:
    """A row of neml-morocco.csv: an English substance name and its two list flags."""

    product: str
    on_who_eml: bool
    on_morocco_neml: bool


@dataclass(frozen=True)
class WhoEmlEntry:
    """A row of who-eml-2023.csv; ``atc_codes`` in file order, ``status`` ``Added``/``Removed``."""

    name: str
    section: str
    atc_codes: tuple[str, ...]
    status: str

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.name.split(" + ") if part.strip())


@dataclass(frozen=True)
class NemlResult:
    """Per listed INN, the CNOPS DCIs it was found in; the essential medicine codes; the report."""

    dcis_by_inn: dict[str, tuple[str, ...]]
    matches: tuple[InnMatch, ...]
    essential_codes: frozenset[str]
    report: MatchReport


@dataclass(frozen=True)
class AtcAssignment:
    """ATC code and EML section given to one CNOPS DCI, with the WHO name they came from."""

    atc_code: str
    section: str
    who_name: str
    on_2023_list: bool


@dataclass(frozen=True)
class WhoEmlResult:
    """ATC assignments keyed by DCI, the DCIs left out as ambiguous, and two reports."""

    by_inn: dict[str, AtcAssignment]
    ambiguous: tuple[str, ...]
    names_report: MatchReport
    medicines_report: MatchReport


def load_neml(directory: Path | None = None) -> list[NemlEntry]:
    """Every row of the McGill extract (2,052; 344 on Morocco's list)."""
    return [
        NemlEntry(
            product=collapse_spaces(row["product"]),
            on_who_eml=row["on_who_eml"].strip() == "1",
            on_morocco_neml=row["on_morocco_neml"].strip() == "1",
        )
        for row in files.read_rows(files.NEML_CSV, directory)
    ]


def load_who_eml(directory: Path | None = None) -> list[WhoEmlEntry]:
    """Every record of the WHO export (1,577 records, multi-line cells parsed by ``csv``)."""
    return [
        WhoEmlEntry(
            name=collapse_spaces(row["Medicine name"]),
            section=collapse_spaces(row["EML section"]),
            atc_codes=tuple(code.strip() for code in row["ATC codes"].split(",") if code.strip()),
            status=row["Status"].strip(),
        )
        for row in files.read_rows(files.WHO_EML_CSV, directory)
    ]


def build_matcher(medicines: Iterable[MedicineRecord], directory: Path | None = None) -> InnMatcher:
    """An :class:`InnMatcher` over the substances of the CNOPS DCIs and the shipped crosswalk."""
    medicines = tuple(medicines)
    crosswalk = {
        english: [_normalise_target(target) for target in targets]
        for english, targets in load_inn_crosswalk(directory).items()
    }
    components = (component for medicine in medicines for component in medicine.components)
    return InnMatcher(components, crosswalk, dci_names=(medicine.inn for medicine in medicines))


def _normalise_target(target: str) -> str:
    """A crosswalk target in DCI spelling, its ``!`` (veto) or ``=`` (whole DCI) mark kept."""
    mark = target[:1] if target.startswith(("!", "=")) else ""
    return mark + normalise_inn(target[len(mark) :])


def _dcis_by_component(medicines: Iterable[MedicineRecord]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for inn in dict.fromkeys(medicine.inn for medicine in medicines):
        for component in split_components(inn):
            index[component].append(inn)
    return index


def match_neml(entries: Sequence[NemlEntry], medicines: Sequence[MedicineRecord], matcher: InnMatcher) -> NemlResult:
    """Match the INNs on Morocco's list to CNOPS DCIs and flag the essential medicines."""
    dcis_by_component = _dcis_by_component(medicines)
    listed = [entry for entry in entries if entry.on_morocco_neml]
    matches = tuple(matcher.match(entry.product) for entry in listed)
    essential_components = {french for match in matches for french in match.french}
    essential_dcis = {dci for match in matches for dci in match.dcis}
    dcis_by_inn = {
        match.english: tuple(
            dict.fromkeys([*(dci for fr in match.french for dci in dcis_by_component[fr]), *match.dcis])
        )
        for match in matches
    }
    essential_codes = frozenset(
        medicine.code
        for medicine in medicines
        if set(medicine.components) <= essential_components or medicine.inn in essential_dcis
    )
    report = MatchReport(
        step="NEML INNs (Morocco list) -> CNOPS DCI",
        total=len(listed),
        matched=sum(1 for match in matches if match.matched),
        unmatched=tuple(match.english for match in matches if not match.matched),
    )
    return NemlResult(dcis_by_inn=dcis_by_inn, matches=matches, essential_codes=essential_codes, report=report)


def _same_substances(who_sets: Sequence[frozenset[str]], dci_components: Sequence[str]) -> bool:
    """True when each WHO component matches a different DCI substance, all of them used."""
    if len(who_sets) != len(dci_components):
        return False
    return any(
        all(component in candidates for component, candidates in zip(order, who_sets, strict=True))
        for order in permutations(dci_components)
    )


#: Preference of a WHO row for one DCI, lower first: matched by the salt rule alone, removed
#: from the 2023 list, without ATC code, position in the file.
_Rank = tuple[bool, bool, bool, int]


def _usual_atc(entries: Iterable[WhoEmlEntry]) -> str:
    """Most frequent first ATC code of rows already in preference order (ties: earliest row)."""
    codes = [entry.atc_codes[0] for entry in entries if entry.atc_codes]
    return max(dict.fromkeys(codes), key=codes.count) if codes else ""


def _candidates(
    entries: Sequence[WhoEmlEntry], medicines: Sequence[MedicineRecord], matcher: InnMatcher
) -> dict[str, list[tuple[_Rank, WhoEmlEntry]]]:
    """For each CNOPS DCI, the WHO rows naming exactly its substances, with their rank."""
    dcis_by_component = _dcis_by_component(medicines)
    parts_by_name = {entry.name: [matcher.match(part) for part in entry.components] for entry in entries}
    candidates: dict[str, list[tuple[_Rank, WhoEmlEntry]]] = defaultdict(list)
    for position, entry in enumerate(entries):
        parts = parts_by_name[entry.name]
        # Substance by substance: a whole-DCI crosswalk row (a class of preparation) gives no ATC code.
        if not parts or not all(part.french for part in parts):
            continue
        who_sets = [frozenset(part.french) for part in parts]
        via_salt = frozenset().union(*(part.via_salt for part in parts))
        for dci in {dci for fr in who_sets[0] for dci in dcis_by_component[fr]}:
            components = split_components(dci)
            if _same_substances(who_sets, components):
                salt_only = any(component in via_salt for component in components)
                rank = (salt_only, entry.status != "Added", not entry.atc_codes, position)
                candidates[dci].append((rank, entry))
    return candidates


def _assign(ranked: list[tuple[_Rank, WhoEmlEntry]]) -> AtcAssignment | None:
    """The ATC code and section for one DCI from its ranked WHO rows; ``None`` if ambiguous."""
    ordered = sorted(ranked, key=lambda item: item[0])
    best_quality = ordered[0][0][0]
    peers = [entry for rank, entry in ordered if rank[0] == best_quality]
    names = dict.fromkeys(entry.name for entry in peers)
    codes = {_usual_atc(entry for entry in peers if entry.name == name) for name in names} - {""}
    if len(codes) > 1:  # e.g. VACCIN D.T.COQ.P: diphtheria, tetanus, pertussis, polio vaccines
        return None
    atc_code = next(iter(codes), "")
    source = next((entry for entry in peers if atc_code and entry.atc_codes[:1] == (atc_code,)), peers[0])
    return AtcAssignment(
        atc_code=atc_code,
        section=source.section,
        who_name=source.name,
        on_2023_list=any(entry.status == "Added" for _, entry in ranked),
    )


def match_who_eml(
    entries: Sequence[WhoEmlEntry], medicines: Sequence[MedicineRecord], matcher: InnMatcher
) -> WhoEmlResult:
    """Give CNOPS DCIs the ATC code and EML section of the WHO medicine with the same substances."""
    candidates = _candidates(entries, medicines, matcher)
    by_inn: dict[str, AtcAssignment] = {}
    ambiguous: list[str] = []
    for dci, ranked in candidates.items():
        assignment = _assign(ranked)
        if assignment is None:
            ambiguous.append(dci)
        else:
            by_inn[dci] = assignment

    names = list(dict.fromkeys(entry.name for entry in entries))
    matched_names = {entry.name for ranked in candidates.values() for _, entry in ranked}
    uncoded = [medicine for medicine in medicines if not (by_inn.get(medicine.inn) and by_inn[medicine.inn].atc_code)]
    names_report = MatchReport(
        step="WHO EML 2023 names -> CNOPS DCI",
        total=len(names),
        matched=len(matched_names),
        unmatched=tuple(name for name in names if name not in matched_names),
    )
    medicines_report = MatchReport(
        step="CNOPS medicines with an ATC code from WHO EML",
        total=len(medicines),
        matched=len(medicines) - len(uncoded),
        unmatched=tuple(dict.fromkeys(medicine.inn for medicine in uncoded)),
    )
    return WhoEmlResult(
        by_inn=by_inn,
        ambiguous=tuple(sorted(ambiguous)),
        names_report=names_report,
        medicines_report=medicines_report,
    )
