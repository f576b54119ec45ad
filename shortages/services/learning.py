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
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from bulk import copy_in, copy_out
from shortages.models.learning import (
    BacktestReport,
    ModelStatus,
    PositionPrediction,
    PredictionBatch,
    PredictionModel,
)
from shortages.scoring import learned, month_end
from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.features import FEATURES, HISTORY_MONTHS_READ
from shortages.scoring.stockouts import complete_months
from shortages.services import position_rows
from shortages.services.score_rows import clean
from stock.choices import ImportKind
from stock.models import ConsumptionMonth, Establishment, ImportJob, MonthlyReport, StockLevel

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
    frame = copy_out.queryset_frame(
        rows.values_list(*HISTORY_COLUMNS), HISTORY_COLUMNS, bool_columns=("reported",), date_columns=("month",)
    )
    if frame.empty:
        return frame.assign(level=[], province_id=[], opening=[], ordered=[])
    report_columns = ["establishment_id", "medicine_id", "month", "opening_balance", "ordered"]
    extra = copy_out.queryset_frame(reports.values_list(*report_columns), report_columns, date_columns=("month",))
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
    """The active model of each horizon, without its boosters: every scoring run asks which models
    are active, and fetched the boosters' text with them (3.5 MB nationally: 0.02-0.04 s alone, up
    to 0.3 s beside an incremental run's other reads) where only the version was needed.
    :func:`loaded_model` reads it once per process (a deferred field is fetched on first use)."""
    rows = PredictionModel.objects.filter(status=ModelStatus.ACTIVE).defer("payload")
    return {row.horizon_months: row for row in rows}


PREDICTION_COLUMNS = POSITION_KEYS + ["learned_probability", "forecast_1", "forecast_2", "forecast_3", "model_version"]
#: The 10 % and 90 % quantiles of each month's forecast: stored with the month's predictions for the
#: position page, not read by the scoring runs (their frame, cached for a day's runs, keeps
#: :data:`PREDICTION_COLUMNS`).
FORECAST_BOUND_COLUMNS = [
    f"forecast_{name}_{step}" for step in range(1, learned.FORECAST_MONTHS + 1) for name in ("low", "high")
]
#: What a month's predictions store (:func:`month_predictions_compute`).
MONTH_COLUMNS = PREDICTION_COLUMNS + FORECAST_BOUND_COLUMNS


def last_complete_month(as_of: dt.date) -> pd.Timestamp:
    """The first day of the last month complete on ``as_of`` (the month itself on its last day)."""
    last = pd.Timestamp(as_of).to_period("M")
    if pd.Timestamp(as_of).day != pd.Timestamp(as_of).days_in_month:
        last -= 1
    return last.to_timestamp()


def month_predictions_compute(*, month: pd.Timestamp, model: PredictionModel) -> pd.DataFrame:
    """The predictions of ``model`` for every position of its establishment levels from the state
    at the end of ``month`` (columns of :data:`MONTH_COLUMNS`: those of :data:`PREDICTION_COLUMNS`
    and the forecasts' 10 % and 90 % quantiles): the history of
    ``HISTORY_MONTHS_READ`` months before it read and turned into features one batch of whole
    establishments at a time (:func:`prediction_batches`), the national and provincial features
    then computed once over all of them (:func:`shortages.scoring.month_end.month_predict`)."""
    start = (month.to_period("M") - HISTORY_MONTHS_READ).to_timestamp().date()
    levels = [level for level, months in level_horizons().items() if months == model.horizon_months]
    if not ConsumptionMonth.objects.filter(month=month.date(), establishment__level__in=levels).exists():
        # no report of the month yet (early in the next month): no position is predicted from it,
        # and reading the histories would cost a minute nationally for nothing; the month is
        # computed again when its reports are imported (:func:`month_predictions`)
        return pd.DataFrame(columns=MONTH_COLUMNS)
    parts = []
    for establishment_ids in prediction_batches(levels=levels):
        grid = history_grid(start=start, end=month.date(), establishment_ids=establishment_ids)
        if not grid.empty:
            parts.append(month_end.month_part(grid, month=month))
    if not any(len(part.keys) for part in parts):
        return pd.DataFrame(columns=MONTH_COLUMNS)
    predicted = month_end.month_predict(loaded_model(model), parts)
    result = predicted[POSITION_KEYS].copy()
    result["learned_probability"] = predicted["probability"].to_numpy()
    for step in range(1, learned.FORECAST_MONTHS + 1):
        result[f"forecast_{step}"] = predicted[f"forecast_{step}"].to_numpy()
    result["model_version"] = model.version
    for column in FORECAST_BOUND_COLUMNS:
        result[column] = predicted[column].to_numpy(dtype="float64")
    return result


