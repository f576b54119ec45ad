"""Reads over declarations: version history, the safety-stock duty and who declared late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery

from partners.choices import DeclarationStatus, SupplierRole
from partners.models import Company, ProductSupplier, SupplyDeclaration
from stock.choices import ProductStatus

DECLARATION_DEADLINE_DAY = 5  # arrêté 263-02: holdings of month M declared before the 5th of M + 1


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def declaration_deadline(month: dt.date) -> dt.date:
    """The day before which ``month`` must be declared (the 5th of the next month): a declaration
    is on time when first submitted before that day begins, local time."""
    return next_month(month).replace(day=DECLARATION_DEADLINE_DAY)


def declaration_history(*, user, company_id: int, medicine_id: int, month: dt.date) -> QuerySet[SupplyDeclaration]:
    """Every version of one period the user may read, newest first, with its supply lines."""
    return (
        SupplyDeclaration.objects.visible_to(user)
        .filter(company_id=company_id, medicine_id=medicine_id, month=month)
        .select_related("company__organization", "medicine", "submitted_by", "reviewed_by")
        .prefetch_related("supply_lines")
        .order_by("-version")
    )


@dataclass(frozen=True)
class ComplianceRow:
    """One (company, medicine) against the safety-stock duty. Quantities in units; months of stock =
    stock / monthly sales (None without sales); gap = units missing to reach the required stock."""

    declaration_id: int
    company_id: int
    company: str
    medicine_id: int
    medicine: str
    month: dt.date
    status: str
    stock_on_hand: int
    monthly_sales: int
    required_stock: int
    months_of_stock: Decimal | None
    gap: int
    compliant: bool


@dataclass(frozen=True)
class SafetyStockDuty:
    """The duty of arrêté 263-02 for one declaration: ``SAFETY_STOCK_MONTHS`` (3) x monthly sales."""

    required_stock: int
    gap: int  # units missing (0 when compliant)
    compliant: bool


def registry_roles(*, company_id: int, medicine_id: int) -> list[str]:
    """What the public registry records ``company`` as for the medicine (holder, manufacturer,
    importer, distributor of one of its products), in the registry's order; empty when it records
    nothing. A declaration of such a medicine is taken as sent (the registry is not complete), and the
    declaration page says so for the reviewer to check before it feeds the scoring."""
    recorded = set(
        ProductSupplier.objects.filter(company_id=company_id, product__medicine_id=medicine_id).values_list(
            "role", flat=True
        )
    )
    return [SupplierRole(role).label for role in SupplierRole.values if role in recorded]


def safety_stock_duty(*, stock_on_hand: int, monthly_sales: int) -> SafetyStockDuty:
    """The required stock, the units missing and whether the declared stock meets it (no sales: no
    required stock, compliant)."""
    required = int(settings.SAFETY_STOCK_MONTHS) * monthly_sales
    return SafetyStockDuty(
        required_stock=required, gap=max(0, required - stock_on_hand), compliant=stock_on_hand >= required
    )


def safety_stock_compliance(*, user, month: dt.date, company_id: int | None = None) -> list[ComplianceRow]:
    """The duty of arrêté 263-02 for the current, submitted or accepted declarations of ``month``:
    compliant when declared stock >= ``SAFETY_STOCK_MONTHS`` (3) x declared monthly sales. No sales
    means no required stock (compliant). One query."""
    declarations = (
        SupplyDeclaration.objects.visible_to(user)
        .current()
        .filter(month=month_start(month), status__in=[DeclarationStatus.SUBMITTED, DeclarationStatus.ACCEPTED])
        .order_by("company__organization__name", "medicine__inn", "medicine__strength")
    )
    if company_id is not None:
        declarations = declarations.filter(company_id=company_id)
    rows = []
    for row in declarations.values(
        "id",
        "company_id",
        "company__organization__name",
        "medicine_id",
        "medicine__inn",
        "medicine__strength",
        "medicine__dosage_form",
        "month",
        "status",
        "stock_on_hand",
        "monthly_sales",
    ):
        duty = safety_stock_duty(stock_on_hand=row["stock_on_hand"], monthly_sales=row["monthly_sales"])
        cover = (
            (Decimal(row["stock_on_hand"]) / row["monthly_sales"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if row["monthly_sales"]
            else None
        )
        medicine = " ".join(
            part for part in (row["medicine__inn"], row["medicine__strength"], row["medicine__dosage_form"]) if part
        )
        rows.append(
            ComplianceRow(
                declaration_id=row["id"],
                company_id=row["company_id"],
                company=row["company__organization__name"],
                medicine_id=row["medicine_id"],
                medicine=medicine,
                month=row["month"],
                status=row["status"],
                stock_on_hand=row["stock_on_hand"],
                monthly_sales=row["monthly_sales"],
                required_stock=duty.required_stock,
                months_of_stock=cover,
                gap=duty.gap,
                compliant=duty.compliant,
            )
        )
    return rows


def expected_declarants(*, month: dt.date) -> QuerySet[Company]:
    """Companies bound to declare ``month``: those supplying a marketed product, and those that
    declared ``month`` or any of the twelve months before it."""
    month = month_start(month)
    supplies = ProductSupplier.objects.filter(company=OuterRef("pk"), product__status=ProductStatus.MARKETED)
    declared_before = SupplyDeclaration.objects.filter(
        company=OuterRef("pk"), month__lte=month, month__gte=month.replace(year=month.year - 1)
    )
    return Company.objects.filter(Q(Exists(supplies)) | Q(Exists(declared_before))).select_related("organization")


@dataclass(frozen=True)
class DeclarantStatus:
    """Whether ``company`` declared ``month``: ``first_submitted_at`` is its first non-draft version
    (None when missing); ``late`` when that came on or after the deadline day, or is missing once
    that day has come."""

    company: Company
    month: dt.date
    deadline: dt.date
    first_submitted_at: dt.datetime | None
    late: bool

    @property
    def missing(self) -> bool:
        return self.first_submitted_at is None


def _first_submissions(*, month: dt.date) -> QuerySet:
    """When each company first declared ``month`` (its first non-draft version): company_id -> first."""
    return (
        SupplyDeclaration.objects.filter(month=month)
        .exclude(status=DeclarationStatus.DRAFT)
        .values("company_id")
        .annotate(first=Min("created_at"))
        .values_list("company_id", "first")
    )


def first_submission_subquery() -> Subquery:
    """For a query over declarations: when the declaration's company first declared its month (the
    first non-draft version of any of its medicines), read in the same query."""
    first = (
        SupplyDeclaration.objects.filter(company=OuterRef("company"), month=OuterRef("month"))
        .exclude(status=DeclarationStatus.DRAFT)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return Subquery(first)


def declarant_status(
    company: Company, *, month: dt.date, submitted: dt.datetime | None, today: dt.date
) -> DeclarantStatus:
    """Whether ``company``, which first declared ``month`` at ``submitted`` (None: not yet), is late
    on ``today``: on or after the 5th of the next month began (00:00 local time), or not declared once
    that day has come. The rule of the late-declarants page, and of a declaration's page."""
    month = month_start(month)
    deadline = declaration_deadline(month)
    deadline_start = dt.datetime.combine(deadline, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))
    late = submitted >= deadline_start if submitted else today >= deadline
    return DeclarantStatus(company=company, month=month, deadline=deadline, first_submitted_at=submitted, late=late)


def declarant_statuses(*, month: dt.date, today: dt.date) -> list[DeclarantStatus]:
    """Every expected declarant of ``month`` with when it first declared (two queries). On time means
    before the 5th of the next month begins (00:00 local time, Africa/Casablanca), as the arrêté says."""
    month = month_start(month)
    first = dict(_first_submissions(month=month))
    return [
        declarant_status(company, month=month, submitted=first.get(company.pk), today=today)
        for company in expected_declarants(month=month)
    ]


def late_declarants(*, month: dt.date, today: dt.date) -> list[DeclarantStatus]:
    """Expected declarants of ``month`` that missed the deadline (not declared, or declared late)."""
    return [status for status in declarant_statuses(month=month, today=today) if status.late]


def missing_declarants(*, month: dt.date) -> list[Company]:
    """Expected declarants of ``month`` with no submitted declaration at all (for the reminder)."""
    declared = SupplyDeclaration.objects.filter(company=OuterRef("pk"), month=month_start(month)).exclude(
        status=DeclarationStatus.DRAFT
    )
    return list(expected_declarants(month=month).filter(~Exists(declared)))
