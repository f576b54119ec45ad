"""Inventory: the append-only movement ledger, stock levels and lots, monthly summaries and reports."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stock import scopes
from stock.choices import (
    ImportKind,
    ImportStatus,
    LossReason,
    MovementKind,
    MovementSource,
    TransferStatus,
)


def page_indexes(prefix: str) -> list[models.Index]:
    """(establishment, id) and (medicine, id): the lists page these rows newest id first within one
    establishment or one medicine (an establishment's own user, ``?establishment=``,
    ``?medicine=``), and these indexes hand a page over in that order. With only the foreign keys'
    own indexes PostgreSQL could walk the whole table backwards by id, filtering as it went, when it
    guessed wrong how many rows an establishment holds: 2-3 s for an establishment without
    movements among 12.8 million (docs/performance.md). They also serve the foreign keys, whose
    single-column indexes they replace (``db_index=False``)."""
    return [
        models.Index(fields=["establishment", "id"], name=f"{prefix}_establishment_page"),
        models.Index(fields=["medicine", "id"], name=f"{prefix}_medicine_page"),
    ]


class EstablishmentScopedQuerySet(models.QuerySet):
    """Rows that belong to one establishment: national analysts see all, regional analysts those of
    their regions and provinces, establishment users their own, everybody else (industry users
    included) nothing (:mod:`stock.scopes`)."""

    establishment_field = "establishment"

    def visible_to(self, user) -> EstablishmentScopedQuerySet:
        return scopes.within(self, user, f"{self.establishment_field}__")

    def for_establishment(self, establishment) -> EstablishmentScopedQuerySet:
        return self.filter(**{self.establishment_field: establishment})


class StockLevelQuerySet(EstablishmentScopedQuerySet):
    def with_usable(self, today: dt.date | None = None) -> StockLevelQuerySet:
        """Annotate ``expired_quantity`` (units in lots whose expiry date is on or before ``today``,
        default today: expired stock, to withdraw; the scoring's rule) and ``usable_quantity``
        (``quantity`` minus that, never below 0). One subquery per row, on the lots' index."""
        today = today or timezone.localdate()
        expired = (
            StockLot.objects.filter(
                establishment_id=OuterRef("establishment_id"),
                medicine_id=OuterRef("medicine_id"),
                expiry_date__lte=today,
                quantity__gt=0,
            )
            .order_by()
            .values("medicine_id")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            expired_quantity=Coalesce(Subquery(expired, output_field=models.BigIntegerField()), Value(0))
        ).annotate(usable_quantity=Greatest(F("quantity") - F("expired_quantity"), Value(0)))


class StockLevel(models.Model):
    """Current stock of one medicine at one establishment (a *position*). Never negative. Stock in
    lots past their expiry date is not usable (``StockLevelQuerySet.with_usable``)."""

    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, related_name="stock_levels", db_index=False
    )
    medicine = models.ForeignKey(
        "stock.Medicine", on_delete=models.PROTECT, related_name="stock_levels", db_index=False
    )
    quantity = models.BigIntegerField(default=0)
    in_transit = models.BigIntegerField(
        default=0, help_text=_("Quantité expédiée vers cet établissement, pas encore reçue.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["establishment", "medicine"], name="stocklevel_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stocklevel_quantity_non_negative"),
            models.CheckConstraint(condition=Q(in_transit__gte=0), name="stocklevel_in_transit_non_negative"),
        ]
        indexes = [models.Index(fields=["medicine", "establishment"]), *page_indexes("stocklevel")]

    def __str__(self) -> str:
        return f"{self.establishment_id}/{self.medicine_id}: {self.quantity}"


class StockLot(models.Model):
    """A lot of one medicine at one establishment, with its expiry date. Never negative."""

    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, related_name="lots", db_index=False
    )
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="lots", db_index=False)
    lot_number = models.CharField(max_length=40)
    expiry_date = models.DateField()
    quantity = models.BigIntegerField(default=0)

    objects = EstablishmentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["expiry_date", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "medicine", "lot_number"], name="stocklot_unique_lot"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stocklot_quantity_non_negative"),
        ]
        indexes = [models.Index(fields=["establishment", "medicine", "expiry_date"]), *page_indexes("stocklot")]

    def __str__(self) -> str:
        return f"{self.lot_number} exp. {self.expiry_date}: {self.quantity}"


