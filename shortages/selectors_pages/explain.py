"""A risk score's factors in plain words: what each factor measured and how many points it added.

``RiskScore.contributions`` maps factor names (the keys of ``settings.RISK_WEIGHTS``) to points
(or to a dict holding ``points``); ``RiskScore.figures`` holds the measured values. A factor that
this module does not know is still shown, under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

FACTOR_LABELS = {
    "stock_cover": gettext_lazy("Couverture du stock public"),
    "stockout_spread": gettext_lazy("Ruptures dans les établissements"),
    "industry_cover": gettext_lazy("Stock de l'industrie"),
    "disruption": gettext_lazy("Perturbations déclarées"),
    "concentration": gettext_lazy("Concentration des fournisseurs"),
    "import_dependency": gettext_lazy("Dépendance à l'importation"),
    "history": gettext_lazy("Historique de ruptures"),
    "criticality": gettext_lazy("Criticité thérapeutique"),
}


@dataclass
class Factor:
    """One factor of a score: its label, points added, maximum points and a sentence."""

    key: str
    label: str
    points: float
    weight: float | None
    text: str

    @property
    def percent_of_weight(self) -> int:
        """How much of its maximum the factor used, 0-100 (for the bar)."""
        return round(100 * min(1.0, max(0.0, self.points / self.weight))) if self.weight else 0


def _first(figures: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = figures.get(key)
        if value is not None:
            return value
    return None


def _num(value: Any, digits: int = 1) -> str:
    return number_format(round(float(value), digits), digits)


def _pct(value: Any) -> str:
    return f"{number_format(round(float(value) * 100), 0)} %"


def _sentence(key: str, figures: dict[str, Any]) -> str:
    """The measured value behind factor ``key``, in French, or a generic description."""
    if key == "stock_cover":
        mos = _first(figures, "national_mos", "months_of_stock", "public_mos")
        if mos is not None:
            return _("Le stock public couvre %(mos)s mois de consommation au niveau national.") % {"mos": _num(mos)}
        return _("Moins le stock public couvre de mois de consommation, plus ce facteur pèse.")
    if key == "stockout_spread":
        share = _first(figures, "share_at_risk", "share_stocked_out_or_below", "stockout_share", "share_stocked_out")
        if share is not None:
            return _("%(share)s des établissements qui le stockent sont en rupture ou sous le seuil d'urgence.") % {
                "share": _pct(share)
            }
        return _("Part des établissements en rupture ou sous le seuil d'urgence.")
    if key == "industry_cover":
        mos = _first(figures, "industry_mos", "industry_months_of_stock")
        if mos is not None:
            return _("L'industrie déclare %(mos)s mois de ventes en stock (obligation légale : 3 mois).") % {
                "mos": _num(mos)
            }
        return _("Aucune déclaration acceptée de l'industrie : le stock industriel est inconnu.")
    if key == "disruption":
        share = _first(figures, "disrupted_sales_share", "disruption_share")
        if share is not None:
            return _("Des perturbations d'approvisionnement sont déclarées pour %(share)s des ventes.") % {
                "share": _pct(share)
            }
        return _("Perturbations d'approvisionnement déclarées par les fournisseurs.")
    if key == "concentration":
        hhi = _first(figures, "hhi", "supplier_hhi", "herfindahl")
        suppliers = _first(figures, "suppliers", "supplier_count")
        if hhi is not None:
            index = _("indice de concentration (Herfindahl, de 0 à 1) : %(hhi)s.") % {"hhi": _num(hhi, 2)}
            if suppliers is None:
                return index[:1].upper() + index[1:]
            count = int(suppliers)
            return ngettext("%(n)s fournisseur ; %(index)s", "%(n)s fournisseurs ; %(index)s", count) % {
                "n": count,
                "index": index,
            }
        return _("Peu de fournisseurs se partagent le marché.")
    if key == "import_dependency":
        share = _first(figures, "import_share", "imported_share")
        if share is not None:
            return _("%(share)s de l'offre est importée.") % {"share": _pct(share)}
        return _("Part de l'offre qui dépend de l'importation.")
    if key == "history":
        episodes = _first(figures, "episodes", "shortage_episodes")
        if episodes is not None:
            count = int(episodes)
            return ngettext(
                "%(n)s épisode de rupture au cours des 24 derniers mois.",
                "%(n)s épisodes de rupture au cours des 24 derniers mois.",
                count,
            ) % {"n": count}
        return _("Ruptures passées au cours des 24 derniers mois.")
    if key == "criticality":
        ven = _first(figures, "ven_class", "ven")
        labels = {"V": _("vital"), "E": _("essentiel"), "N": _("non essentiel")}
        if ven is not None:
            return _("Médicament classé %(ven)s (classification VEN).") % {"ven": labels.get(ven, ven)}
        return _("Importance thérapeutique du médicament (classification VEN).")
    return _("Facteur « %(key)s ».") % {"key": key}


def factors_explain(
    *, contributions: dict[str, Any] | None, figures: dict[str, Any] | None, ven_class: str | None = None
) -> list[Factor]:
    """Each factor of a score with its points and sentence, largest contribution first."""
    weights = getattr(settings, "RISK_WEIGHTS", {})
    figures = {"ven_class": ven_class, **(figures or {})}
    factors = []
    for key, raw in (contributions or {}).items():
        points = raw.get("points", raw.get("contribution", 0)) if isinstance(raw, dict) else raw
        if points is None:
            continue
        factors.append(
            Factor(
                key=key,
                label=str(FACTOR_LABELS.get(key, key)),
                points=float(points),
                weight=weights.get(key),
                text=_sentence(key, figures or {}),
            )
        )
    return sorted(factors, key=lambda factor: -factor.points)
