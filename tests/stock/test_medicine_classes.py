"""``manage.py load_medicine_classes``: the Ministry's VEN classes and alternatives, all rows or none."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from stock.models import AuditEntry, Medicine
from tests.factories import MedicineFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def medicines() -> dict[str, Medicine]:
    """Four medicines of class E (the reference loader's default), without alternatives."""
    return {name: MedicineFactory(code=f"MED-{name}", inn=f"MOLECULE {name}") for name in "ABCD"}


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "classes.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("load_medicine_classes", str(path), *args, stdout=out)
    return out.getvalue()


def classes() -> dict[str, str]:
    return dict(Medicine.objects.values_list("code", "ven_class"))


def alternatives(code: str) -> set[str]:
    return set(Medicine.objects.get(code=code).alternatives.values_list("code", flat=True))


def test_a_valid_file_sets_classes_and_alternatives_both_ways(tmp_path, medicines):
    path = write(tmp_path, "medicine,ven_class,alternatives\nMED-A,V,MED-B|MED-C\nMED-B,N,MED-A\nMED-D,E,\n")

    out = load(path)

    assert classes() == {"MED-A": "V", "MED-B": "N", "MED-C": "E", "MED-D": "E"}
    assert alternatives("MED-A") == {"MED-B", "MED-C"}
    assert alternatives("MED-C") == {"MED-A"}  # the relation is symmetrical
    assert alternatives("MED-D") == set()
    assert "Classes changed, by new class: V 1, E 0, N 1 (1 unchanged)." in out
    assert "2 medicines' lists replaced" in out and "2 links added, 0 removed" in out
    entries = AuditEntry.objects.filter(object_type="stock.medicine", action="update")
    assert entries.count() == 3  # A and B (class and links), C (links on its side)
    entry = entries.get(object_id=str(medicines["A"].pk))
    assert entry.changes["ven_class"] == ["E", "V"]
    assert entry.changes["alternatives"] == [[], ["MED-B", "MED-C"]]
    assert entry.changes["source"] == "load_medicine_classes" and entry.changes["file"] == "classes.csv"


def test_french_words_are_accepted_whatever_their_case_and_accents(tmp_path, medicines):
    path = write(
        tmp_path,
        "\ufeffmedicine;ven_class;alternatives\nMED-A;VITAL;MED-B MED-C\nMED-B;Non Essentiel;\n"
        "MED-C;non essentiel;\nMED-D;éssentiel;\n",
    )

    load(path)

    assert classes() == {"MED-A": "V", "MED-B": "N", "MED-C": "N", "MED-D": "E"}
    assert alternatives("MED-A") == {"MED-B", "MED-C"}


def test_one_bad_row_writes_nothing_and_names_its_line_and_column(tmp_path, medicines):
    path = write(tmp_path, "medicine,ven_class,alternatives\nMED-A,V,MED-B\nMED-B,X,\nMED-C,N,MED-ZZZ\n")

    with pytest.raises(CommandError) as refused:
        load(path)

    report = str(refused.value)
    assert "nothing written: 2 error(s)" in report
    assert "line 3, column ven_class: Valeur « X » non reconnue" in report
    assert "line 4, column alternatives: Alternative inconnue : MED-ZZZ." in report
    assert set(classes().values()) == {"E"}
    assert alternatives("MED-A") == set()
    assert not AuditEntry.objects.exists()


def test_dry_run_checks_and_counts_but_writes_nothing(tmp_path, medicines):
    path = write(tmp_path, "medicine,ven_class,alternatives\nMED-A,V,MED-B\nMED-C,N,\n")

    out = load(path, "--dry-run")

    assert out.startswith("Dry run, nothing written")
    assert "V 1, E 0, N 1" in out
    assert set(classes().values()) == {"E"}
    assert alternatives("MED-A") == set()
    assert not AuditEntry.objects.exists()


def test_a_windows_1252_file_is_read(tmp_path, medicines):
    MedicineFactory(code="CNOPS-DÉRIVÉ", inn="MOLECULE ACCENTUEE")
    path = write(tmp_path, "medicine;ven_class\r\nCNOPS-DÉRIVÉ;Vital\r\nMED-A;N\r\n", encoding="cp1252")

    out = load(path)

    assert classes()["CNOPS-DÉRIVÉ"] == "V" and classes()["MED-A"] == "N"
    assert "lu comme Windows-1252" in out


def test_a_medicine_given_twice_is_refused(tmp_path, medicines):
    path = write(tmp_path, "medicine,ven_class\nMED-A,V\nMED-A,N\n")

    with pytest.raises(CommandError) as refused:
        load(path)

    assert "line 3, column medicine: Médicament déjà classé à la ligne 2." in str(refused.value)
    assert classes()["MED-A"] == "E"


def test_a_non_empty_cell_replaces_the_links_and_an_empty_one_leaves_them(tmp_path, medicines):
    medicines["A"].alternatives.set([medicines["B"], medicines["C"]])
    path = write(tmp_path, "medicine,ven_class,alternatives\nMED-A,E,MED-D\nMED-B,E,\n")

    out = load(path)

    assert alternatives("MED-A") == {"MED-D"}
    assert alternatives("MED-B") == set()  # its own cell is empty; A dropped it, on both sides
    assert alternatives("MED-C") == set() and alternatives("MED-D") == {"MED-A"}
    assert "1 medicines' lists replaced" in out and "3 other medicines changed on their side" in out
    assert "1 links added, 2 removed" in out


def test_an_own_alternative_and_two_rows_that_disagree_are_refused(tmp_path, medicines):
    path = write(tmp_path, "medicine,ven_class,alternatives\nMED-A,E,MED-A\nMED-B,E,MED-C\nMED-C,E,MED-D\n")

    with pytest.raises(CommandError) as refused:
        load(path)

    report = str(refused.value)
    assert "line 2, column alternatives: Un médicament ne peut pas être sa propre alternative." in report
    assert "line 3, column alternatives: MED-C est listé en alternative, mais sa ligne 4 ne nomme pas" in report
    assert alternatives("MED-C") == set()


def test_an_unknown_medicine_and_a_missing_column_are_refused(tmp_path, medicines):
    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, "medicine,ven_class\nMED-NOPE,V\n"))
    assert "line 2, column medicine: Médicament inconnu : MED-NOPE." in str(refused.value)

    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, "medicine\nMED-A\n", name="short.csv"))
    assert "line 1: Colonnes manquantes : ven_class." in str(refused.value)


def test_the_author_named_by_by_is_recorded_in_the_audit_trail(tmp_path, medicines):
    author = UserFactory(username="dmp.ven")
    path = write(tmp_path, "medicine,ven_class\nMED-A,V\n")

    load(path, "--by", "dmp.ven")

    entry = AuditEntry.objects.get(object_type="stock.medicine", object_id=str(medicines["A"].pk))
    assert entry.actor == author and entry.changes["ven_class"] == ["E", "V"]
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        load(path, "--by", "nobody")


def test_the_shipped_template_has_the_columns_and_only_example_rows(medicines):
    template = Path(settings.BASE_DIR) / "stock" / "data" / "medicine-classes-template.csv"

    with pytest.raises(CommandError) as refused:
        load(template)

    assert "ne contient que la ligne d'exemple du modèle" in str(refused.value)
    assert not AuditEntry.objects.exists()
