"""An analyst keeps the shortage register through the pages: open a shortage, add and follow actions."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from shortages.models import MitigationAction, Shortage
from tests import factories
from tests.web.world import build_world


def test_analyst_opens_a_shortage(client, personas):
    # given
    medicine = factories.MedicineFactory(code="MED-REG-1")
    client.force_login(personas.analyst)
    # when
    response = client.post(
        reverse("shortages:shortage_create"),
        {
            "medicine": "MED-REG-1",
            "status": "ongoing",
            "cause": "import",
            "scope": "national",
            "started_on": "2026-10-01",
            "description": "Retard d'importation",
        },
    )
    # then
    shortage = Shortage.objects.get(medicine=medicine)
    assert response.status_code == 302
    assert response["Location"] == reverse("shortages:shortage_detail", args=[shortage.pk])
    assert (shortage.status, shortage.cause, shortage.created_by) == ("ongoing", "import", personas.analyst)


def test_shortage_form_names_the_field_in_error(client, personas):
    # given
    client.force_login(personas.analyst)
    # when
    response = client.post(
        reverse("shortages:shortage_create"),
        {"medicine": "NOPE", "status": "ongoing", "cause": "import", "scope": "regional", "started_on": "2026-10-01"},
    )
    # then
    assert response.status_code == 400
    assert (
        "Aucun médicament ne correspond à « NOPE » (DCI, marque, code EAN ou code)."
        in response.context["form"].errors["medicine"]
    )
    assert not Shortage.objects.exists()


def test_analyst_adds_an_action_and_moves_it_to_done(client, personas):
    # given
    world = build_world(personas, size=1)
    shortage = world.shortages[0]
    client.force_login(personas.analyst)
    # when
    client.post(
        reverse("shortages:action_add", args=[shortage.pk]),
        {
            "kind": "alternative",
            "alternative": world.medicines[1].pk,
            "due_date": "2026-12-01",
            "owner": personas.analyst.pk,
        },
    )
    action = MitigationAction.objects.get(shortage=shortage, kind="alternative")
    client.post(reverse("shortages:action_status", args=[shortage.pk, action.pk]), {"status": "done"})
    page = client.get(reverse("shortages:shortage_detail", args=[shortage.pk]))
    # then
    action.refresh_from_db()
    assert action.status == "done"
    assert action.alternative == world.medicines[1]
    assert action.due_date == dt.date(2026, 12, 1)
    assert str(world.medicines[1]) in page.content.decode()
    assert page.content.decode().count("Ajouter une action") == 1


def test_reallocation_without_destination_is_refused_with_the_field_named(client, personas):
    # given
    world = build_world(personas, size=1)
    shortage = world.shortages[0]
    client.force_login(personas.analyst)
    # when
    response = client.post(
        reverse("shortages:action_add", args=[shortage.pk]),
        {"kind": "reallocation", "from_establishment": personas.hospital_b.code, "quantity": 50},
    )
    # then
    assert response.status_code == 400
    assert response.context["action_form"].errors["from_establishment"]
    assert not MitigationAction.objects.filter(shortage=shortage, kind="reallocation").exists()


def test_the_shortage_page_gives_each_field_of_its_two_forms_an_id_of_its_own(client, personas):
    # given a shortage the analyst manages: its page holds the action form and the update form,
    # both with a description and a status
    world = build_world(personas, size=1)
    client.force_login(personas.analyst)

    # when the page is read, and again after a refused update (the form in error is drawn again)
    pages = [
        client.get(reverse("shortages:shortage_detail", args=[world.shortages[0].pk])),
        client.post(reverse("shortages:shortage_update", args=[world.shortages[0].pk]), {"status": "nonsense"}),
    ]

    # then no id is given twice, and every label names a field of the page
    for page in pages:
        html = page.content.decode()
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert [name for name in set(ids) if ids.count(name) > 1] == []
        assert set(re.findall(r'<label for="([^"]+)"', html)) <= set(ids)
        assert 'id="update_description"' in html and 'id="action_description"' in html