def prediction_batches(*, levels: list[str]) -> list[list[int]]:
    """The establishments of ``levels`` in id order (the order of a whole history), cut into runs of
    whole establishments holding about ``PREDICTION_BATCH_POSITIONS`` positions (stock levels: a
    position's history is what a batch holds in memory). Counted on the stock levels, not on the
    month's rows: early in a month, before its reports arrive, the month has none, and one batch
    of every establishment took 8.8 GB nationally."""
    sizes = dict(
        StockLevel.objects.filter(establishment__level__in=levels)
        .order_by()
        .values_list("establishment_id")
        .annotate(positions=Count("pk"))
    )
    batches, current, positions = [], [], 0
    for establishment_id in Establishment.objects.filter(level__in=levels).order_by("pk").values_list("pk", flat=True):
        current.append(establishment_id)
        positions += sizes.get(establishment_id, 0)
        if positions >= settings.PREDICTION_BATCH_POSITIONS:
            batches.append(current)
            current, positions = [], 0
    return batches + [current] if current else batches


def month_predictions(
    *, month: pd.Timestamp, model: PredictionModel, keys: pd.DataFrame | None = None, compute: bool = True
) -> pd.DataFrame:
    """The stored predictions of ``model`` from the end of ``month``. With ``compute``, computed and
    stored first when there are none or a monthly report import finished since (once per month and
    model: the first run that needs them pays for it; the model row is locked meanwhile, so a second
    caller waits and reads). Without (``PREDICTIONS_COMPUTED_IN_RUNS`` off: the worker's
    :func:`month_predictions_refresh` computes them), what is stored, stale or not, and nothing when
    nothing is: the formula answers. ``keys``: those of these positions only (an incremental run)."""
    stored = PositionPrediction.objects.filter(month=month.date(), model_version=model.version).order_by()
    if compute:
        with transaction.atomic():
            PredictionModel.objects.select_for_update().filter(pk=model.pk).first()
            if month_predictions_state(month=month, model=model) != FRESH:
                frame = _month_predictions_store(month=month, model=model)[PREDICTION_COLUMNS]
                if keys is not None:
                    frame = frame.merge(keys[POSITION_KEYS], on=POSITION_KEYS, how="inner")
                return frame
    elif month_predictions_state(month=month, model=model) == MISSING:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    columns = ["establishment_id", "medicine_id", "probability", "forecast_1", "forecast_2", "forecast_3"]
    frame = position_rows.keys_frame(stored.values_list(*columns), columns, keys=keys)
    frame = frame.rename(columns={"probability": "learned_probability"}).assign(model_version=model.version)
    return frame[PREDICTION_COLUMNS]


MISSING, STALE, FRESH = "missing", "stale", "fresh"


def month_predictions_state(*, month: pd.Timestamp, model: PredictionModel) -> str:
    """``MISSING`` (never computed), ``STALE`` (a monthly report import finished since) or ``FRESH``:
    the stored predictions of ``model`` from the end of ``month``. Two queries at most."""
    batch = PredictionBatch.objects.filter(month=month.date(), model_version=model.version).first()
    if batch is None:
        return MISSING
    imported = ImportJob.objects.filter(kind=ImportKind.MONTHLY_REPORT, finished_at__gt=batch.computed_at)
    return STALE if imported.exists() else FRESH


