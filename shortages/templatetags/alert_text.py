"""Alerts in plain words on the pages and in the e-mails: the figure that raised an alert, and the
before and after of each event of its history, instead of field names and codes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shortages.choices import AlertStatus
from shortages.disclosure import alert_figure_withheld
from stock.templatetags.ui import LEVEL_LABELS, months, pct, qty, qty_count

register = template.Library()
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _figure(metric: str, value: float, values: dict | None = None) -> str | None:
    """One metric of ``Alert.value`` (all of them in ``values``) as a French sentence; None for a
    metric this module does not know. The number filters round half up, as the stored message does
    (a rounding here first, Python's to the even digit, made "0,2 mois" of 0.25 where the message
    said "0,3 mois")."""
    values = values or {}
    sentences = {
        "usable_stock": lambda: (
            ngettext("Stock utilisable : %(n)s unité.", "Stock utilisable : %(n)s unités.", qty_count(value))
            % {"n": qty(value)}
        ),
        "months_of_stock": lambda: _("Le stock couvre %(mos)s mois de consommation.") % {"mos": months(value)},
        "stockout_probability": lambda: (
            _(
                "Probabilité de rupture sur l'horizon de réapprovisionnement (délai de livraison et période de revue) : %(p)s."
            )
            % {"p": pct(value)}
        ),
        "expiry_at_risk": lambda: (
            ngettext(
                "%(n)s unité risque de périmer avant d'être consommée.",
                "%(n)s unités risquent de périmer avant d'être consommées.",
                qty_count(value),
            )
            % {"n": qty(value)}
        ),
        "score": lambda: _("Score de risque national : %(score)s sur 100.") % {"score": qty(value)},
        "industry_mos": lambda: (
            ngettext(
                "%(k)s entreprise sur %(n)s déclare moins de 3 mois de ventes en stock ; l'industrie en "
                "déclare %(mos)s mois au total.",
                "%(k)s entreprises sur %(n)s déclarent moins de 3 mois de ventes en stock ; l'industrie en "
                "déclare %(mos)s mois au total.",
                int(values["companies_in_breach"]),
            )
            % {"k": qty(values["companies_in_breach"]), "n": qty(values["declared_companies"]), "mos": months(value)}
            if "companies_in_breach" in values and "declared_companies" in values
            else _("L'industrie déclare %(mos)s mois de ventes en stock (obligation : 3 mois).")
            % {"mos": months(value)}
        ),
        "disrupted_sales_share": lambda: _("Perturbations déclarées sur %(p)s des ventes.") % {"p": pct(value)},
        "expired_stock": lambda: (
            ngettext(
                "%(n)s unité périmée à retirer du stock.", "%(n)s unités périmées à retirer du stock.", qty_count(value)
            )
            % {"n": qty(value)}
        ),
        "share_at_risk": lambda: (
            (
                _("%(p)s des positions de la région en rupture ou sous le seuil d'urgence (%(k)s sur %(n)s).")
                if settings.ALERT_ROLLUP_PROBABILITY_CUT is None
                else _(
                    "%(p)s des positions de la région en rupture, sous le seuil d'urgence ou à une probabilité "
                    "de rupture d'au moins %(cut)s (modèle appris) (%(k)s sur %(n)s)."
                )
            )
            % {
                "p": pct(value),
                "k": qty(values.get("at_risk", 0)),
                "n": qty(values.get("positions", 0)),
                "cut": pct(settings.ALERT_ROLLUP_PROBABILITY_CUT),
            }
        ),
    }
    sentence = sentences.get(metric)
    return sentence() if sentence else None


@register.filter
def alert_figure(alert: Any, viewer: Any = None) -> str:
    """What triggered ``alert``, in words, as ``viewer`` may read it (empty when it carries no known
    figure, or when its figure comes from declarations and the viewer is not an analyst)."""
    if alert_figure_withheld(user=viewer, alert=alert):
        return ""
    return alert_figure_text(alert)


def alert_figure_text(alert: Any) -> str:
    """What triggered ``alert``, in words, whoever reads it: for texts only analysts read."""
    texts = []
    values = getattr(alert, "value", None) or {}
    for metric, value in values.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = _figure(metric, float(value), values)
            if text:
                texts.append(text)
    return " ".join(texts)


@register.filter
def event_value(code: str | None) -> str:
    """A value before or after an alert event: level and status codes by their label, a day (a
    snooze's end, stored as ``AAAA-MM-JJ``) as the language writes dates, anything else (a username)
    as it is, an em dash when empty."""
    if not code:
        return "—"
    if code in LEVEL_LABELS:
        return str(LEVEL_LABELS[code])
    if code in AlertStatus.values:
        return str(AlertStatus(code).label)
    if ISO_DAY.fullmatch(code):
        try:
            return date_format(dt.date.fromisoformat(code), "SHORT_DATE_FORMAT")
        except ValueError:
            return code
    return code
