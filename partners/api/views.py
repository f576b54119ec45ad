"""API viewsets of the partners app: declarative, scoped by ``visible_to``; writes with a rule go
through services."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
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
from partners.services.declaration_upload import declarations_import
from partners.services.declarations import declaration_review, declaration_submit
from stock import roles
from stock.api.pagination import LargeListCursorPagination


class IsAnalystOrReadOnly(permissions.BasePermission):
    """Every authenticated user reads the registry; analysts manage it."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return roles.is_analyst(request.user)


class IsAnalyst(permissions.BasePermission):
    def has_permission(self, request, view):
        return roles.is_analyst(request.user)


class IsIndustryOrAnalyst(permissions.BasePermission):
    def has_permission(self, request, view):
        return roles.is_analyst(request.user) or roles.is_industry(request.user)


class RegistryViewSet(viewsets.ModelViewSet):
    permission_classes = [IsAnalystOrReadOnly]

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class OrganizationViewSet(RegistryViewSet):
    queryset = Organization.objects.select_related("successor").prefetch_related("representatives__person")
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet


class CompanyViewSet(RegistryViewSet):
    queryset = Company.objects.select_related("organization")
    serializer_class = serializers.CompanySerializer
    filterset_class = filtersets.CompanyFilterSet


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


class CommitmentViewSet(RegistryViewSet):
    """Commitments with their latest reported value and derived status (see partners.commitment_status)."""

    queryset = Commitment.objects.all()
    serializer_class = serializers.CommitmentSerializer
    filterset_class = filtersets.CommitmentFilterSet

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

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = declaration_submit(
            user=request.user, data=serializer.to_declaration_data(), status=serializer.validated_data["status"]
        )
        return Response(self.get_serializer(declaration).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": serializers.UploadSerializer}, responses=serializers.ImportJobSerializer
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request):
        """A CSV or XLSX file of declarations (template on the upload page): every row or none.
        201 with the job when written; 400 with every error as ``{line, column, message}``."""
        upload = serializers.UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        job = declarations_import(user=request.user, file=file, file_name=file.name)
        body = serializers.ImportJobSerializer(job).data
        if job.status != "succeeded":
            message = _("Fichier refusé : rien n'a été enregistré.")
            error = {"code": "invalid_file", "message": message, "fields": {}, "rows": body["errors"], "job": job.pk}
            return Response({"error": error}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.DeclarationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAnalyst])
    def accept(self, request, pk=None):
        return self._review(request, accept=True)

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.DeclarationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAnalyst])
    def reject(self, request, pk=None):
        return self._review(request, accept=False)

    def _review(self, request, *, accept: bool):
        review = serializers.ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        declaration = declaration_review(
            user=request.user, declaration=self.get_object(), accept=accept, comment=review.validated_data["comment"]
        )
        return Response(self.get_serializer(declaration).data)


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
