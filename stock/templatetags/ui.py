"""Presentation helpers shared by every page: the role navigation, number formats and level labels.

Navigation entries name URL patterns; an entry whose URL does not resolve (a page not built yet)
is left out rather than breaking every page.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, get_language_bidi, npgettext, pgettext
from django.utils.translation import gettext_lazy as _

from stock import roles, scopes

register = template.Library()

# (label, url name) per role, in the order shown. Pages of other apps join by url name.
ANALYST_NAV = (
    (_("Vue nationale"), "shortages:overview"),
    (_("Médicaments"), "shortages:medicine_list"),
    (_("Régions"), "shortages:region_list"),
    (_("Alertes"), "shortages:alert_list"),
    (_("Ruptures"), "shortages:shortage_list"),
    (_("Déclarations"), "partners:declaration_list"),
    (_("Partenaires"), "partners:organization_list"),
    (_("Accords"), "partners:agreement_list"),
    (_("Imports"), "stock:import_list"),
    (_("Modèle de prévision"), "shortages:prediction_model"),
    (_("Journal"), "stock:audit_list"),
    (_("Accès API"), "stock:token_list"),
)
# Entries only national analysts are shown: the audit trail covers every region's writes.
NATIONAL_ONLY = {"stock:audit_list"}
INDUSTRY_NAV = (
    (_("Accueil"), "home"),
    (_("Déclarations"), "partners:declaration_list"),
    (_("Import"), "partners:declaration_upload"),
    (_("Mes imports"), "stock:import_list"),
    (_("Engagements"), "partners:commitment_list"),
    (_("Vue nationale"), "shortages:overview"),
    (_("Accès API"), "stock:token_list"),
)
ESTABLISHMENT_NAV = (
    (_("Mon stock"), "home"),
    (_("Alertes"), "shortages:alert_list"),
    (_("Mes imports"), "stock:import_list"),
    (_("Accès API"), "stock:token_list"),
)

LEVEL_LABELS = {
    "critical": _("Critique"),
    "high": _("Élevé"),
    "medium": _("Moyen"),
    "low": _("Faible"),
    "unknown": _("Données insuffisantes"),
    "stocked_out": _("En rupture"),
    "below_emergency": _("Sous le seuil d'urgence"),
    "understocked": _("Sous-stocké"),
    "adequate": _("Adéquat"),
    "overstocked": _("Surstocké"),
    "no_consumption": _("Sans consommation"),
    "insufficient_data": _("Données insuffisantes"),
}

# Dispensing units stored in French (the catalogue's default is "unité"), shown in the page's language:
# alone (a column of units), as the caption of quantities (a chart's axis), and after a quantity, in
# the form that quantity takes.
UNIT_LABELS = {"unité": _("unité")}
UNIT_PLURAL_LABELS = {"unité": _("unités")}
UNIT_COUNTED = {"unité": lambda count: npgettext("après une quantité", "unité", "unités", count)}


def _nav_for(user: Any) -> tuple:
    if roles.is_analyst(user):
        return ANALYST_NAV
    if roles.is_industry(user):
        return INDUSTRY_NAV
    if roles.is_establishment(user):
        return ESTABLISHMENT_NAV
    return ()


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context) -> list[dict[str, Any]]:
    """The navigation entries for the current user's role, with the current one marked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    national = scopes.is_national_analyst(user) if user is not None else False
    for label, name in _nav_for(user):
        if name in NATIONAL_ONLY and not national:
            continue
        try:
            items.append({"label": label, "url": reverse(name), "active": False})
        except NoReverseMatch:
            continue
    # The entry whose URL is the longest prefix of the current path is the current one
    # (so /declarations/import/ marks "Import", not also "Déclarations").
    path = getattr(request, "path", "")
    matches = [item for item in items if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return items


@register.filter
def level_label(code: str | None) -> str:
    """The French label of a risk level or stock status code."""
    return LEVEL_LABELS.get(code or "unknown", code or "")


@register.filter
def unit_label(unit: str | None, plural: bool = False) -> str:
    """A dispensing unit in the page's language (a unit this module does not know, as it is stored);
    ``plural``: as the caption of quantities ("unités" over a chart's axis)."""
    labels = UNIT_PLURAL_LABELS if plural else UNIT_LABELS
    return str(labels.get(unit or "", unit or ""))


@register.filter
def unit_after(quantity: Any, unit: str | None) -> str:
    """Dispensing unit ``unit`` written after ``quantity``, singular or plural as the quantity is
    shown (:func:`qty`: "1 unité", "1 612 unités"; Arabic has six forms). Without a quantity, or
    for a unit this module does not know, :func:`unit_label`."""
    counted = UNIT_COUNTED.get(unit or "")
    if counted is None or quantity is None or quantity == "":
        return unit_label(unit)
    return counted(qty_count(quantity))


def localized_place_name(name_fr: str, name_ar: str = "") -> str:
    """A region's or province's name in the page's language: Arabic on Arabic pages when it is known."""
    return name_ar if name_ar and (get_language() or "").startswith("ar") else name_fr


@register.filter
def place_name(place: Any) -> str:
    """The name of a region or province in the page's language, or an em dash when there is none."""
    if place is None or place == "":
        return "—"
    return localized_place_name(place.name_fr, getattr(place, "name_ar", ""))


@register.simple_tag
def arrow(back: bool = False) -> str:
    """An arrow that points along the reading order ("→" in French, "←" in Arabic), or against it
    with ``back``: from a value to the next, from a predecessor to its successor, to a fuller list."""
    return "→" if get_language_bidi() == bool(back) else "←"


def _rounded(value: Any, digits: int) -> Decimal:
    """``value`` rounded half up to ``digits`` decimals (Django's number_format cuts digits off)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


@register.filter
def months(value: Any) -> str:
    """Months of stock rounded to one decimal, or an em dash when unknown."""
    if value is None or value == "":
        return "—"
    return number_format(_rounded(value, 1), 1)


@register.filter
def qty(value: Any) -> str:
    """A quantity rounded to a whole unit with thousands separators, or an em dash when unknown."""
    if value is None or value == "":
        return "—"
    return number_format(int(_rounded(value, 0)), 0, force_grouping=True)


def qty_count(value: Any) -> int:
    """A quantity as :func:`qty` writes it, as the count that chooses the singular or the plural of
    the words after it (its size: "-3" takes the plural, as "3" does)."""
    return abs(int(_rounded(value, 0)))


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage rounded to ``digits`` decimals, or an em dash when unknown."""
    if value is None or value == "":
        return "—"
    return f"{number_format(_rounded(Decimal(str(value)) * 100, int(digits)), int(digits))} %"


@register.filter
def words(items: Any) -> str:
    """Items of a list of words (levels, roles) joined as the page's language writes a list: a comma
    in French, the Arabic comma in Arabic ("مستشفى، الرعاية" rather than a Latin comma)."""
    return pgettext("séparateur de liste", ", ").join(str(item) for item in items or ())


@register.filter
def person(user: Any) -> str:
    """A user's full name, else username, else an em dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def ratio(numerator: Any, denominator: Any) -> float | None:
    """``numerator / denominator``, or None when the denominator is zero or unknown."""
    try:
        return float(numerator) / float(denominator) if denominator else None
    except (TypeError, ValueError):
        return None
