"""Alerts read in plain words: the figure that raised an alert and the changes of its history are
written for an analyst, never as field names, raw codes or unrounded floats."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shortages.choices import AlertEventKind, AlertKind, AlertStatus
from shortages.models import Alert, AlertEvent, Shortage
from tests import factories


def _alert(personas, **fields) -> Alert:
    alert = Alert.objects.create(
        medicine=factories.MedicineFactory(inn="ZIDOVUDINE"),
        level="critical",
        status=AlertStatus.OPEN,
        message="Perturbation déclarée — disrupted_sales_share = 0.6111",
        **fields,
    )
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.ESCALATED, from_value="high", to_value="critical")
    return alert


def test_alert_detail_and_list_write_the_figure_in_words(client, personas):
    # given a national disruption alert on 61.1 % of declared sales
    alert = _alert(personas, kind=AlertKind.DISRUPTION, value={"disrupted_sales_share": 0.6110625060756294})
    client.force_login(personas.analyst)
    # when
    detail = client.get(reverse("shortages:alert_detail", args=[alert.pk])).content.decode()
    inbox = client.get(reverse("shortages:alert_list")).content.decode()
    # then
    for page in (detail, inbox):
        assert "Perturbations déclarées sur 61 % des ventes." in page
        assert "disrupted_sales_share" not in page
    assert "0,6110625060756294" not in detail
    assert "Élevé → Critique" in detail


def test_each_alert_figure_has_a_sentence(personas):
    from shortages.templatetags.alert_text import alert_figure

    # given one figure per metric the scoring raises alerts on
    figures = {
        "usable_stock": (0.0, "Stock utilisable : 0 unités."),
        "months_of_stock": (0.42, "Le stock couvre 0,4 mois de consommation."),
        "stockout_probability": (
            0.9771,
            "Probabilité de rupture sur l'horizon de réapprovisionnement (délai de livraison et période de revue) : 98 %.",
        ),
        "expiry_at_risk": (1234.0, "1\u00a0234 unités risquent de périmer avant d'être consommées."),
        "score": (56.22, "Score de risque national : 56 sur 100."),
        "industry_mos": (0.7, "L'industrie déclare 0,7 mois de ventes en stock (obligation : 3 mois)."),
    }
    with translation.override("fr"):
        for metric, (value, sentence) in figures.items():
            # when
            text = alert_figure(Alert(value={metric: value}))
            # then
            assert text == sentence, metric
        assert alert_figure(Alert(value={"usable_stock": None})) == ""


def test_alert_figures_round_half_up_as_the_stored_message_does(personas):
    from shortages.templatetags.alert_text import alert_figure

    # given figures on a half (0.25 month, 72.5 %, 12.5 %: Python's round() took them down to the even digit)
    figures = {
        "months_of_stock": (0.25, "Le stock couvre 0,3 mois de consommation."),
        "stockout_probability": (
            0.725,
            "Probabilité de rupture sur l'horizon de réapprovisionnement (délai de livraison et période de revue) : 73 %.",
        ),
        "disrupted_sales_share": (0.125, "Perturbations déclarées sur 13 % des ventes."),
        "usable_stock": (2.5, "Stock utilisable : 3 unités."),
    }
    with translation.override("fr"):
        for metric, (value, sentence) in figures.items():
            # when it is written, then it is rounded half up
            assert alert_figure(Alert(value={metric: value})) == sentence, metric


def test_alert_e_mail_names_the_previous_level_and_the_figure(personas):
    # given an establishment user subscribed to an escalated stockout alert
    alert = _alert(
        personas,
        kind=AlertKind.STOCKOUT,
        establishment=personas.hospital_a,
        region=personas.hospital_a.region,
        value={"usable_stock": 0.0},
    )
    event = alert.events.get(kind=AlertEventKind.ESCALATED)
    # when
    with translation.override("fr"):
        text = render_to_string("emails/shortages/alert.txt", {"alert": alert, "event": event})
        html = render_to_string("emails/shortages/alert.html", {"alert": alert, "event": event})
    # then
    for body in (text, html):
        assert "(auparavant Élevé)" in body and "Stock utilisable : 0 unités." in body
        assert "usable_stock" not in body


def test_analyst_assigns_comments_and_resolves_an_alert_through_the_pages(client, personas):
    # given an open national alert
    alert = _alert(personas, kind=AlertKind.NATIONAL_RISK, value={"score": 71.0})
    client.force_login(personas.analyst)
    # when the analyst assigns it to themself, comments, then resolves it
    client.post(reverse("shortages:alert_assign", args=[alert.pk]), {"assignee": personas.analyst.pk})
    mine = client.get(reverse("shortages:alert_list"), {"mine": "true"}).context["page_obj"].object_list
    client.post(reverse("shortages:alert_comment", args=[alert.pk]), {"comment": "Fournisseur relancé."})
    resolved = client.post(reverse("shortages:alert_resolve", args=[alert.pk]), {"comment": "Livraison reçue."})
    inbox = client.get(reverse("shortages:alert_list")).context["page_obj"].object_list
    # then each step is recorded, and the resolved alert leaves the default (active) inbox
    alert.refresh_from_db()
    assert (alert.assignee, alert.status) == (personas.analyst, AlertStatus.RESOLVED)
    assert [a.pk for a in mine] == [alert.pk]
    assert resolved.status_code == 302 and resolved["Location"] == reverse("shortages:alert_detail", args=[alert.pk])
    kinds = list(alert.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == [AlertEventKind.ASSIGNED, AlertEventKind.COMMENTED, AlertEventKind.RESOLVED]
    assert alert.pk not in [a.pk for a in inbox]


def test_assigning_to_nobody_is_refused_with_a_message(client, personas):
    # given
    alert = _alert(personas, kind=AlertKind.NATIONAL_RISK, value={"score": 71.0})
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:alert_assign", args=[alert.pk]), {"assignee": ""}, follow=True)
    # then
    alert.refresh_from_db()
    assert alert.assignee is None
    assert "Choisissez un analyste." in response.content.decode()


def test_a_national_alert_opens_a_prefilled_shortage_form_in_words(client, personas):
    # given a safety-stock alert: the industry declares 1.272 months of sales in stock
    alert = _alert(personas, kind=AlertKind.SAFETY_STOCK, value={"industry_mos": 1.272})
    client.force_login(personas.analyst)
    # when: "Inscrire au registre" is a link to the proposal
    with translation.override("fr"):
        detail = client.get(reverse("shortages:alert_detail", args=[alert.pk])).content.decode()
        page = client.get(reverse("shortages:shortage_from_alert", args=[alert.pk]))
    # then: nothing is written yet, and the proposal reads in words
    assert f'href="/alerts/{alert.pk}/shortage/"' in detail
    html = page.content.decode()
    assert page.status_code == 200
    assert not Shortage.objects.exists()
    assert "L&#x27;industrie déclare 1,3 mois de ventes en stock (obligation : 3 mois)." in html
    assert "industry_mos" not in html and "1.272" not in html
    assert 'option value="other" selected' in html


def test_the_analyst_edits_the_proposal_before_it_enters_the_register(client, personas):
    # given
    alert = _alert(personas, kind=AlertKind.NATIONAL_RISK, value={"score": 71.0})
    client.force_login(personas.analyst)
    form = {"status": "ongoing", "cause": "import", "started_on": "2026-10-01", "description": "Retard au port."}
    # when
    response = client.post(reverse("shortages:shortage_from_alert", args=[alert.pk]), form)
    # then
    shortage = Shortage.objects.get(source_alert=alert)
    assert response["Location"] == reverse("shortages:shortage_detail", args=[shortage.pk])
    assert (shortage.medicine_id, shortage.status, shortage.cause) == (alert.medicine_id, "ongoing", "import")
    assert (shortage.scope, str(shortage.started_on), shortage.description) == (
        "national",
        "2026-10-01",
        "Retard au port.",
    )


def test_a_second_shortage_from_an_alert_is_refused_in_french(client, personas):
    # given an open national shortage of the alert's medicine
    alert = _alert(personas, kind=AlertKind.NATIONAL_RISK, value={"score": 71.0})
    first = Shortage.objects.create(
        medicine=alert.medicine, cause="other", started_on="2026-09-01", scope="national", status="anticipated"
    )
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        form = client.get(reverse("shortages:shortage_from_alert", args=[alert.pk])).content.decode()
        refused = client.post(
            reverse("shortages:shortage_from_alert", args=[alert.pk]),
            {"status": "anticipated", "cause": "other", "started_on": "2026-10-01"},
        )
    # then: the form says so before, and the post is refused naming the shortage
    assert f'href="/shortages/{first.pk}/"' in form
    assert refused.status_code == 400
    assert f"Une rupture de ce médicament est déjà ouverte au registre (n° {first.pk})." in refused.content.decode()
    assert Shortage.objects.count() == 1


def test_alert_export_carries_the_figure_in_words(client, personas):
    import csv
    import io

    # given
    _alert(personas, kind=AlertKind.DISRUPTION, value={"disrupted_sales_share": 0.25})
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        response = client.get(reverse("shortages:alert_list"), {"format": "csv"})
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Constat")
    assert rows[1][column] == "Perturbations déclarées sur 25 % des ventes."


def test_the_alert_page_names_the_shortage_already_open_for_its_medicine(client, personas):
    # given
    alert = _alert(personas, kind=AlertKind.NATIONAL_RISK, value={"score": 71.0})
    open_one = Shortage.objects.create(
        medicine=alert.medicine, cause="import", started_on="2026-09-01", scope="national", status="ongoing"
    )
    Shortage.objects.create(
        medicine=alert.medicine, cause="other", started_on="2025-01-01", scope="national", status="resolved"
    )
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        detail = client.get(reverse("shortages:alert_detail", args=[alert.pk])).content.decode()
    # then: the open one is named and linked, and no second one is offered
    assert "Rupture déjà ouverte au registre pour ce médicament" in detail
    assert f'href="/shortages/{open_one.pk}/"' in detail and "(En cours, Nationale)" in detail
    assert f'href="/alerts/{alert.pk}/shortage/"' not in detail


def test_a_snooze_day_in_the_history_reads_as_the_language_writes_dates():
    from shortages.templatetags.alert_text import event_value

    # when the end of a snooze, stored as 2026-12-20, is shown
    with translation.override("fr"):
        french = event_value("2026-12-20")
    with translation.override("ar"):
        arabic = event_value("2026-12-20")

    # then it is a French date on French pages, and no longer the stored form on Arabic ones
    assert french == "20/12/2026"
    assert arabic != "2026-12-20" and "2026" in arabic
    assert event_value("demo.analyste") == "demo.analyste"
