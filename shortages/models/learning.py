"""Trained prediction models and the stored results of their walk-forward backtests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Entraîné, non actif")
    ACTIVE = "active", _("Actif")
    RETIRED = "retired", _("Retiré")


class PredictionModel(models.Model):
    """One trained stockout-probability model (with its demand forecasters): what it learned from,
    with which libraries, how well it did out of time, and whether scoring uses it.

    ``payload`` holds the boosters in LightGBM's own text format and the calibration map; at most
    one model is active per horizon."""

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    horizon_months = models.PositiveSmallIntegerField()
    first_month = models.DateField(help_text=_("Premier mois dont le résultat a servi à l'apprentissage."))
    trained_until = models.DateField(help_text=_("Dernier mois connu à l'entraînement (fin de mois)."))
    features = models.JSONField(default=list)
    library_versions = models.JSONField(default=dict)
    seed = models.IntegerField(default=0)
    training_rows = models.PositiveIntegerField(default=0)
    calibration_rows = models.PositiveIntegerField(default=0)
    sample_share = models.FloatField(default=1.0, help_text=_("Part des positions tirées pour l'entraînement."))
    base_rate = models.FloatField(null=True, blank=True)
    calibration = models.JSONField(default=list)
    quality = models.JSONField(default=dict, blank=True)
    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["horizon_months"], condition=Q(status="active"), name="predictionmodel_one_active_per_horizon"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"


class BacktestReport(models.Model):
    """The stored result of a walk-forward backtest: figures of populations A and C, the
    reliability table, the forecast's MASE and the alert kinds' usefulness (``report``)."""

    model = models.ForeignKey(PredictionModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    horizon_months = models.PositiveSmallIntegerField()
    first_month = models.DateField()
    last_month = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.first_month:%Y-%m}..{self.last_month:%Y-%m} ({self.rows})"


class PositionPrediction(models.Model):
    """What a learned model predicted for a position from the state of a month's end: the
    calibrated probability of a stockout within the model's horizon and the forecast consumption of
    the next three months, each a median (``forecast_<h>``) with its 80 % interval (the 10 % and
    90 % quantiles ``forecast_low_<h>`` and ``forecast_high_<h>``, null in the rows stored before
    they were kept). Computed once per month and model for every position with the features of
    that month end (the states the model was trained on), then read by every scoring run of the
    following month, which takes the medians only (docs/scoring.md, docs/performance.md); the
    position page reads the interval of its position. Positions and medicines are plain integers:
    0.7 million rows a month, written by one ``COPY``, kept three months."""

    month = models.DateField(help_text=_("Premier jour du mois dont la fin a servi aux variables."))
    model_version = models.PositiveIntegerField()
    establishment_id = models.BigIntegerField()
    medicine_id = models.BigIntegerField()
    probability = models.FloatField()
    forecast_1 = models.FloatField(null=True, blank=True)
    forecast_2 = models.FloatField(null=True, blank=True)
    forecast_3 = models.FloatField(null=True, blank=True)
    forecast_low_1 = models.FloatField(null=True, blank=True)
    forecast_high_1 = models.FloatField(null=True, blank=True)
    forecast_low_2 = models.FloatField(null=True, blank=True)
    forecast_high_2 = models.FloatField(null=True, blank=True)
    forecast_low_3 = models.FloatField(null=True, blank=True)
    forecast_high_3 = models.FloatField(null=True, blank=True)

    class Meta:
        # a month's predictions, and one position's of a month (an incremental run's lookups)
        indexes = [
            models.Index(
                fields=["month", "model_version", "establishment_id", "medicine_id"], name="prediction_month_position"
            )
        ]


class PredictionBatch(models.Model):
    """When a model's predictions from a month's end were computed, and for how many positions: a
    monthly report imported since makes them stale (the next scoring run computes them again)."""

    month = models.DateField()
    model_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    positions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "model_version"], name="predictionbatch_unique_month_model")
        ]
