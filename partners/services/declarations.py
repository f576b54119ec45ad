"""Monthly supply declarations: submit a version, review it.

A period is (company, medicine, month). Submitting a period that already has a declaration adds a
version and makes it the current one; earlier versions stay readable and never feed the scoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.choices import DeclarationStatus, DisruptionCause, SupplyKind
from partners.models import Company, SupplyDeclaration, SupplyLine
from stock import scopes
from stock.audit import audit_snapshot, audit_write
from stock.dates import date_refusal, month_refusal
from stock.models import ImportJob, Medicine
from stock.uploads.budget import budget_check

# What the audit trail keeps of a declaration written through the form.
DECLARATION_AUDITED = (
    "company",
    "medicine",
    "month",
    "version",
    "status",
    "stock_on_hand",
    "monthly_sales",
    "disruption",
    "disruption_cause",
)


@dataclass(frozen=True)
class SupplyLineData:
    """An expected delivery: ``quantity`` units of the medicine on ``expected_on``."""

    expected_on: dt.date
    quantity: int
    kind: str


@dataclass(frozen=True)
class DeclarationData:
    """The declared figures of one period (quantities in the medicine's dispensing unit)."""

    company: Company
    medicine: Medicine
    month: dt.date
    stock_on_hand: int
    monthly_sales: int
    disruption: bool = False
    disruption_cause: str = ""
    disruption_start: dt.date | None = None
    disruption_end: dt.date | None = None
    api_origin_country: str = ""
    supply_lines: Sequence[SupplyLineData] = ()


def declaration_errors(data: DeclarationData) -> dict[str, list[str]]:
    """The rule violations of ``data``, by field name (empty when valid). Shared by the form, the API
    and the upload so that all three refuse the same things with the same words."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if data.month.day != 1:
        add("month", _("Le mois doit être le premier jour du mois."))
    if refusal := month_refusal(data.month):
        add("month", refusal)
    if data.stock_on_hand < 0:
        add("stock_on_hand", _("Le stock ne peut pas être négatif."))
    if data.monthly_sales < 0:
        add("monthly_sales", _("Les ventes ne peuvent pas être négatives."))
    if data.disruption:
        if data.disruption_cause not in DisruptionCause.values:
            add("disruption_cause", _("Indiquez la cause de la rupture (code de la liste)."))
        if data.disruption_start is None:
            add("disruption_start", _("Indiquez la date de début prévue de la rupture."))
    elif data.disruption_cause or data.disruption_start or data.disruption_end:
        add("disruption", _("Cochez « rupture » pour déclarer une cause ou des dates de rupture."))
    if data.disruption_start and data.disruption_end and data.disruption_end < data.disruption_start:
        add("disruption_end", _("La fin de la rupture précède son début."))
    for name in ("disruption_start", "disruption_end"):
        value = getattr(data, name)
        if value and (refusal := date_refusal(value, planned=True)):
            add(name, refusal)
    for index, line in enumerate(data.supply_lines, start=1):
        if refusal := date_refusal(line.expected_on, planned=True):
            add("supply_lines", _("Livraison %(n)s : %(reason)s") % {"n": index, "reason": refusal})
        if line.quantity <= 0:
            add("supply_lines", _("Livraison %(n)s : la quantité doit être positive.") % {"n": index})
        if line.kind not in SupplyKind.values:
            add("supply_lines", _("Livraison %(n)s : type inconnu (production ou import).") % {"n": index})
        if line.expected_on < data.month:
            add("supply_lines", _("Livraison %(n)s : la date précède le mois déclaré.") % {"n": index})
    return errors


def _ensure_covers(user, company: Company) -> None:
    if not Company.objects.covered_by(user).filter(pk=company.pk).exists():
        raise PermissionDenied(_("Vous ne pouvez pas déclarer pour cette entreprise."))


def _write_version(*, user, data: DeclarationData, import_job: ImportJob | None, status: str) -> SupplyDeclaration:
    # Submissions of one company are serialised on its row (which exists even before a period's
    # first version), so two submissions of one period get versions n and n + 1, one current.
    Company.objects.select_for_update().filter(pk=data.company.pk).values_list("pk", flat=True).first()
    period = SupplyDeclaration.objects.filter(company=data.company, medicine=data.medicine, month=data.month)
    last_version = period.aggregate(last=Max("version"))["last"] or 0
    period.filter(is_current=True).update(is_current=False)
    declaration = SupplyDeclaration.objects.create(
        company=data.company,
        medicine=data.medicine,
        month=data.month,
        version=last_version + 1,
        is_current=True,
        stock_on_hand=data.stock_on_hand,
        monthly_sales=data.monthly_sales,
        disruption=data.disruption,
        disruption_cause=data.disruption_cause if data.disruption else "",
        disruption_start=data.disruption_start,
        disruption_end=data.disruption_end,
        api_origin_country=data.api_origin_country.strip(),
        status=status,
        submitted_by=user,
        import_job=import_job,
    )
    SupplyLine.objects.bulk_create(
        SupplyLine(declaration=declaration, expected_on=line.expected_on, quantity=line.quantity, kind=line.kind)
        for line in data.supply_lines
    )
    return declaration


@transaction.atomic
def declaration_submit(
    *,
    user,
    data: DeclarationData,
    import_job: ImportJob | None = None,
    status: str = DeclarationStatus.SUBMITTED,
) -> SupplyDeclaration:
    """Record a new version of the period of ``data`` for ``user``, who must cover the company
    (its own company, or a current member of its association). Raises ``PermissionDenied`` or a
    ``ValidationError`` naming the fields."""
    _ensure_covers(user, data.company)
    errors = declaration_errors(data)
    if errors:
        raise ValidationError(errors)
    if status not in (DeclarationStatus.DRAFT, DeclarationStatus.SUBMITTED):
        raise ValidationError({"status": [_("Une déclaration est enregistrée en brouillon ou soumise.")]})
    declaration = _write_version(user=user, data=data, import_job=import_job, status=status)
    audit_write(actor=user, action="create", obj=declaration, after=audit_snapshot(declaration, DECLARATION_AUDITED))
    return declaration


@transaction.atomic
def declarations_submit_many(
    *, user, items: Sequence[DeclarationData], import_job: ImportJob | None = None
) -> list[SupplyDeclaration]:
    """Submit every item or none (one transaction). The caller has validated each item; this checks
    coverage and rules again and raises on the first failure, which rolls everything back."""
    companies = {item.company.pk for item in items}
    covered = set(Company.objects.covered_by(user).filter(pk__in=companies).values_list("pk", flat=True))
    # Lock every company of the file at once, in id order: two files naming the same companies in
    # another order then wait for each other instead of deadlocking row by row.
    list(Company.objects.select_for_update().filter(pk__in=companies).order_by("pk").values_list("pk", flat=True))
    written = []
    for item in items:
        budget_check()  # past an import's time budget, everything rolls back
        if item.company.pk not in covered:
            raise PermissionDenied(_("Vous ne pouvez pas déclarer pour cette entreprise."))
        errors = declaration_errors(item)
        if errors:
            raise ValidationError(errors)
        written.append(_write_version(user=user, data=item, import_job=import_job, status=DeclarationStatus.SUBMITTED))
    return written


@transaction.atomic
def declaration_review(*, user, declaration: SupplyDeclaration, accept: bool, comment: str = "") -> SupplyDeclaration:
    """A national analyst accepts or rejects the current, submitted version of a period. A
    rejection needs a comment saying why; only accepted versions feed the scoring, which is national:
    a regional analyst reads declarations and does not review them."""
    if not scopes.is_national_analyst(user):
        raise PermissionDenied(_("Seul un analyste national examine les déclarations."))
    locked = SupplyDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if not locked.is_current:
        raise ValidationError({"status": [_("Cette version a été remplacée par une version plus récente.")]})
    if locked.status != DeclarationStatus.SUBMITTED:
        raise ValidationError({"status": [_("Seule une déclaration soumise peut être examinée.")]})
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": [_("Indiquez le motif du rejet.")]})
    before = {"status": locked.status}
    locked.status = DeclarationStatus.ACCEPTED if accept else DeclarationStatus.REJECTED
    locked.review_comment = comment
    locked.reviewed_by = user
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    audit_write(
        actor=user,
        action="accept" if accept else "reject",
        obj=locked,
        before=before,
        after={"status": locked.status},
        comment=comment,
    )
    return locked