def _month_predictions_store(*, month: pd.Timestamp, model: PredictionModel) -> pd.DataFrame:
    """Compute the month's predictions of ``model`` and store them in place of the earlier ones."""
    PositionPrediction.objects.filter(month=month.date(), model_version=model.version).delete()
    frame = month_predictions_compute(month=month, model=model)
    _predictions_store(frame, month=month)
    PredictionBatch.objects.update_or_create(
        month=month.date(),
        model_version=model.version,
        defaults={"computed_at": timezone.now(), "positions": len(frame)},
    )
    return frame


def month_predictions_refresh(*, as_of: dt.date) -> int:
    """Compute the predictions of every active model from the end of the last month complete on
    ``as_of`` where they are missing or stale (:func:`month_predictions_state`), each under its
    model's lock: a second refresh waits, then finds them fresh. Returns how many models predicted
    positions (a month whose reports have not arrived predicts none, and needs no run to publish
    it). The worker's task when scoring runs only read them (``PREDICTIONS_COMPUTED_IN_RUNS``)."""
    month, computed = last_complete_month(as_of), 0
    for model in active_models().values():
        with transaction.atomic():
            PredictionModel.objects.select_for_update().filter(pk=model.pk).first()
            if month_predictions_state(month=month, model=model) != FRESH:
                computed += not _month_predictions_store(month=month, model=model).empty
    return computed


def month_predictions_due(*, as_of: dt.date) -> bool:
    """True when an active model's predictions from the last month complete on ``as_of`` are missing
    or stale: what the worker's refresh would compute."""
    month = last_complete_month(as_of)
    return any(month_predictions_state(month=month, model=model) != FRESH for model in active_models().values())


def _predictions_store(frame: pd.DataFrame, *, month: pd.Timestamp) -> None:
    rows = frame.rename(columns={"learned_probability": "probability"})
    if rows.empty:
        return
    if connection.vendor == "postgresql":
        fields = [
            copy_in.date("month", month.date(), len(rows)),
            copy_in.int4("model_version", rows["model_version"].to_numpy()),
            copy_in.int8("establishment_id", rows["establishment_id"].to_numpy()),
            copy_in.int8("medicine_id", rows["medicine_id"].to_numpy()),
            *(
                copy_in.float8(name, rows[name].to_numpy(dtype="float64"))
                for name in ("probability", "forecast_1", "forecast_2", "forecast_3", *FORECAST_BOUND_COLUMNS)
            ),
        ]
        with connection.cursor() as cursor:
            copy_in.copy_fields(cursor, PositionPrediction._meta.db_table, fields)
        return
    PositionPrediction.objects.bulk_create(
        [
            PositionPrediction(month=month.date(), **{key: clean(value) for key, value in record.items()})
            for record in rows.to_dict("records")
        ],
        batch_size=5000,
    )


