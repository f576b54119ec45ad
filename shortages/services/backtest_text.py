"""A stored backtest report as lines of text, for the ``backtest`` and ``evaluate_history`` commands."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd


def _f(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def report_lines(report: dict, *, horizon: int) -> list[str]:
    """The figures of populations A and C, the reliability of P on A, and the forecast's MASE."""
    months = report.get("months", [])
    lines = [
        f"Horizon {horizon} mois ({', '.join(report.get('levels', []))}) : {len(months)} fins de mois testées "
        f"({months[0] if months else '—'} .. {months[-1] if months else '—'}), modèles réentraînés chaque mois "
        f"sur les seuls mois connus à la date prédite (graine {report.get('seed')}).",
        "",
        f"{'population':<14}{'lignes':>8}{'ruptures':>9}{'taux':>7}{'AUC P':>8}{'AUC form.':>10}{'AUC MSD':>9}"
        f"{'ECE':>7}{'ECE form.':>10}{'Brier':>7}{'BSS':>7}{'BSS form.':>10}",
    ]
    names = {"A": "A (en stock)", "C": "C (toutes)"}
    for key in ("A", "C"):
        figures = report[key]
        lines.append(
            f"{names[key]:<14}{figures['rows']:>8}{figures['stockouts']:>9}{_f(figures['base_rate'], 3):>7}"
            f"{_f(figures['auc']):>8}{_f(figures['auc_formula']):>10}{_f(figures['auc_months_of_stock']):>9}"
            f"{_f(figures['ece']):>7}{_f(figures['ece_formula']):>10}{_f(figures['brier']):>7}"
            f"{_f(figures['brier_skill'], 2):>7}{_f(figures['brier_skill_formula'], 2):>10}"
        )
    lines.append("")
    lines.append("Règle naïve « mois de stock < 1 » et P à la même précision :")
    for key in ("A", "C"):
        figures = report[key]
        ratio = (
            figures["recall_at_rule_precision"] / figures["rule_recall"]
            if figures["rule_recall"] and figures["recall_at_rule_precision"] is not None
            else None
        )
        lines.append(
            f"  {names[key]:<14} règle : précision {_f(figures['rule_precision'])}, rappel {_f(figures['rule_recall'])}"
            f" ; P >= {_f(figures['cut_at_rule_precision'])} : rappel {_f(figures['recall_at_rule_precision'])}"
            f" ({_f(ratio, 2)} fois la règle)"
        )
        lines.append(
            f"  {'':<14} seuil d'alerte P >= {_f(figures['cut'], 2)} : {figures['flagged']} signalées, "
            f"précision {_f(figures['precision_at_cut'])}, rappel {_f(figures['recall_at_cut'])}"
        )
    lines.append("")
    lines.append("Fiabilité de P sur A (P par dixièmes, taux de rupture observé) :")
    for row in report["A"]["reliability"]:
        if row["positions"]:
            lines.append(
                f"  {row['low']:.1f}-{row['high']:.1f} : {row['positions']:>6} positions, P moyen "
                f"{_f(row['mean_probability'])}, observé {_f(row['observed'])}"
            )
    forecast = report.get("forecast")
    if forecast:
        lines.append("")
        lines.append(
            "Prévision de consommation sur 3 mois, MASE moyen (échelle : erreur naïve à un pas de l'historique) :"
        )
        for origin in forecast["origins"]:
            lines.append(
                f"  origine {str(origin['origin'])[:7]} : {origin['series']} séries, prévision "
                f"{_f(origin['mase_forecast'])}, moyenne mobile 3 mois {_f(origin['mase_moving_average'])}"
            )
        lines.append(
            f"  ensemble : {forecast['series']} séries, prévision {_f(forecast['mase_forecast'])}, moyenne mobile "
            f"{_f(forecast['mase_moving_average'])}, rapport {_f(forecast['ratio'])}"
        )
        if forecast.get("mase_hindsight_best") is not None:
            lines.append(
                "  la meilleure des deux par série, choisie une fois les mois connus : "
                f"{_f(forecast['mase_hindsight_best'])}, rapport {_f(forecast['hindsight_ratio'])}"
            )
    kinds = report.get("alert_kinds")
    if kinds:
        lines.append("")
        lines.append("Alertes par type (rejouées) : pour 1 000 positions, précision, rappel")
        for name, figures in kinds.items():
            lines.append(
                f"  {name:<28}{_f(figures['per_thousand'], 1):>8}{_f(figures['precision']):>8}"
                f"{_f(figures['recall']):>8}"
            )
    return lines


def outcome_write(outcome, *, write: Callable[[str], None], predictions_path: str | None = None) -> bool:
    """Print a walk-forward's reports (and the horizons skipped), write its predictions to
    ``predictions_path`` when given; False when no month-end could be tested."""
    from shortages.services.walkforward import predictions_table

    for horizon, reason in outcome.skipped.items():
        write(f"Horizon {horizon} mois : non testé ({reason}).")
    for horizon, stored in outcome.reports.items():
        write("\n".join(report_lines(stored.report, horizon=horizon)))
        write("")
    if predictions_path and outcome.predictions:
        table = pd.concat([predictions_table(frame) for frame in outcome.predictions.values()])
        table.to_csv(predictions_path, index=False, float_format="%.6g")
        write(f"{len(table)} lignes écrites dans {predictions_path}")
    return bool(outcome.reports)
