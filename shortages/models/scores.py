"""Scoring runs and the risk scores they produce."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shortages.choices import RiskLevel, RunScope, RunStatus, StockStatus
from stock import roles, scopes


class ScoringRun(models.Model):
    """One scoring run: what it covered, how far it got, how long it took and how it ended."""

    as_of = models.DateField()
    scope = models.CharField(max_length=12, choices=RunScope.choices, default=RunScope.FULL)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    trigger = models.CharField(max_length=40, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    positions = models.PositiveIntegerField(default=0)
    medicines = models.PositiveIntegerField(default=0)
    alerts_opened = models.PositiveIntegerField(default=0)
    alerts_closed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class ScoringRunQuerySet(models.QuerySet):
        def visible_to(self, user):
            if user is None or not user.is_authenticated:
                return self.none()
            return self

    objects = ScoringRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(chunks_done__lte=models.F("chunks_total")), name="run_chunks_bounded"),
        ]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class RiskScoreQuerySet(models.QuerySet):
    def visible_to(self, user) -> RiskScoreQuerySet:
        """National scores for every role; position scores of the establishments whose stock
        ``user`` reads (:mod:`stock.scopes`: all for national analysts, their regions' or provinces'
        for regional analysts, their own for establishment users, none for industry users)."""
        if not (roles.is_analyst(user) or roles.is_establishment(user) or roles.is_industry(user)):
            return self.none()
        scope = scopes.establishment_scope(user, "establishment__")
        if scope is None:
            return self
        if scope is scopes.NOTHING:
            return self.filter(establishment__isnull=True)
        return self.filter(Q(establishment__isnull=True) | scope)

    def national(self) -> RiskScoreQuerySet:
        return self.filter(establishment__isnull=True)

    def positions(self) -> RiskScoreQuerySet:
        return self.filter(establishment__isnull=False)


class RiskScore(models.Model):
    """The figures of one position (``establishment`` set) or of one medicine nationally
    (``establishment`` empty) as of a date. Quantities are in dispensing units, durations in months
    unless named in days; ``contributions`` holds each factor's share of ``score``."""

    # ``run`` (where the row comes from) and ``region`` (the establishment's, copied for regional
    # filters) are checked by the ORM only: a database foreign key costs a trigger per row, and a
    # full run writes 0.7 million rows (docs/performance.md). Readers join the run's status, so a
    # row whose run is gone reads like a row whose run was set to NULL. Medicine and establishment,
    # the row's identity, keep their database foreign keys.
    run = models.ForeignKey(
        ScoringRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="scores", db_constraint=False
    )
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.CASCADE, related_name="risk_scores")
    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, null=True, blank=True, related_name="risk_scores"
    )
    # No index of its own: a region's positions are read within a day, which (as_of, establishment)
    # narrows first; a region is a twelfth of every day's rows, too many for an index to help.
    region = models.ForeignKey(
        "stock.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    as_of = models.DateField()
    stock = models.FloatField(default=0)
    usable_stock = models.FloatField(default=0)
    amc = models.FloatField(null=True, blank=True, help_text="Consommation mensuelle moyenne ajustée.")
    sigma = models.FloatField(null=True, blank=True)
    months_of_stock = models.FloatField(null=True, blank=True)
    days_of_cover = models.FloatField(null=True, blank=True)
    pipeline = models.FloatField(default=0)
    horizon_months = models.FloatField(null=True, blank=True)
    stockout_probability = models.FloatField(null=True, blank=True)
    stock_status = models.CharField(max_length=20, choices=StockStatus.choices)
    score = models.FloatField(null=True, blank=True)
    level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.UNKNOWN)
    insufficient_data = models.BooleanField(default=False)
    figures = models.JSONField(default=dict, blank=True)
    contributions = models.JSONField(default=dict, blank=True)

    objects = RiskScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["medicine", "establishment", "as_of"],
                condition=Q(establishment__isnull=False),
                name="riskscore_unique_position_day",
            ),
            models.UniqueConstraint(
                fields=["medicine", "as_of"],
                condition=Q(establishment__isnull=True),
                name="riskscore_unique_national_day",
            ),
            models.CheckConstraint(
                condition=Q(stockout_probability__isnull=True)
                | (Q(stockout_probability__gte=0) & Q(stockout_probability__lte=1)),
                name="riskscore_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="riskscore_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["as_of", "establishment"]),
            models.Index(fields=["as_of", "level"]),
        ]
