"""Scoring runs and the risk scores they produce."""

from __future__ import annotations

import datetime as dt

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
    # What the run's alert conditions were evaluated with (the alert parameters and the medicines'
    # VEN classes, :func:`shortages.services.scores.conditions_key`), when every active alert agrees
    # with it; empty when that is unknown or mixed. ``alerts_all``: the run evaluated the alerts of
    # every position (a full synchronisation), not only those of the positions it changed.
    conditions_key = models.CharField(max_length=64, blank=True)
    alerts_all = models.BooleanField(default=False)
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


class ScoringChunk(models.Model):
    """A chunk of a run that is stored (named by its first establishment): a chunk delivered twice
    finds it and does nothing, even when the chunk had no changed position to write."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="+")
    first_establishment_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "first_establishment_id"], name="scoringchunk_unique_chunk")
        ]


class PositionSums(models.Model):
    """The positions that hold on a day summed per medicine, region and horizon
    (:mod:`shortages.scoring.sums`), as the day's latest publication left them: an incremental run
    adjusts them by the difference of the positions it re-scored instead of reading the day's
    positions back. Float figures are integers of 1/10,000 of a unit. One set per day, replaced by
    each publication of the day and purged with the position history."""

    as_of = models.DateField()
    # Run and medicine cascade through the ORM only, without their own indexes: every publication
    # rewrites the day's 12,000 rows, and a database foreign key checks each of them at the commit
    # (0.10-0.12 s of an incremental run nationally, docs/performance.md, sixteenth round). The rows
    # are only ever looked up by day; deleting a run or a medicine, which is rare, scans them.
    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    medicine = models.ForeignKey(
        "stock.Medicine", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    region_id = models.BigIntegerField(null=True)
    horizon_months = models.FloatField(null=True)
    positions = models.IntegerField()
    counted = models.IntegerField()
    stocked_out = models.IntegerField()
    below_emergency = models.IntegerField()
    rollup = models.IntegerField()
    amc_known = models.IntegerField()
    # positions whose P the learned model gave (``model_version`` set; the analytical formula gave
    # the others')
    learned = models.IntegerField()
    usable_stock = models.BigIntegerField()
    amc = models.BigIntegerField()
    in_transit = models.BigIntegerField()
    weighted_probability = models.BigIntegerField()
    probability_weight = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["as_of"], name="positionsums_day")]


def held_on(day, prefix: str = "") -> Q:
    """Rows that hold on ``day``: a national row is valid on its own day only; a position row from
    its day until the day a later run changed the position's figures (``valid_until``, exclusive;
    None while it still holds). ``prefix``: the path to the scores (``"risk_scores__"``). No day
    (nothing scored yet): no row."""
    if day is None:
        return Q(**{f"{prefix}pk__in": []})
    return Q(**{f"{prefix}as_of__lte": day}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gt": day})
    )


def published_on(day, prefix: str = "") -> Q:
    """:func:`held_on` ``day``, among the rows of succeeded runs (a run being scored or that failed
    is never read)."""
    return held_on(day, prefix) & Q(**{f"{prefix}run__status": RunStatus.SUCCEEDED})


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

    def on_day(self, day) -> RiskScoreQuerySet:
        """The rows that hold on ``day`` (:func:`held_on`), whatever their run."""
        return self.filter(held_on(day))

    def published_on(self, day) -> RiskScoreQuerySet:
        """The rows of succeeded runs that hold on ``day``: what every reader shows for that day."""
        return self.filter(published_on(day))

    def positions(self) -> RiskScoreQuerySet:
        return self.filter(establishment__isnull=False)


# The position factors and the typed columns that keep their points (a position row has no JSON).
POSITION_POINTS = {
    "stockout_probability": "points_probability",
    "cover": "points_cover",
    "criticality": "points_criticality",
}
# Position figures kept in typed columns, in the order ``figures`` lists them.
POSITION_FIGURES = (
    "months_used",
    "model_version",
    "formula_probability",
    "forecast_1",
    "forecast_2",
    "forecast_3",
    "sigma_rule",
    "in_transit",
    "expired_stock",
    "expiring_unused",
    "expiry_at_risk",
    "lead_time_months",
    "review_period_months",
)


class RiskScore(models.Model):
    """The figures of one position (``establishment`` set) or of one medicine nationally
    (``establishment`` empty). Quantities are in dispensing units, durations in months unless named
    in days; ``contributions`` holds each factor's share of ``score``.

    A national row holds for its day (``as_of``; ``valid_until`` the next day). A position row is
    written only when the position's figures change: it holds from ``as_of`` until ``valid_until``
    (exclusive), None while no later run changed them (:meth:`RiskScoreQuerySet.on_day`). Its
    figures live in typed columns (no JSON: 0.7 million rows a day, docs/performance.md);
    ``figures`` and ``contributions`` are rebuilt from them when the row is loaded, with the same
    keys as a national row's JSON."""

    # ``run`` (where the row comes from) and ``region`` (the establishment's, copied for regional
    # filters) are checked by the ORM only: a database foreign key costs a trigger per row, and a
    # full run writes 0.7 million rows (docs/performance.md). Readers join the run's status, so a
    # row whose run is gone reads like a row whose run was set to NULL. Medicine and establishment,
    # the row's identity, keep their database foreign keys.
    run = models.ForeignKey(
        ScoringRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="scores", db_constraint=False
    )
    # Medicine and establishment cascade through the ORM (a medicine or an establishment is rarely
    # deleted); a database foreign key would check every one of the rows a run writes. Their lookups
    # go through the two indexes of ``Meta``.
    medicine = models.ForeignKey(
        "stock.Medicine", on_delete=models.CASCADE, related_name="risk_scores", db_constraint=False, db_index=False
    )
    establishment = models.ForeignKey(
        "stock.Establishment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_scores",
        db_constraint=False,
        db_index=False,
    )
    # No index of its own: a region is a twelfth of the rows that hold on a day, too many for an
    # index to help.
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
    valid_until = models.DateField(null=True, blank=True)
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
    # National rows only (a position's are rebuilt from the columns below when loaded).
    figures = models.JSONField(null=True, blank=True)
    contributions = models.JSONField(null=True, blank=True)
    # Position rows only: the figures and points of the score, typed.
    months_used = models.SmallIntegerField(null=True, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True, help_text="Modèle appris qui a donné P.")
    formula_probability = models.FloatField(null=True, blank=True)
    forecast_1 = models.FloatField(null=True, blank=True)
    forecast_2 = models.FloatField(null=True, blank=True)
    forecast_3 = models.FloatField(null=True, blank=True)
    sigma_rule = models.CharField(max_length=20, blank=True)
    in_transit = models.FloatField(null=True, blank=True)
    expired_stock = models.FloatField(null=True, blank=True)
    expiring_unused = models.FloatField(null=True, blank=True)
    expiry_at_risk = models.FloatField(null=True, blank=True)
    lead_time_months = models.FloatField(null=True, blank=True)
    review_period_months = models.FloatField(null=True, blank=True)
    factor_cover = models.FloatField(null=True, blank=True)
    factor_criticality = models.FloatField(null=True, blank=True)
    points_probability = models.FloatField(null=True, blank=True)
    points_cover = models.FloatField(null=True, blank=True)
    points_criticality = models.FloatField(null=True, blank=True)
    # A hash of the position's stored figures: a run writes the positions whose hash changed.
    fingerprint = models.BigIntegerField(null=True, blank=True)

    objects = RiskScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-score"]
        constraints = [
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
        # Only what the product's queries use (each index costs every row a run writes): an
        # establishment's positions (and one position's rows over time), a medicine's rows (its
        # positions, its national history); ``run`` for the publication of a run's rows. The position
        # index carries what a run reads of the rows that hold (their end, run and fingerprint):
        # the fingerprint reads are index-only scans (PostgreSQL; other databases ignore INCLUDE).
        # With closed rows between the ones that hold, the heap reads cost 4 s nationally, 0.9 s
        # from the index alone.
        indexes = [
            models.Index(
                fields=["establishment", "medicine", "as_of"],
                include=["valid_until", "run", "fingerprint"],
                name="riskscore_position_day",
            ),
            models.Index(fields=["medicine", "as_of"], name="riskscore_medicine_day"),
        ]

    def save(self, *args, **kwargs):
        if self.establishment_id is None and self.valid_until is None and self.as_of is not None:
            self.valid_until = self.as_of + dt.timedelta(days=1)  # a national row holds for its day
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if instance.establishment_id is not None and instance.figures is None and "fingerprint" in field_names:
            instance.figures, instance.contributions = instance.position_figures()
        return instance

    def position_figures(self) -> tuple[dict, dict]:
        """A position row's ``figures`` and ``contributions`` as a national row keeps them in JSON:
        the typed figures, ``factors`` (each factor's value) and each factor's points."""
        figures = {name: getattr(self, name) for name in POSITION_FIGURES}
        figures["factors"] = {
            "stockout_probability": self.stockout_probability,
            "cover": self.factor_cover,
            "criticality": self.factor_criticality,
        }
        return figures, {name: getattr(self, column) for name, column in POSITION_POINTS.items()}