def prediction_months(month: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The month ends a run whose last complete month is ``month`` takes predictions from: that
    month's for the positions it predicts, the month before's for the others."""
    return month, month - pd.DateOffset(months=1)


def _latest_month_predictions(
    *, month: pd.Timestamp, model: PredictionModel, keys: pd.DataFrame | None, compute: bool
) -> pd.DataFrame:
    """``model``'s predictions of each position from the end of ``month``, or, for a position that
    month does not predict (its report has not arrived yet), from the end of the month before, as
    stored (:func:`prediction_month_of` finds which month spoke)."""
    month, before = prediction_months(month)
    latest = month_predictions(month=month, model=model, keys=keys, compute=compute)
    earlier = month_predictions(month=before, model=model, keys=keys, compute=False)
    if earlier.empty:
        return latest
    known = pd.MultiIndex.from_frame(latest[POSITION_KEYS].astype("int64"))
    missing = ~pd.MultiIndex.from_frame(earlier[POSITION_KEYS].astype("int64")).isin(known)
    if not missing.any():
        return latest
    return pd.concat([latest, earlier.loc[missing]], ignore_index=True) if len(latest) else earlier


@dataclass(frozen=True)
class SpokenPrediction:
    """The stored prediction that spoke for a position (:func:`prediction_spoken`): the month from
    whose end it was predicted, and per month ahead (1..3) the forecast's median with its 10 % and
    90 % quantiles, each None where not stored."""

    month: pd.Timestamp
    forecasts: dict[int, tuple[float | None, float | None, float | None]]


def prediction_spoken(
    *, as_of: dt.date, model_version: int, establishment_id: int, medicine_id: int
) -> SpokenPrediction | None:
    """The stored prediction a scoring run of ``as_of`` gave the position with ``model_version``
    (the rule of :func:`run_predictions`): the last month complete on ``as_of`` when it predicts
    the position, else the month before's; None when neither does. One query."""
    steps = range(1, learned.FORECAST_MONTHS + 1)
    columns = [name for step in steps for name in (f"forecast_{step}", f"forecast_low_{step}", f"forecast_high_{step}")]
    found = (
        PositionPrediction.objects.filter(
            model_version=model_version,
            establishment_id=establishment_id,
            medicine_id=medicine_id,
            month__in=[month.date() for month in prediction_months(last_complete_month(as_of))],
        )
        .order_by("-month")
        .values_list("month", *columns)
        .first()
    )
    if found is None:
        return None
    month, *values = found
    return SpokenPrediction(
        month=pd.Timestamp(month),
        forecasts={step: tuple(values[3 * (step - 1) : 3 * step]) for step in steps},
    )


def prediction_month_of(
    *, as_of: dt.date, model_version: int, establishment_id: int, medicine_id: int
) -> pd.Timestamp | None:
    """The month end whose prediction a scoring run of ``as_of`` gave the position with
    ``model_version`` (:func:`prediction_spoken`); None when no stored month predicts it. One query."""
    spoken = prediction_spoken(
        as_of=as_of, model_version=model_version, establishment_id=establishment_id, medicine_id=medicine_id
    )
    return None if spoken is None else spoken.month


def run_predictions(*, run, keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """The learned figures of every position for a scoring run: the active models' predictions from
    the end of the last month complete on the run's day (:func:`month_predictions`), kept in the cache
    for the run's chunk tasks (a miss reads them again) until a monthly report import finishes or the
    month is computed again. ``keys``: those of these positions only, read from the database (an
    incremental run's few thousand).

    A position that month does not predict yet (from a month's last day until its report is
    imported) keeps the prediction from the month before, where there is one: without it, every
    position fell back to the analytical formula for those days at once, whose P is not calibrated,
    and a national run on a month's last day opened 77,000 high-probability alerts that the reports'
    arrival closed again (docs/scoring.md)."""
    models = active_models()
    if not models:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    month, compute = last_complete_month(run.as_of), settings.PREDICTIONS_COMPUTED_IN_RUNS
    if keys is not None:
        frames = [
            _latest_month_predictions(month=month, model=row, keys=keys, compute=compute) for row in models.values()
        ]
        return pd.concat(frames, ignore_index=True)
    # models are told apart by when they were made too: ids come back in a new database; a monthly
    # report imported since the frame was kept makes the month stale, and a month computed since
    # (the worker's refresh) replaces it
    stamps = [f"{row.version}@{row.created_at.timestamp()}" for row in models.values()]
    imported = ImportJob.objects.filter(kind=ImportKind.MONTHLY_REPORT).aggregate(last=Max("finished_at"))["last"]
    months = [each.date() for each in prediction_months(month)]
    computed = PredictionBatch.objects.filter(month__in=months).aggregate(last=Max("computed_at"))["last"]
    key = f"shortages:predictions:{month.date()}:" + "-".join(stamps)
    key += f":{imported and imported.timestamp()}:{computed and computed.timestamp()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    frames = [_latest_month_predictions(month=month, model=row, keys=None, compute=compute) for row in models.values()]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PREDICTION_COLUMNS)
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
