"""Each role lands on what it needs first: analysts on alerts to triage, overdue actions and
shortages; industry users on their companies' declaration status and national alerts on what they
supply; an establishment user on their establishment's stock."""

from __future__ import annotations

from django.urls import reverse

from partners.choices import DeclarationStatus
from partners.models import SupplyDeclaration
from tests.web.world import build_world


def test_analyst_home_lists_unowned_national_alerts_and_overdue_actions(client, personas):
    # given national alerts without an owner and an action two days overdue on each shortage
    world = build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    home = client.get(reverse("home")).context["home"]
    # then
    national = {alert.pk for alert in world.alerts if alert.establishment_id is None}
    assert {alert.pk for alert in home.unassigned} == national
    assert {action.shortage_id for action in home.overdue_actions} == {s.pk for s in world.shortages}
    assert {shortage.pk for shortage in home.shortages} == {s.pk for s in world.shortages}


def test_industry_home_says_which_company_has_not_declared_last_month(client, personas):
    # given the member company declared last month; then its declarations are taken back to drafts
    build_world(personas, size=1)
    client.force_login(personas.association_user)
    declared = client.get(reverse("home")).context["home"]
    SupplyDeclaration.objects.update(status=DeclarationStatus.DRAFT)
    # when
    home = client.get(reverse("home")).context["home"]
    # then: only the company the association covers, declared at first, missing once drafts only
    assert [company.pk for company in declared.companies] == [personas.member_company.pk]
    assert declared.missing == []
    assert [company.pk for company in home.missing] == [personas.member_company.pk]
    assert home.alerts and all(alert.establishment_id is None for alert in home.alerts)


def test_establishment_user_lands_on_their_stock(client, personas):
    # given
    build_world(personas, size=1)
    client.force_login(personas.hospital_a_user)
    # when
    response = client.get(reverse("home"))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])
