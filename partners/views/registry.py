"""Registry pages: organizations, agreements, commitments and their progress."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.choices import CommitmentCategory
from partners.forms import ProgressForm
from partners.models import Agreement, Commitment, CommitmentProgress, Organization, ProductSupplier, Signatory
from partners.selectors.commitments import commitment_list
from partners.selectors.local_sourcing import local_sourcing
from partners.selectors.registry import organization_detail, organization_lineage
from partners.services.commitments import can_report_progress, commitment_progress_report
from partners.views.common import paginate, registry_reader_required
from partners.views.filters import AgreementPageFilterSet, CommitmentPageFilterSet, OrganizationPageFilterSet
from stock.filtering import filters_refused

LOCAL_SOURCING_YEARS = 3
SUPPLIED_SHOWN = 100


@registry_reader_required
def organization_list(request):
    queryset = (
        Organization.objects.visible_to(request.user)
        .select_related("predecessor", "successor", "parent")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name", "id")
    )
    filterset = OrganizationPageFilterSet(request.GET, queryset=queryset)
    return render(
        request,
        "partners/organization_list.html",
        {"filter": filterset, "page_obj": paginate(request, filterset.qs)},
        status=400 if filters_refused(filterset) else 200,
    )


@registry_reader_required
def organization_detail_view(request, pk: int):
    try:
        organization = organization_detail(pk=pk)
    except Organization.DoesNotExist as missing:
        raise Http404 from missing
    predecessors, successors = organization_lineage(organization)
    commitments = commitment_list(today=timezone.localdate(), queryset=Commitment.objects.filter(party=organization))
    supplied = (
        ProductSupplier.objects.filter(company__organization=organization)
        .select_related("product__medicine")
        .order_by("product__medicine__inn", "product__brand", "role")
    )
    return render(
        request,
        "partners/organization_detail.html",
        {
            "organization": organization,
            "predecessors": predecessors,
            "successors": successors,
            "commitments": commitments,
            "supplied": supplied[:SUPPLIED_SHOWN],
            "supplied_count": supplied.count(),
        },
    )


@registry_reader_required
def agreement_list(request):
    queryset = (
        Agreement.objects.visible_to(request.user)
        .annotate(
            commitment_count=Count("commitments", distinct=True), signatory_count=Count("signatories", distinct=True)
        )
        .order_by("-signed_on", "id")
    )
    filterset = AgreementPageFilterSet(request.GET, queryset=queryset)
    return render(
        request,
        "partners/agreement_list.html",
        {"filter": filterset, "page_obj": paginate(request, filterset.qs)},
        status=400 if filters_refused(filterset) else 200,
    )


def local_sourcing_by_year(today: dt.date) -> list[dict]:
    """The local-sourcing indicator of the last few calendar years, one dict per year."""
    start = dt.date(today.year - LOCAL_SOURCING_YEARS + 1, 1, 1)
    frame = local_sourcing(start=start, end=today, by=("year",))
    return frame.to_dict("records")


@registry_reader_required
def agreement_detail(request, pk: int):
    signatories = Signatory.objects.select_related("organization", "representative").order_by("organization__name")
    agreement = get_object_or_404(
        Agreement.objects.visible_to(request.user).prefetch_related(Prefetch("signatories", queryset=signatories)),
        pk=pk,
    )
    today = timezone.localdate()
    commitments = commitment_list(today=today, queryset=Commitment.objects.filter(agreement=agreement))
    targets_local_sourcing = any(c.category == CommitmentCategory.LOCAL_SOURCING for c in commitments)
    return render(
        request,
        "partners/agreement_detail.html",
        {
            "agreement": agreement,
            "commitments": commitments,
            "local_sourcing": local_sourcing_by_year(today) if targets_local_sourcing else None,
        },
    )


@registry_reader_required
def commitment_list_view(request):
    queryset = Commitment.objects.visible_to(request.user)
    filterset = CommitmentPageFilterSet(request.GET, queryset=queryset)
    page = paginate(request, filterset.qs)
    page.object_list = commitment_list(today=timezone.localdate(), queryset=page.object_list)
    own_parties = set(request.user.organizations.values_list("pk", flat=True))
    return render(
        request,
        "partners/commitment_list.html",
        {"filter": filterset, "page_obj": page, "own_parties": own_parties},
        status=400 if filters_refused(filterset) else 200,
    )


@registry_reader_required
def commitment_progress(request, pk: int):
    commitment = get_object_or_404(Commitment.objects.select_related("agreement", "party"), pk=pk)
    can_report = can_report_progress(user=request.user, commitment=commitment)
    if request.method == "POST" and not can_report:
        raise PermissionDenied
    form = ProgressForm(request.POST or None) if can_report else None
    if request.method == "POST" and form.is_valid():
        try:
            commitment_progress_report(user=request.user, commitment=commitment, **form.cleaned_data)
        except DjangoValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Avancement enregistré."))
            return redirect("partners:agreement_detail", pk=commitment.agreement_id)
    history = (
        CommitmentProgress.objects.filter(commitment=commitment)
        .select_related("reported_by")
        .order_by("-reported_on", "-id")
    )
    status = commitment_list(today=timezone.localdate(), queryset=Commitment.objects.filter(pk=pk))[0].status
    return render(
        request,
        "partners/commitment_progress.html",
        {"commitment": commitment, "form": form, "history": history, "status": status},
    )
