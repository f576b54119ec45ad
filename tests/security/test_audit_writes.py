"""The journal records what was written (object, action, who, before and after) rather than the
redirects of the pages, and reads in French."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import translation

from partners.services.declaration_rows import COLUMN_NAMES
from shortages.choices import AlertKind, AlertStatus
from shortages.models import Alert, Shortage
from stock.models import AuditEntry
from tests import factories


def _national_alert(medicine=None) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK,
        medicine=medicine or factories.MedicineFactory(),
        level="high",
        status=AlertStatus.OPEN,
        value={"score": 71.0},
    )


def test_a_refused_duplicate_shortage_is_not_recorded(client, personas):
    # given an open national shortage of the alert's medicine
    alert = _national_alert()
    Shortage.objects.create(medicine=alert.medicine, cause="other", started_on="2026-09-01", status="ongoing")
    client.force_login(personas.analyst)
    # when the analyst tries to register a second one
    response = client.post(
        reverse("shortages:shortage_from_alert", args=[alert.pk]),
        {"status": "anticipated", "cause": "other", "started_on": "2026-10-01"},
    )
    # then
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_a_redirect_with_an_error_message_is_not_recorded(client, personas):
    # given a resolved alert: acknowledging it is refused, and the page redirects with the reason
    alert = _national_alert()
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RESOLVED)
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:alert_acknowledge", args=[alert.pk]), follow=True)
    # then
    assert "seules les alertes ouvertes ou prises en charge changent" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_shortage_update_keeps_the_before_and_after_values(client, personas):
    # given
    shortage = Shortage.objects.create(
        medicine=factories.MedicineFactory(), cause="other", started_on="2026-09-01", status="anticipated"
    )
    client.force_login(personas.analyst)
    # when
    client.post(
        reverse("shortages:shortage_update", args=[shortage.pk]),
        {"status": "ongoing", "cause": "import", "description": "Retard"},
    )
    # then: one entry, on the shortage, with the changed fields only
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        personas.analyst,
        "update",
        "shortages.shortage",
        str(shortage.pk),
    )
    assert entry.changes["status"] == ["anticipated", "ongoing"]
    assert entry.changes["cause"] == ["other", "import"]
    assert "started_on" not in entry.changes


def test_an_acknowledged_alert_is_recorded_with_its_status_change(client, personas):
    # given
    alert = _national_alert()
    client.force_login(personas.analyst)
    # when
    client.post(reverse("shortages:alert_acknowledge", args=[alert.pk]), {"comment": "Je regarde."})
    # then
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("acknowledge", "shortages.alert", str(alert.pk))
    assert entry.changes["status"] == ["open", "acknowledged"]
    assert entry.changes["comment"] == "Je regarde."


def test_a_successful_declaration_upload_has_one_entry(client, personas):
    # given a file of two declarations for the association's member company
    first, second = factories.MedicineFactory(code="MED-A"), factories.MedicineFactory(code="MED-B")
    company = personas.member_company.organization.name
    rows = [
        ";".join(COLUMN_NAMES),
        ";".join(["2026-09", company, first.code, "1200", "400"] + [""] * (len(COLUMN_NAMES) - 5)),
        ";".join(["2026-09", company, second.code, "900", "300"] + [""] * (len(COLUMN_NAMES) - 5)),
    ]
    upload = io.BytesIO(("\n".join(rows) + "\n").encode())
    upload.name = "declarations.csv"
    client.force_login(personas.association_user)
    # when
    response = client.post(reverse("partners:declaration_upload"), {"file": upload})
    # then: one entry for the upload, naming the file and the two declarations
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type) == (personas.association_user, "import", "stock.importjob")
    assert entry.changes["file"] == "declarations.csv"
    assert entry.changes["declarations"] == 2
    assert len(entry.changes["ids"]) == 2


def test_the_journal_reads_in_french(client, personas):
    # given a login, an update of a shortage and an acknowledged alert
    shortage = Shortage.objects.create(
        medicine=factories.MedicineFactory(), cause="other", started_on="2026-09-01", status="anticipated"
    )
    alert = _national_alert()
    client.post("/login/", {"username": "analyst", "password": factories.DEFAULT_PASSWORD})
    client.post(
        reverse("shortages:shortage_update", args=[shortage.pk]),
        {"status": "ongoing", "cause": "import", "expected_end": "2026-12-31"},
    )
    client.post(reverse("shortages:alert_acknowledge", args=[alert.pk]))
    # when
    with translation.override("fr"):
        page = client.get(reverse("stock:audit_list")).content.decode()
    # then: labels, not codes
    for words in ("Connexion", "Session", "Modification", "Rupture", "Statut : Anticipée → En cours"):
        assert words in page
    assert "Cause : Autre → Importation" in page
    assert "Fin prévue : 31/12/2026" in page
    assert "Prise en charge" in page and "Alerte" in page
    for code in ("create", "login", "shortages.shortage", "acknowledged", "anticipated"):
        assert f">{code}<" not in page and f" {code} " not in page
