"""The learned model's features in French words, and their values as a reader would say them.

One phrase per name of :data:`shortages.scoring.features.FEATURES`; a test checks that none is
missing. ``FEATURE_UNITS`` says how a feature's value reads (months, a share, a count...); a feature
without a unit is explained by its phrase alone (a ratio without a natural unit, a code).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FEATURE_LABELS = {
    "months_of_stock": _("mois de stock"),
    "stock_over_forecast": _("stock rapporté à la consommation des 3 derniers mois"),
    "log_stock": _("quantité en stock"),
    "log_consumption_3": _("consommation mensuelle des 3 derniers mois"),
    "consumption_trend": _("évolution de la consommation (3 derniers mois contre les 3 précédents)"),
    "consumption_cv": _("irrégularité de la consommation sur 6 mois"),
    "zero_issue_share": _("part des 6 derniers mois sans aucune sortie"),
    "issued_last_over_mean": _("sorties du dernier mois rapportées à la moyenne"),
    "received_3_over_consumption": _("quantités reçues sur 3 mois, en mois de consommation"),
    "received_last_over_consumption": _("quantité reçue le dernier mois, en mois de consommation"),
    "months_since_receipt": _("mois depuis la dernière réception"),
    "ordered_last_over_consumption": _("quantité commandée le dernier mois, en mois de consommation"),
    "ordered_3_over_consumption": _("quantités commandées sur 3 mois, en mois de consommation"),
    "stocked_out_now": _("rupture en fin de mois"),
    "stockouts_6": _("mois en rupture sur les 6 derniers"),
    "stockouts_12": _("mois en rupture sur les 12 derniers"),
    "months_since_stockout": _("mois depuis la dernière rupture"),
    "stockout_streak": _("mois de rupture consécutifs jusqu'à ce mois"),
    "reported_6": _("rapports mensuels reçus sur les 6 derniers mois"),
    "history_months": _("mois d'historique connus sur les 12 derniers"),
    "opening_gap": _("écart entre le stock d'ouverture et la clôture du mois précédent"),
    "stock_change": _("évolution du stock depuis le mois précédent"),
    "months_of_stock_previous": _("mois de stock à la fin du mois précédent"),
    "stock_over_peak": _("stock rapporté au plus gros mois de sorties des 6 derniers"),
    "stock_over_last_issue": _("stock rapporté aux sorties du dernier mois"),
    "fill_rate": _("part de la dernière commande reçue"),
    "projected_cover": _("couverture attendue avec la commande en cours"),
    "national_fill_rate": _("part des commandes de ce médicament servies dans le pays"),
    "national_received_share_previous": _(
        "part des établissements ayant reçu ce médicament le mois précédent dans le pays"
    ),
    "stockout_rate_all": _("part des mois en rupture sur les 12 derniers mois"),
    "site_stocked_out_share": _("part des médicaments de l'établissement en rupture"),
    "site_stockouts_6_share": _("part des médicaments de l'établissement en rupture au moins une fois en 6 mois"),
    "site_months_since_receipt": _("mois depuis la dernière livraison reçue par l'établissement"),
    "level": _("niveau de l'établissement"),
    "calendar_month": _("mois de l'année"),
    "national_months_of_stock": _("mois de stock de ce médicament dans le pays"),
    "national_months_of_stock_previous": _("mois de stock de ce médicament dans le pays le mois précédent"),
    "national_months_of_stock_two_months_ago": _("mois de stock de ce médicament dans le pays il y a deux mois"),
    "national_stocked_out_share": _("part des établissements en rupture de ce médicament dans le pays"),
    "national_stocked_out_share_previous": _(
        "part des établissements en rupture de ce médicament dans le pays le mois précédent"
    ),
    "national_stocked_out_share_two_months_ago": _(
        "part des établissements en rupture de ce médicament dans le pays il y a deux mois"
    ),
    "national_stocked_out_change": _("évolution de la part des établissements en rupture dans le pays"),
    "national_received_share": _("part des établissements ayant reçu ce médicament ce mois dans le pays"),
    "province_stocked_out_share": _("part des établissements en rupture de ce médicament dans la province"),
    "province_stocked_out_share_previous": _(
        "part des établissements en rupture de ce médicament dans la province le mois précédent"
    ),
    "province_stocked_out_share_two_months_ago": _(
        "part des établissements en rupture de ce médicament dans la province il y a deux mois"
    ),
    "province_received_share": _("part des établissements ayant reçu ce médicament dans la province"),
    "province_months_of_stock": _("mois de stock de ce médicament dans la province"),
    "industry_cover_months": _("mois de ventes en stock chez l'industrie"),
    "declared_disruption": _("perturbation déclarée par un fournisseur"),
}

MONTHS, SHARE, COUNT, YES_NO, LOG_UNITS = "months", "share", "count", "yes_no", "log_units"
FEATURE_UNITS = {
    "log_stock": LOG_UNITS,
    "log_consumption_3": LOG_UNITS,
    "months_of_stock": MONTHS,
    "stock_over_forecast": MONTHS,
    "received_3_over_consumption": MONTHS,
    "received_last_over_consumption": MONTHS,
    "ordered_last_over_consumption": MONTHS,
    "ordered_3_over_consumption": MONTHS,
    "months_of_stock_previous": MONTHS,
    "projected_cover": MONTHS,
    "national_months_of_stock": MONTHS,
    "national_months_of_stock_previous": MONTHS,
    "national_months_of_stock_two_months_ago": MONTHS,
    "stock_over_peak": MONTHS,
    "stock_over_last_issue": MONTHS,
    "province_months_of_stock": MONTHS,
    "industry_cover_months": MONTHS,
    "months_since_receipt": COUNT,
    "months_since_stockout": COUNT,
    "stockout_streak": COUNT,
    "site_months_since_receipt": COUNT,
    "stockouts_6": COUNT,
    "stockouts_12": COUNT,
    "reported_6": COUNT,
    "history_months": COUNT,
    "zero_issue_share": SHARE,
    "fill_rate": SHARE,
    "national_fill_rate": SHARE,
    "national_received_share_previous": SHARE,
    "stockout_rate_all": SHARE,
    "site_stocked_out_share": SHARE,
    "site_stockouts_6_share": SHARE,
    "national_stocked_out_share": SHARE,
    "national_stocked_out_share_previous": SHARE,
    "national_stocked_out_share_two_months_ago": SHARE,
    "province_stocked_out_share_previous": SHARE,
    "province_stocked_out_share_two_months_ago": SHARE,
    "national_received_share": SHARE,
    "province_stocked_out_share": SHARE,
    "province_received_share": SHARE,
    "stocked_out_now": YES_NO,
    "declared_disruption": YES_NO,
}


def feature_label(name: str) -> str:
    """The French phrase of a feature (its own name when this module does not know it)."""
    return str(FEATURE_LABELS.get(name, name))
