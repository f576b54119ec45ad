"""API viewsets of the partners app: declarative, scoped by ``visible_to``; writes with a rule go
through services."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from partners import filtersets
from partners.api import serializers
from partners.models import (
    Agreement,
    Commitment,
    CommitmentProgress,
    Company,
    Membership,
    Organization,
    ProductSupplier,
    SupplyDeclaration,
)
from partners.selectors.commitments import commitments_annotated, with_status
from partners.selectors.declarations import safety_stock_compliance
from partners.selectors.local_sourcing import local_sourcing
from partners.services.commitments import commitment_progress_report
from partners.services.declaration_upload import TEMPLATE_FORMATS, declaration_template, declarations_import
from partners.services.declarations import declaration_review, declaration_submit
from stock import roles, scopes
from stock.api.negotiation import file_template_action
from stock.api.pagination import LargeListCursorPagination
from stock.api.responses import idempotent_response
from stock.api.throttling import upload_admitted
from stock.api.views import IDEMPOTENCY_PARAMETER

IDEMPOTENCY_CONFLICT = OpenApiResponse(
    description="Idempotency-Key already used with another body (`error.code` is `idempotency_conflict`)."
)


class IsNationalAnalystOrReadOnly(permissions.BasePermission):
    """Every authenticated user reads the registry; national analysts manage it. The registry is
    national data, and its memberships decide who reads which company's confidential declarations:
    a regional analyst reads it and writes none of it (the rule of ``stock.scopes``)."""

    message = _l("Seul un analyste national modifie le registre des partenaires.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return scopes.is_national_analyst(request.user)


class DeletionRefused(permissions.BasePermission):
    """``DELETE`` of a view with a ``deletion_refusal`` (what its deletion would take with it, and
    what to do instead) is for site administrators only: an agreement takes its commitments and
    their progress along, an organization its company, memberships and representatives. Nothing
    accepted is lost through the API; an administrator who must remove a row entered by mistake
    does it knowingly."""

    def has_permission(self, request, view):
        refusal = getattr(view, "deletion_refusal", None)
        if request.method != "DELETE" or refusal is None or request.user.is_superuser:
            return True
        self.message = refusal
        return False


class IsNationalAnalyst(permissions.BasePermission):
    """Reviewing declarations decides what feeds the national scores: national analysts only."""

    message = _l("Seul un analyste national examine les déclarations.")

    def has_permission(self, request, view):
        return scopes.is_national_analyst(request.user)


class IsIndustryOrAnalyst(permissions.BasePermission):
    def has_permission(self, request, view):
        return roles.is_analyst(request.user) or roles.is_industry(request.user)


class RegistryViewSet(viewsets.ModelViewSet):
    permission_classes = [IsNationalAnalystOrReadOnly, DeletionRefused]
    #: Set where a deletion would lose what was recorded: ``DELETE`` is then refused (403) with it.
    deletion_refusal: str | None = None

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class OrganizationViewSet(RegistryViewSet):
    queryset = Organization.objects.select_related("successor").prefetch_related("representatives__person")
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet
    deletion_refusal = _l(
        "Une organisation ne se supprime pas : ses adhésions, ses représentants et, pour une entreprise, "
        "ses produits fournis disparaîtraient avec elle. Indiquez plutôt sa date de dissolution "
        "(dissolved_on), ou terminez ses adhésions par une date de fin (ended_on)."
    )


class CompanyViewSet(RegistryViewSet):
    queryset = Company.objects.select_related("organization")
    serializer_class = serializers.CompanySerializer
    filterset_class = filtersets.CompanyFilterSet
    deletion_refusal = _l(
        "Une entreprise ne se supprime pas : ses produits fournis disparaîtraient avec elle. Indiquez "
        "plutôt la date de dissolution de son organisation (dissolved_on), ou terminez ses adhésions par "
        "une date de fin (ended_on)."
    )


class MembershipViewSet(RegistryViewSet):
    queryset = Membership.objects.order_by("id")
    serializer_class = serializers.MembershipSerializer
    filterset_class = filtersets.MembershipFilterSet


class ProductSupplierViewSet(RegistryViewSet):
    queryset = ProductSupplier.objects.select_related("product").order_by("id")
    serializer_class = serializers.ProductSupplierSerializer
    filterset_class = filtersets.ProductSupplierFilterSet


class AgreementViewSet(RegistryViewSet):
    queryset = Agreement.objects.prefetch_related("signatories__organization", "signatories__representative")
    serializer_class = serializers.AgreementSerializer
    filterset_class = filtersets.AgreementFilterSet
    deletion_refusal = _l(
        "Un accord ne se supprime pas : ses signataires, ses engagements et leur avancement "
        "disparaîtraient avec lui. Corrigez-le plutôt (PATCH) ; s'il a été saisi par erreur, demandez sa "
        "suppression à un administrateur du site."
    )


class CommitmentViewSet(RegistryViewSet):
    """Commitments with their latest reported value and derived status (see partners.commitment_status)."""

    queryset = Commitment.objects.all()
    serializer_class = serializers.CommitmentSerializer
    filterset_class = filtersets.CommitmentFilterSet
    deletion_refusal = _l(
        "Un engagement ne se supprime pas : son avancement disparaîtrait avec lui. Corrigez-le plutôt "
        "(PATCH) ; s'il a été saisi par erreur, demandez sa suppression à un administrateur du site."
    )

    def get_queryset(self):
        return commitments_annotated(today=timezone.localdate(), queryset=super().get_queryset())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else with_status(page, today=timezone.localdate())

    def get_object(self):
        return with_status([super().get_object()], today=timezone.localdate())[0]


class CommitmentProgressViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress entries; the committing party's users and analysts report (POST)."""

    queryset = CommitmentProgress.objects.order_by("commitment_id", "reported_on", "id")
    serializer_class = serializers.CommitmentProgressSerializer
    filterset_class = filtersets.CommitmentProgressFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        progress = commitment_progress_report(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(progress).data, status=status.HTTP_201_CREATED)


class DeclarationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly declarations. POST submits a new version of its (company, medicine, month) period;
    ``?current=false`` lists superseded versions too. Analysts accept or reject."""

    serializer_class = serializers.DeclarationSerializer
    filterset_class = filtersets.DeclarationFilterSet
    pagination_class = LargeListCursorPagination
    permission_classes = [IsIndustryOrAnalyst]
    # The scope of ``ScopedRateThrottle`` (settings' ``DEFAULT_THROTTLE_RATES``): none for the
    # viewset's reads and single declarations, ``uploads`` for a file (its ``@action``; the files
    # its serializer accepts count).
    throttle_scope: str | None = None

    def get_queryset(self):
        return (
            SupplyDeclaration.objects.visible_to(self.request.user)
            .select_related("company__organization", "medicine")
            .prefetch_related("supply_lines")
        )

    def get_object(self):
        # Any version is reachable by id, whatever the list filters (which default to current ones).
        declaration = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, declaration)
        return declaration

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: serializers.DeclarationSerializer, 409: IDEMPOTENCY_CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        """Submit a version of a period. Resent with the same ``Idempotency-Key`` and body, the first
        answer comes back (``Idempotent-Replayed: true``) and no version is added."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def submit():
            declaration = declaration_submit(
                user=request.user, data=serializer.to_declaration_data(), status=serializer.validated_data["status"]
            )
            return status.HTTP_201_CREATED, self.get_serializer(declaration).data

        return idempotent_response(request, scope="declarations", action=submit)

    @extend_schema(
        request={"multipart/form-data": serializers.UploadSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(
                serializers.DeclarationImportJobSerializer, description="Every row written, in one transaction."
            ),
            400: OpenApiResponse(
                serializers.DeclarationUploadRefusalSerializer,
                description="Nothing written: `error.rows` lists every error of the file as `{line, column, "
                "message}` and `error.job` names the failed import job; or no file, or a file refused before it is read "
                "(too big, not a .csv or .xlsx of that format indeed: `error.fields.file`).",
            ),
            409: IDEMPOTENCY_CONFLICT,
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], throttle_scope="uploads")
    def upload(self, request):
        """A CSV or XLSX file of declarations (template at ``template/``): every row or none.
        201 with the job when written; 400 with every error as ``{line, column, message}``. Resent
        with the same ``Idempotency-Key`` and file, the first answer comes back and nothing is written."""
        upload = serializers.UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]

        def run():
            # The file passed the serializer and is processed: it counts against the uploads' rate
            # (a replayed answer does not; past the rate, 429 and nothing is kept for the key).
            upload_admitted(request)
            job = declarations_import(user=request.user, file=file, file_name=file.name)
            body = serializers.DeclarationImportJobSerializer(job).data
            if job.status != "succeeded":
                message = _("Fichier refusé : rien n'a été enregistré.")
                error = {
                    "code": "invalid_file",
                    "message": message,
                    "fields": {},
                    "rows": body["errors"],
                    "job": job.pk,
                }
                return status.HTTP_400_BAD_REQUEST, {"error": error}
            return status.HTTP_201_CREATED, body

        return idempotent_response(_FileRequest.of(request, file), scope="declarations.upload", action=run)

    @file_template_action
    def template(self, request):
        """The upload's template with its column help (``?format=xlsx`` by default, or ``csv``)."""
        file_format = "csv" if request.query_params.get("format") == "csv" else "xlsx"
        content_type, file_name = TEMPLATE_FORMATS[file_format]
        response = HttpResponse(declaration_template(file_format=file_format), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.DeclarationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsNationalAnalyst])
    def accept(self, request, pk=None):
        return self._review(request, accept=True)

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.DeclarationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsNationalAnalyst])
    def reject(self, request, pk=None):
        return self._review(request, accept=False)

    def _review(self, request, *, accept: bool):
        review = serializers.ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        declaration = declaration_review(
            user=request.user, declaration=self.get_object(), accept=accept, comment=review.validated_data["comment"]
        )
        return Response(self.get_serializer(declaration).data)