class StockMovement(models.Model):
    """One line of the append-only ledger. ``quantity`` is the signed effect on stock; a
    correction is a new movement, never an update."""

    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="movements", db_index=False)
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    business_date = models.DateField()
    quantity = models.BigIntegerField(help_text=_("Effet signé sur le stock."))
    balance_after = models.BigIntegerField()
    lot = models.ForeignKey(StockLot, on_delete=models.SET_NULL, null=True, blank=True, related_name="movements")
    lot_number = models.CharField(max_length=40, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    loss_reason = models.CharField(max_length=10, choices=LossReason.choices, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=MovementSource.choices, default=MovementSource.API)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    transfer = models.ForeignKey(
        "stock.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EstablishmentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="movement_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="movement_balance_non_negative"),
            models.CheckConstraint(condition=~Q(kind="loss") | ~Q(loss_reason=""), name="movement_loss_has_reason"),
        ]
        indexes = [
            models.Index(fields=["establishment", "medicine", "business_date"]),
            models.Index(fields=["business_date"]),
            *page_indexes("movement"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} ({self.business_date})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise ValueError("The stock ledger is append-only: record a correcting movement instead.")
        super().save(*args, **kwargs)


class Transfer(models.Model):
    """A shipment between two establishments: the outgoing movement is written when shipped, the
    incoming one when received; in between, the quantity is in transit (pipeline)."""

    source = models.ForeignKey("stock.Establishment", on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey("stock.Establishment", on_delete=models.PROTECT, related_name="transfers_in")
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="transfers")
    quantity = models.BigIntegerField()
    shipped_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class TransferQuerySet(models.QuerySet):
        def visible_to(self, user):
            """Transfers from or to an establishment ``user`` may read (:mod:`stock.scopes`)."""
            source, destination = (
                scopes.establishment_scope(user, "source__"),
                scopes.establishment_scope(user, "destination__"),
            )
            if source is None:
                return self
            if source is scopes.NOTHING:
                return self.none()
            return self.filter(source | destination)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-shipped_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive"),
            models.CheckConstraint(condition=~Q(source=F("destination")), name="transfer_distinct_ends"),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(received_on__gte=F("shipped_on")),
                name="transfer_received_after_shipped",
            ),
        ]
        indexes = [models.Index(fields=["destination", "medicine", "status"])]


class ConsumptionMonth(models.Model):
    """Monthly summary of one position: what was issued and how many days it was stocked out.
    Kept current with every movement or report so that scoring never scans the ledger."""

    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, related_name="consumption", db_index=False
    )
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="consumption", db_index=False)
    month = models.DateField(help_text=_("Premier jour du mois."))
    issued = models.BigIntegerField(default=0)
    received = models.BigIntegerField(default=0)
    losses = models.BigIntegerField(default=0)
    stockout_days = models.PositiveSmallIntegerField(default=0)
    closing_balance = models.BigIntegerField(null=True, blank=True)
    reported = models.BooleanField(default=True, help_text=_("Faux quand aucune donnée n'a été reçue pour ce mois."))

    objects = EstablishmentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "medicine", "month"], name="consumption_unique_month"),
            models.CheckConstraint(condition=Q(issued__gte=0), name="consumption_issued_non_negative"),
            models.CheckConstraint(condition=Q(stockout_days__lte=31), name="consumption_stockout_days_max"),
            models.CheckConstraint(condition=Q(month__day=1), name="consumption_month_first_day"),
        ]
        indexes = [
            models.Index(fields=["month", "medicine"]),
            *page_indexes("consumption"),
            # The months that only their last 3 months' issues can say are stockouts (reported, empty at
            # the close, nothing issued, no stockout day typed in): the overview's trend looks them up
            # for the one rule of shortages.scoring.stockouts without scanning a year of summaries
            # again (docs/pages.md). A few thousand rows of 16 million nationally.
            models.Index(
                fields=["month"],
                condition=Q(reported=True, stockout_days=0, closing_balance__lte=0, issued=0),
                name="consumption_empty_no_issue",
            ),
        ]


class MonthlyReport(models.Model):
    """The LMIS monthly report of one position. ``discrepancy`` = expected closing
    (opening + received - issued - losses + adjustments) minus the physical count."""

    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, related_name="monthly_reports", db_index=False
    )
    medicine = models.ForeignKey(
        "stock.Medicine", on_delete=models.PROTECT, related_name="monthly_reports", db_index=False
    )
    month = models.DateField()
    opening_balance = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    issued = models.BigIntegerField(default=0)
    losses = models.BigIntegerField(default=0)
    adjustments = models.BigIntegerField(default=0)
    closing_count = models.BigIntegerField()
    stockout_days = models.PositiveSmallIntegerField(default=0)
    ordered = models.BigIntegerField(
        default=0, db_default=0, help_text=_("Quantité commandée (demandée) dans le mois ; n'écrit aucun mouvement.")
    )
    discrepancy = models.BigIntegerField(default=0)
    import_job = models.ForeignKey(
        "stock.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EstablishmentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "establishment_id", "medicine_id"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "medicine", "month"], name="monthlyreport_unique_period"),
            models.CheckConstraint(
                condition=Q(opening_balance__gte=0)
                & Q(received__gte=0)
                & Q(issued__gte=0)
                & Q(losses__gte=0)
                & Q(closing_count__gte=0),
                name="monthlyreport_quantities_non_negative",
            ),
            models.CheckConstraint(condition=Q(ordered__gte=0), name="monthlyreport_ordered_non_negative"),
            models.CheckConstraint(condition=Q(stockout_days__lte=31), name="monthlyreport_stockout_days_max"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlyreport_month_first_day"),
        ]
        indexes = page_indexes("report")

    @property
    def has_discrepancy(self) -> bool:
        return self.discrepancy != 0


class ImportJob(models.Model):
    """An uploaded file processed as a whole (all rows or none), with its progress and its
    per-row error report kept readable afterwards."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    options = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class ImportJobQuerySet(models.QuerySet):
        def visible_to(self, user):
            """National analysts see every import; everybody else (a regional analyst too: a file
            may cover several regions) the ones they started."""
            if scopes.is_national_analyst(user):
                return self
            if user is None or not user.is_authenticated:
                return self.none()
            return self.filter(created_by=user)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.status})"
