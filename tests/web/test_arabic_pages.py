"""Arabic pages as each role reads them: no French left from the catalogue or the page templates,
regions by their Arabic names, figures grouped and dates with the month names Morocco uses."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from partners.models import SupplyDeclaration
from stock.templatetags.ui import months, pct, qty
from tests.web.arabic_catalogue import PO_PATH, entries_read
from tests.web.world import build_world

# Words of the French pages that no test data carries; on an Arabic page they can only come from a
# string that escaped translation.
FRENCH_WORDS = re.compile(
    r"\b(Alertes|Médicaments|Ruptures|Déclarations|Établissements|Régions|Aucune?|Niveau|Statut|Quantité|"
    r"Filtrer|Consommation|Précédente|Suivante|Probabilité|Critique|Élevé|Moyen|Faible|Voir|Toutes?|Tous|"
    r"mois|unités|sur|depuis|Enregistrer|Déclarer|Importer|Fichier)\b"
)
ARABIC_REGION_NAMES = {"01": "طنجة-تطوان-الحسيمة", "06": "الدار البيضاء-سطات"}


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes outside scripts and styles, and the titles, labels and
    placeholders of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.parts


def french_catalogue_strings() -> set[str]:
    """The French of every catalogue entry translated into something else (ATC, VEN... stay as they are)."""
    return {
        entry.msgid
        for entry in entries_read(PO_PATH.read_text(encoding="utf-8"))
        if entry.msgid_plural is None and entry.msgstr.get(0) != entry.msgid and re.search(r"[^\W\d_]", entry.msgid)
    }


def french_left(html: str, *, data: list[str]) -> list[str]:
    """Text of a page that is French: a whole catalogue string, or a French word outside the data."""
    catalogue = french_catalogue_strings()
    found = []
    for part in visible_text(html):
        if part in catalogue:
            found.append(part)
            continue
        for value in sorted(data, key=len, reverse=True):
            part = part.replace(value, " ")
        found += FRENCH_WORDS.findall(part)
    return found


@pytest.fixture
def arabic_world(personas):
    world = build_world(personas, size=1)
    for region in world.regions:
        region.name_ar = ARABIC_REGION_NAMES[region.code]
        region.save(update_fields=["name_ar"])
    return world


def _data_of(world, personas) -> list[str]:
    """Names and codes that come from the test data, not from the pages' own words."""
    values = [str(medicine) for medicine in world.medicines] + [m.inn for m in world.medicines]
    values += [e.name for e in world.establishments] + [e.code for e in world.establishments]
    values += [str(e.province) for e in world.establishments if e.province]
    values += [r.name_fr for r in world.regions]
    values += [
        personas.member_company.organization.name,
        personas.outside_company.organization.name,
        "Association test",
        "Rupture constatée",
        "Risque national",
        "Anti-infective medicines",
        "Français",
    ]
    return values


def _arabic_client(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


def test_analyst_pages_in_arabic_leave_no_french(client, personas, arabic_world):
    # given an analyst reading in Arabic
    client = _arabic_client(client, personas.analyst)
    world = arabic_world
    medicine, shortage = world.medicines[0], world.shortages[0]
    position_alert = next(alert for alert in world.alerts if alert.establishment_id)
    national_alert = next(alert for alert in world.alerts if alert.establishment_id is None)
    declaration = SupplyDeclaration.objects.filter(medicine=medicine).first()
    urls = [
        reverse("home"),
        reverse("shortages:overview"),
        reverse("shortages:medicine_list"),
        reverse("shortages:medicine_detail", args=[medicine.pk]),
        reverse("shortages:region_list"),
        reverse("shortages:region_detail", args=[world.regions[0].pk]),
        reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]),
        reverse("shortages:alert_list"),
        reverse("shortages:alert_detail", args=[position_alert.pk]),
        reverse("shortages:alert_detail", args=[national_alert.pk]),
        reverse("shortages:shortage_list"),
        reverse("shortages:shortage_detail", args=[shortage.pk]),
        reverse("shortages:shortage_create"),
        reverse("partners:declaration_list"),
        reverse("partners:declaration_detail", args=[declaration.pk]),
        reverse("partners:compliance"),
        reverse("partners:late_declarants"),
        reverse("partners:organization_list"),
        reverse("partners:agreement_list"),
        reverse("stock:audit_list"),
        reverse("stock:import_list"),
    ]
    data = _data_of(world, personas)
    for url in urls:
        # when
        response = client.get(url)
        # then
        html = response.content.decode()
        assert response.status_code == 200, url
        assert 'lang="ar" dir="rtl"' in html, url
        assert french_left(html, data=data) == [], url


