"""A declaration page gives the months of sales the declared stock covers, beside the duty."""

from __future__ import annotations

from django.urls import reverse

from tests.partners.factories import DeclarationFactory


def test_declaration_page_shows_months_of_stock_against_the_duty(client, personas):
    # given 4,500 units in stock for 3,000 sold in the month
    declaration = DeclarationFactory(company=personas.member_company, stock_on_hand=4500, monthly_sales=3000)
    client.force_login(personas.association_user)
    # when
    html = client.get(reverse("partners:declaration_detail", args=[declaration.pk])).content.decode()
    # then
    assert '<dd data-testid="declared-months">1,5 <span class="small muted">(obligation : 3 mois de ventes)' in html
