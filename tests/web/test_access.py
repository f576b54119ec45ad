"""Each role sees only what ``visible_to`` allows: pages not meant for a role answer 403 or 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.world import build_world


@pytest.fixture
def world(personas):
    return build_world(personas, size=1)


@pytest.mark.parametrize(
    ("persona", "name", "status"),
    [
        ("association_user", "shortages:region_list", 403),
        ("association_user", "shortages:establishment_detail", 403),
        ("hospital_a_user", "shortages:overview", 403),
        ("hospital_a_user", "shortages:region_list", 403),
        ("no_role_user", "shortages:alert_list", 403),
        ("no_role_user", "shortages:overview", 403),
    ],
)
def test_pages_refused_to_roles_they_are_not_for(client, personas, world, persona, name, status):
    # given
    client.force_login(getattr(personas, persona))
    args = [personas.hospital_a.pk] if name == "shortages:establishment_detail" else []
    # when
    response = client.get(reverse(name, args=args))
    # then
    assert response.status_code == status


def test_establishment_user_gets_404_for_another_establishment(client, personas, world):
    # given
    client.force_login(personas.hospital_a_user)
    # when
    own = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]))
    other = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_b.pk]))
    # then
    assert own.status_code == 200
    assert other.status_code == 404


def test_alert_inbox_is_scoped_by_role(client, personas, world):
    # given
    hospital_b_alert = next(a for a in world.alerts if a.establishment_id == personas.hospital_b.pk)
    national_alert = next(a for a in world.alerts if a.establishment_id is None)
    # when
    client.force_login(personas.hospital_a_user)
    own_list = client.get(reverse("shortages:alert_list")).context["page_obj"].object_list
    other = client.get(reverse("shortages:alert_detail", args=[hospital_b_alert.pk]))
    client.force_login(personas.association_user)
    industry_list = client.get(reverse("shortages:alert_list")).context["page_obj"].object_list
    # then
    assert {a.establishment_id for a in own_list} == {personas.hospital_a.pk}
    assert other.status_code == 404
    assert national_alert in industry_list
    assert all(a.establishment_id is None for a in industry_list)


def test_industry_medicine_page_hides_establishment_positions(client, personas, world):
    # given
    client.force_login(personas.association_user)
    # when
    response = client.get(reverse("shortages:medicine_detail", args=[world.medicines[0].pk]))
    # then
    assert response.status_code == 200
    assert response.context["page"].positions == []
    assert personas.hospital_a.name not in response.content.decode()


def test_analyst_actions_refused_to_other_roles(client, personas, world):
    # given
    alert = next(a for a in world.alerts if a.establishment_id == personas.hospital_a.pk)
    client.force_login(personas.hospital_a_user)
    # when
    response = client.post(reverse("shortages:alert_acknowledge", args=[alert.pk]))
    # then
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"


def test_establishment_medicine_page_leaves_out_industry_declarations(client, personas, world):
    # given a medicine declared by the association's member company
    medicine = world.medicines[0]
    client.force_login(personas.hospital_a_user)
    # when the hospital user opens it
    response = client.get(reverse("shortages:medicine_detail", args=[medicine.pk]))
    # then no declaration table (not even an empty one), and the positions are called their own
    html = response.content.decode()
    assert response.context["page"].declarations == []
    assert "Déclarations des trois derniers mois" not in html
    assert "Vos établissements" in html and personas.hospital_a.name in html


def test_medicine_page_leaves_out_draft_declarations(client, personas, world):
    from partners.choices import DeclarationStatus
    from partners.models import SupplyDeclaration

    # given the current declaration of the month is a draft
    medicine = world.medicines[0]
    SupplyDeclaration.objects.filter(medicine=medicine).update(status=DeclarationStatus.DRAFT)
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("shortages:medicine_detail", args=[medicine.pk]))
    # then
    assert response.context["page"].declarations == []
    assert "Déclarations des trois derniers mois" in response.content.decode()