def test_industry_and_establishment_pages_in_arabic_leave_no_french(client, personas, arabic_world):
    # given an association user, then a hospital user, reading in Arabic
    data = _data_of(arabic_world, personas)
    pages = {
        personas.association_user: [
            reverse("home"),
            reverse("partners:declaration_create"),
            reverse("partners:declaration_upload"),
            reverse("partners:commitment_list"),
        ],
        personas.hospital_a_user: [
            reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]),
            reverse("stock:report_upload"),
            reverse("stock:import_list"),
        ],
    }
    for user, urls in pages.items():
        arabic = _arabic_client(client, user)
        for url in urls:
            # when
            response = arabic.get(url)
            # then
            assert response.status_code == 200, url
            assert french_left(response.content.decode(), data=data) == [], url


def test_the_french_check_sees_a_string_left_untranslated(client, personas, arabic_world):
    # given the same page in French, where every catalogue string is French
    client.force_login(personas.analyst)
    # when
    html = client.get(reverse("shortages:overview")).content.decode()
    # then the check finds them, so an empty Arabic entry would be caught
    left = french_left(html, data=_data_of(arabic_world, personas))
    assert "Vue nationale" in left and "Risque par région" in left


def test_arabic_pages_name_regions_in_arabic_and_group_figures(client, personas, arabic_world):
    # given
    client = _arabic_client(client, personas.analyst)
    medicine = arabic_world.medicines[0]
    # when
    region_list = client.get(reverse("shortages:region_list")).content.decode()
    alert_filters = client.get(reverse("shortages:alert_list")).content.decode()
    medicine_page = client.get(reverse("shortages:medicine_detail", args=[medicine.pk])).content.decode()
    # then regions read in Arabic, and the 1250 units of average monthly consumption keep their
    # thousands separator (a no-break space, which keeps the number whole in right-to-left text)
    assert "طنجة-تطوان-الحسيمة" in region_list and "Tanger-Tétouan-Al Hoceima" not in region_list
    assert "الدار البيضاء-سطات</option>" in alert_filters and "Casablanca-Settat" not in alert_filters
    assert "1\xa0250" in medicine_page and "1\xa0000" in medicine_page
    assert "وحدة" in medicine_page  # the dispensing unit, stored as "unité"


@pytest.mark.parametrize(
    ("render", "expected"),
    [
        (lambda: qty(1123961), "1\xa0123\xa0961"),
        (lambda: months(0.89), "0,9"),
        (lambda: pct(0.125, 1), "12,5 %"),
    ],
    ids=["quantity", "months", "share"],
)
def test_number_filters_group_thousands_and_use_a_decimal_comma_in_arabic(render, expected):
    with translation.override("ar"):
        assert render() == expected


def test_arabic_dates_use_the_month_names_of_morocco_and_read_typed_dates_day_first():
    # given
    template = Template('{{ day|date:"j F Y" }} · {{ day|date:"SHORT_DATETIME_FORMAT" }}')
    day = dt.datetime(2026, 8, 5, 14, 30)
    # when
    with translation.override("ar"):
        text = template.render(Context({"day": day}))
        typed = forms.DateField().clean("05/08/2026")
    # then: غشت for August (not أغسطس), day/month/year and a 24-hour clock, and 05/08 read as 5 August
    assert text == "5 غشت 2026 · 05/08/2026 14:30"
    assert typed == dt.date(2026, 8, 5)


def test_free_text_in_french_keeps_its_own_direction_on_arabic_pages(client, personas, arabic_world):
    # given a shortage described in French, read on an Arabic (right-to-left) page
    shortage = arabic_world.shortages[0]
    shortage.description = "Rupture déclarée par le fabricant (lot rappelé)."
    shortage.save(update_fields=["description"])
    client = _arabic_client(client, personas.analyst)
    # when
    html = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    # then the description takes the direction of its own text, so its full stop stays at its end
    assert '<dd dir="auto">Rupture déclarée par le fabricant (lot rappelé).</dd>' in html


def test_arrows_point_along_the_reading_order(client, personas, arabic_world):
    # given the opening of a critical national alert, seen in French then in Arabic
    alert = next(a for a in arabic_world.alerts if a.establishment_id is None and a.level == "critical")
    client.force_login(personas.analyst)
    url = reverse("shortages:alert_detail", args=[alert.pk])
    # when
    french = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    arabic = client.get(url).content.decode()
    # then the change reads from the old value to the new one in both directions of writing
    assert "— → Critique" in french
    assert "— ← حرج" in arabic and "— → حرج" not in arabic