@dataclass(frozen=True)
class _FileRequest:
    """What ``idempotent_response`` reads of a request (its user, headers and data), with the
    uploaded file named by its name, size and SHA-256: the file object itself has no JSON form to
    fingerprint. The same key with the same file replays; with another file it is a conflict."""

    user: Any
    headers: Any
    data: dict[str, Any]

    @classmethod
    def of(cls, request, file) -> _FileRequest:
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)
        fingerprint = {"name": file.name, "size": file.size, "sha256": digest.hexdigest()}
        return cls(user=request.user, headers=request.headers, data={"file": fingerprint})


class ComplianceView(APIView):
    """The safety-stock duty (arrêté 263-02) for one month: declared stock against 3 months of sales."""

    permission_classes = [IsIndustryOrAnalyst]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=True), OpenApiParameter("company", int)],
        responses=serializers.ComplianceRowSerializer(many=True),
    )
    def get(self, request):
        query = serializers.ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = safety_stock_compliance(
            user=request.user, month=query.validated_data["month"], company_id=query.validated_data.get("company")
        )
        return Response(serializers.ComplianceRowSerializer(rows, many=True).data)


class LocalSourcingView(APIView):
    """The local-sourcing indicator (see partners.selectors.local_sourcing for the rule): receipts of
    establishments split into made-in-Morocco, imported and unknown origin, in quantity and value."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
            OpenApiParameter("by", str, many=True, enum=["period", "year", "section"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = serializers.LocalSourcingQuerySerializer(
            data={**request.query_params.dict(), "by": request.query_params.getlist("by")}
        )
        query.is_valid(raise_exception=True)
        by = tuple(sorted(query.validated_data.get("by") or {"year"}, key=["period", "year", "section"].index))
        frame = local_sourcing(start=query.validated_data["start"], end=query.validated_data["end"], by=by)
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        return Response({"by": list(by), "results": records})
