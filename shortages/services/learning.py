"""The learned prediction's lifecycle: read the platform's history, train, store, activate, roll back,
and predict the positions of a scoring day.

Training reads every monthly summary (``ConsumptionMonth``) with the report's opening and ordered
quantities, trains :func:`shortages.scoring.learned.model_train` for each horizon the
establishments' levels use, and stores the model with its training window, features, library
versions and out-of-time quality. Scoring uses the active model of the position's horizon; where
there is none, or a position has too little history, the analytical formula answers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import platform
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from shortages.models.learning import BacktestReport, ModelStatus, PredictionModel
from shortages.scoring import learned
from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.features import FEATURES, HISTORY_MONTHS_READ
from shortages.scoring.stockouts import complete_months
from stock.models import ConsumptionMonth, Establishment, MonthlyReport, StockLevel

logger = logging.getLogger(__name__)

HISTORY_COLUMNS = ["establishment_id", "medicine_id", "month", "issued", "received", "stockout_days"]
HISTORY_COLUMNS += ["closing_balance", "reported"]
LIBRARIES = ("lightgbm", "numpy", "pandas", "scipy")


def level_horizons() -> dict[str, int]:
    """Whole months of the resupply horizon (lead time + review period) of each establishment level."""
    return {
        level: int(math.ceil(values["lead_time"] + values["review"])) for level, values in settings.STOCK_LEVELS.items()
    }


def history_grid(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    establishment_ids: list[int] | None = None,
    where: Q | None = None,
) -> pd.DataFrame:
    """Monthly summaries on a complete grid per position, with ``opening`` and ``ordered`` from the
    monthly reports, and each establishment's ``level`` and ``province_id``. Three queries.
    ``where``: a filter of both the summaries and the reports (their common fields)."""
    rows = ConsumptionMonth.objects.order_by()
    reports = MonthlyReport.objects.order_by()
    if where is not None:
        rows, reports = rows.filter(where), reports.filter(where)
    if start:
        rows, reports = rows.filter(month__gte=start), reports.filter(month__gte=start)
    if end:
        rows, reports = rows.filter(month__lte=end), reports.filter(month__lte=end)
    if establishment_ids is not None:
        rows = rows.filter(establishment_id__in=establishment_ids)
        reports = reports.filter(establishment_id__in=establishment_ids)
    frame = pd.DataFrame.from_records(
        rows.values_list(*HISTORY_COLUMNS).iterator(chunk_size=20000), columns=HISTORY_COLUMNS
    )
    if frame.empty:
        return frame.assign(level=[], province_id=[], opening=[], ordered=[])
    report_columns = ["establishment_id", "medicine_id", "month", "opening_balance", "ordered"]
    extra = pd.DataFrame.from_records(
        reports.values_list(*report_columns).iterator(chunk_size=20000), columns=report_columns
    )
    for table in (frame, extra):
        table["month"] = pd.to_datetime(table["month"])
    frame = frame.merge(extra, on=["establishment_id", "medicine_id", "month"], how="left")
    frame = frame.rename(columns={"opening_balance": "opening"})
    for column in ("issued", "received", "stockout_days", "closing_balance", "opening", "ordered"):
        frame[column] = frame[column].astype("float64")
    grid = complete_months(frame)
    places = pd.DataFrame.from_records(
        Establishment.objects.filter(pk__in=grid["establishment_id"].unique()).values_list(
            "id", "level", "province_id"
        ),
        columns=["establishment_id", "level", "province_id"],
    )
    return grid.merge(places, on="establishment_id", how="left")


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are pinned dependencies
            versions[name] = "?"
    return versions


def sample_positions(grid: pd.DataFrame, *, max_positions: int, seed: int) -> tuple[pd.DataFrame, float]:
    """At most ``max_positions`` positions drawn at random (whole histories, so that lags stay
    whole) and the share drawn. The national and provincial signals are then shares and ratios over
    the drawn positions: estimates of the same figures, not the figures of the whole country."""
    keys = grid[POSITION_KEYS].drop_duplicates()
    if not max_positions or len(keys) <= max_positions:
        return grid, 1.0
    chosen = keys.sample(n=max_positions, random_state=seed)
    kept = grid.merge(chosen, on=POSITION_KEYS, how="inner").sort_values(POSITION_KEYS + ["month"], kind="stable")
    return kept, max_positions / len(keys)


@dataclass
class Trained:
    """The models a training stored, and the horizons it could not train (with the reason)."""

    models: list[PredictionModel]
    skipped: dict[int, str]


def prediction_models_train(
    *, until: dt.date | None = None, seed: int | None = None, activate: bool = True, max_positions: int | None = None
) -> Trained:
    """Train one model per horizon of the establishments' levels on the history up to the month
    ``until`` (default: the last complete month), store them, and activate them when ``activate``.
    ``max_positions``: positions drawn (default ``PREDICTION_MAX_TRAINING_POSITIONS``)."""
    seed = settings.PREDICTION_SEED if seed is None else seed
    today = timezone.localdate()
    until = until or (today.replace(day=1) - dt.timedelta(days=1))
    last_month = pd.Timestamp(until).to_period("M").to_timestamp()
    grid = history_grid(end=last_month.date())
    stored, skipped = [], {}
    horizons = level_horizons()
    for horizon in sorted(set(horizons.values())):
        levels = [level for level, months in horizons.items() if months == horizon]
        part = grid.loc[grid["level"].isin(levels)] if not grid.empty else grid
        if part.empty:
            skipped[horizon] = "aucun historique pour ces niveaux"
            continue
        limit = max_positions or settings.PREDICTION_MAX_TRAINING_POSITIONS
        part, sampled_share = sample_positions(part, max_positions=limit, seed=seed)
        panel = learned.build_panel(part.reset_index(drop=True), horizon=horizon)
        try:
            model = learned.model_train(panel, until=last_month, seed=seed)
        except learned.NotEnoughHistory as reason:
            skipped[horizon] = str(reason)
            continue
        stored.append(_store(model, sample_share=sampled_share, activate=activate))
    return Trained(models=stored, skipped=skipped)


@transaction.atomic
def _store(model: learned.LearnedModel, *, sample_share: float, activate: bool) -> PredictionModel:
    version = (PredictionModel.objects.select_for_update().aggregate(top=Max("version"))["top"] or 0) + 1
    row = PredictionModel.objects.create(
        version=version,
        horizon_months=model.horizon,
        first_month=model.first_month.date(),
        trained_until=(model.until + pd.offsets.MonthEnd(0)).date(),
        features=list(FEATURES),
        library_versions=_versions(),
        seed=model.seed,
        training_rows=model.training_rows,
        calibration_rows=model.calibration_rows,
        sample_share=sample_share,
        base_rate=model.base_rate,
        calibration=list(model.calibration),
        payload=json.dumps(model.to_payload()),
    )
    if activate:
        _activate(row, user=None)
    return row


def _activate(row: PredictionModel, *, user) -> None:
    PredictionModel.objects.filter(horizon_months=row.horizon_months, status=ModelStatus.ACTIVE).exclude(
        pk=row.pk
    ).update(status=ModelStatus.RETIRED)
    row.status = ModelStatus.ACTIVE
    row.activated_at = timezone.now()
    row.activated_by = user
    row.save(update_fields=["status", "activated_at", "activated_by"])


@transaction.atomic
def prediction_model_activate(*, model_id: int, user=None) -> PredictionModel:
    """Make ``model_id`` the active model of its horizon (the one active before is retired)."""
    row = PredictionModel.objects.select_for_update().get(pk=model_id)
    _activate(row, user=user)
    return row


@transaction.atomic
def prediction_model_rollback(*, horizon_months: int, user=None) -> PredictionModel:
    """Re-activate the model that was active before the current one of ``horizon_months``.
    Raises ``PredictionModel.DoesNotExist`` when there is no earlier model."""
    current = PredictionModel.objects.select_for_update().get(horizon_months=horizon_months, status=ModelStatus.ACTIVE)
    previous = (
        PredictionModel.objects.filter(horizon_months=horizon_months, version__lt=current.version)
        .exclude(activated_at=None)
        .order_by("-version")
        .first()
    )
    if previous is None:
        raise PredictionModel.DoesNotExist("no earlier model was ever active for this horizon")
    _activate(previous, user=user)
    return previous


_LOADED: dict[tuple[int, str], learned.LearnedModel] = {}


def loaded_model(row: PredictionModel) -> learned.LearnedModel:
    """The boosters of a stored model, parsed once per process (versions never change)."""
    key = (row.version, row.created_at.isoformat())
    if key not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = learned.LearnedModel.from_payload(row.payload)
    return _LOADED[key]


def active_models() -> dict[int, PredictionModel]:
    """The active model of each horizon."""
    return {row.horizon_months: row for row in PredictionModel.objects.filter(status=ModelStatus.ACTIVE)}


def with_current_stock(grid: pd.DataFrame, positions: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """The grid with today's ``stock`` of ``positions`` as the closing (reported) of ``month``, the
    last complete month: the features of a scoring day."""
    stock = positions[POSITION_KEYS + ["stock"]].assign(month=month)
    grid = grid.merge(stock, on=POSITION_KEYS + ["month"], how="left")
    current = grid["stock"].notna()
    grid.loc[current, "closing_balance"] = grid.loc[current, "stock"].astype("float64")
    grid.loc[current, "reported"] = True
    return grid.drop(columns=["stock"])


def position_predictions(
    *, as_of: dt.date, positions: pd.DataFrame, models: dict[int, PredictionModel] | None = None
) -> pd.DataFrame:
    """Learned figures of ``positions`` (``establishment_id``, ``medicine_id``, ``level``, ``stock``)
    on ``as_of``: ``learned_probability``, ``forecast_1..3`` with their 10-90 % bounds and
    ``model_version``, for positions whose features are known; empty without an active model.

    Features are those of the last complete month, with its closing replaced by today's stock."""
    models = active_models() if models is None else models
    columns = POSITION_KEYS + ["learned_probability", "model_version"]
    if not models or positions.empty:
        return pd.DataFrame(columns=columns)
    last = pd.Timestamp(as_of).to_period("M")
    if pd.Timestamp(as_of).day != pd.Timestamp(as_of).days_in_month:
        last -= 1
    start = (last - HISTORY_MONTHS_READ).to_timestamp().date()
    grid = history_grid(start=start, end=last.to_timestamp().date())
    if grid.empty:
        return pd.DataFrame(columns=columns)
    month = last.to_timestamp()
    grid = with_current_stock(grid, positions, month)
    horizons = level_horizons()
    frames = []
    for horizon, row in models.items():
        levels = [level for level, months in horizons.items() if months == horizon]
        part = grid.loc[grid["level"].isin(levels)].reset_index(drop=True)
        if part.empty:
            continue
        panel = learned.build_panel(part, horizon=horizon)
        at = (panel.months == month).to_numpy() & learned.scored_rows(panel)
        if not at.any():
            continue
        predicted = learned.model_predict(loaded_model(row), panel.features.loc[at])
        result = panel.grid.loc[at, POSITION_KEYS].copy()
        result["learned_probability"] = predicted["probability"].to_numpy()
        for step in range(1, learned.FORECAST_MONTHS + 1):
            result[f"forecast_{step}"] = predicted[f"forecast_{step}"].to_numpy()
        result["model_version"] = row.version
        frames.append(result)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def run_predictions(*, run) -> pd.DataFrame:
    """The learned figures of every position for a scoring run, computed once per run and kept in
    the cache for its chunk tasks (a miss recomputes them: the same inputs give the same figures)."""
    models = active_models()
    if not models:
        return pd.DataFrame(columns=POSITION_KEYS + ["learned_probability", "model_version"])
    # a run and models are told apart by when they were made too: ids come back in a new database
    stamps = [f"{row.version}@{row.created_at.timestamp()}" for row in models.values()]
    key = f"shortages:predictions:{run.pk}@{run.created_at.timestamp()}:" + "-".join(stamps)
    cached = cache.get(key)
    if cached is not None:
        return cached
    positions = pd.DataFrame.from_records(
        StockLevel.objects.order_by().values_list("establishment_id", "medicine_id", "quantity"),
        columns=POSITION_KEYS + ["stock"],
    )
    frame = position_predictions(as_of=run.as_of, positions=positions, models=models)
    cache.set(key, frame, timeout=24 * 3600)
    return frame


def backtest_store(*, model: PredictionModel | None, horizon: int, months: list, rows: int, report: dict):
    """Keep a backtest's figures (JSON-safe) for the analysts' page."""
    return BacktestReport.objects.create(
        model=model,
        horizon_months=horizon,
        first_month=pd.Timestamp(months[0]).date(),
        last_month=pd.Timestamp(months[-1]).date(),
        rows=rows,
        report=_json_safe(report),
    )


def _json_safe(value):
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
