"""Viewsets of the stock API: reference lists, stock, the movement ledger, transfers, monthly
reports and their import jobs, consumption, and the user's own API tokens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from stock import filtersets, roles, selectors
from stock.api import serializers as s
from stock.api.filters import OrderingFilter, QueryFilterBackend
from stock.api.negotiation import file_template_action
from stock.api.pagination import LargeListCursorPagination
from stock.api.responses import IDEMPOTENCY_HEADER, error_response, idempotent_response, validated
from stock.api.throttling import upload_admitted
from stock.models import ApiToken, Establishment, Medicine, Product, Region
from stock.services.movements import movement_record, movements_record
from stock.services.reports import REPORT_COLUMNS, TEMPLATE_EXAMPLE
from stock.services.tokens import TokenLimitReached, token_issue, token_revoke
from stock.services.transfers import transfer_cancel, transfer_receive, transfer_ship
from stock.tasks import monthly_report_upload
from stock.uploads import template_csv, template_workbook

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Resending the same request with the same key returns the first answer and writes nothing.",
)
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input; `error.fields` names each field."),
    403: OpenApiResponse(description="Not allowed for this establishment."),
    409: OpenApiResponse(
        description="`insufficient_stock` (not enough stock), `duplicate` (a movement's idempotency key already used "
        "at that establishment), `idempotency_conflict` (Idempotency-Key sent again with another body) or `conflict` "
        "(the same row written at once by another request)."
    ),
}


class WritesStock(permissions.BasePermission):
    """Only analysts and establishment users write stock (industry users never do)."""

    message = _("Seuls les utilisateurs d'un établissement et les analystes écrivent du stock.")

    def has_permission(self, request, view) -> bool:
        return roles.is_analyst(request.user) or roles.is_establishment(request.user)


class CursorListMixin:
    """Large, growing lists: cursor pagination, filters only (a cursor needs a fixed ordering)."""

    pagination_class = LargeListCursorPagination
    filter_backends = [QueryFilterBackend]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.RegionSerializer
    queryset = Region.objects.all()
    ordering_fields = ["code", "name_fr"]

    def get_queryset(self) -> QuerySet:
        return Region.objects.all() if self.request.user.is_authenticated else Region.objects.none()


class EstablishmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.EstablishmentSerializer
    filterset_class = filtersets.EstablishmentFilterSet
    ordering_fields = ["code", "name"]

    def get_queryset(self) -> QuerySet:
        return Establishment.objects.visible_to(self.request.user).select_related("region", "province", "supplier")


class MedicineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.MedicineSerializer
    filterset_class = filtersets.MedicineFilterSet
    ordering_fields = ["code", "inn", "atc_code"]

    def get_queryset(self) -> QuerySet:
        return Medicine.objects.visible_to(self.request.user)


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProductSerializer
    filterset_class = filtersets.ProductFilterSet
    ordering_fields = ["brand", "ean", "public_price"]

    def get_queryset(self) -> QuerySet:
        return Product.objects.visible_to(self.request.user).select_related("medicine")


class StockLevelViewSet(CursorListMixin, viewsets.ReadOnlyModelViewSet):
    """A page's ids through the scope, the filters and the cursor of the ORM (one query on ids
    alone), then their rows in one query of fixed text (:meth:`rows`): the ORM's annotated query of
    a whole page cost more to build than to run (docs/performance.md)."""

    serializer_class = s.StockLevelSerializer
    filterset_class = filtersets.StockLevelFilterSet

    def get_queryset(self) -> QuerySet:
        return selectors.stock_levels_bare_for(self.request.user)

    def rows(self, ids: list[int]) -> list[dict]:
        """The rows of ``ids`` the serializer shows (``selectors.stock_level_rows``)."""
        return selectors.stock_level_rows(ids)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values("id"))
        return self.get_paginated_response(
            self.get_serializer(self.rows([item["id"] for item in page]), many=True).data
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.rows([self.get_object().pk])[0]).data)


class StockLotViewSet(CursorListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.StockLotSerializer
    filterset_class = filtersets.StockLotFilterSet

    def get_queryset(self) -> QuerySet:
        return selectors.stock_lots_for(self.request.user)


@extend_schema_view(
    create=extend_schema(
        request=s.MovementInputSerializer,
        responses={201: s.MovementSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
)
class MovementViewSet(CursorListMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only ledger: read it, record one movement, or record a batch all or nothing."""

    serializer_class = s.MovementSerializer
    filterset_class = filtersets.StockMovementFilterSet

    def get_queryset(self) -> QuerySet:
        return selectors.movements_for(self.request.user)

    def create(self, request, *args, **kwargs):
        item = dict(validated(s.MovementInputSerializer, request))
        header_key = request.headers.get(IDEMPOTENCY_HEADER)
        if header_key and not item.get("idempotency_key"):
            item["idempotency_key"] = header_key.strip()

        def record():
            movement = movement_record(user=request.user, item=item)
            return status.HTTP_201_CREATED, s.MovementSerializer(movement).data

        return idempotent_response(request, scope="movements", action=record)

    @extend_schema(
        request=s.BulkMovementInputSerializer,
        responses={201: s.BulkMovementResultSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Record up to 5,000 movements in one transaction: all of them, or none with every error."""
        items = validated(s.BulkMovementInputSerializer, request)["movements"]

        def record():
            movements = movements_record(user=request.user, items=items)
            data = s.MovementSerializer(movements, many=True).data
            return status.HTTP_201_CREATED, {"count": len(movements), "movements": data}

        return idempotent_response(request, scope="movements.bulk", action=record, error_prefix="movements")


class TransferViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shipments between establishments: POST ships, ``receive`` receives at the destination,
    ``cancel`` returns a shipment still in transit to the source."""

    serializer_class = s.TransferSerializer
    filterset_class = filtersets.TransferFilterSet
    ordering_fields = ["shipped_on", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.transfers_for(self.request.user)

    @extend_schema(
        request=s.TransferShipSerializer,
        responses={201: s.TransferSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        data = validated(s.TransferShipSerializer, request)

        def ship():
            transfer = transfer_ship(user=request.user, **data)
            return status.HTTP_201_CREATED, s.TransferSerializer(transfer).data

        return idempotent_response(request, scope="transfers", action=ship)

    @extend_schema(
        request=s.TransferReceiveSerializer,
        responses={200: s.TransferSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Receive a transfer in transit at its destination (``received_on``)."""
        data = validated(s.TransferReceiveSerializer, request)
        transfer = self.get_object()

        def receive():
            received = transfer_receive(user=request.user, transfer=transfer, **data)
            return status.HTTP_200_OK, s.TransferSerializer(received).data

        return idempotent_response(request, scope="transfers.receive", action=receive, target=transfer.pk)

    @extend_schema(
        request=s.TransferCancelSerializer,
        responses={200: s.TransferSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a transfer in transit (``cancelled_on``): the quantity returns to the source's stock."""
        data = validated(s.TransferCancelSerializer, request)
        transfer = self.get_object()

        def cancel():
            cancelled = transfer_cancel(user=request.user, transfer=transfer, **data)
            return status.HTTP_200_OK, s.TransferSerializer(cancelled).data

        return idempotent_response(request, scope="transfers.cancel", action=cancel, target=transfer.pk)


class MonthlyReportViewSet(CursorListMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly reports of health centres; upload a file (all rows or none) or get its template."""

    serializer_class = s.MonthlyReportSerializer
    filterset_class = filtersets.MonthlyReportFilterSet
    throttle_scope: str | None = None  # the upload action's own: "uploads" (its accepted files count)

    def get_queryset(self) -> QuerySet:
        return selectors.monthly_reports_for(self.request.user)

    @extend_schema(request=s.MonthlyReportUploadSerializer, responses={202: s.ImportJobSerializer, 400: None})
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        permission_classes=[permissions.IsAuthenticated, WritesStock],
        throttle_scope="uploads",
    )
    def upload(self, request):
        """Start an import job; follow it at ``/import-jobs/<id>/`` (status, progress, errors)."""
        data = validated(s.MonthlyReportUploadSerializer, request)
        upload_admitted(request)  # only a file the serializer accepted counts against the uploads' rate
        job = monthly_report_upload(user=request.user, file=data["file"], replace=data["replace"])
        job.refresh_from_db()
        return Response(s.ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @file_template_action
    def template(self, request):
        """The file template with its column help (``?format=xlsx`` by default, or ``csv``)."""
        if request.query_params.get("format") == "csv":
            content, content_type, name = template_csv(REPORT_COLUMNS, examples=[TEMPLATE_EXAMPLE]), "text/csv", "csv"
        else:
            content = template_workbook(REPORT_COLUMNS, examples=[TEMPLATE_EXAMPLE], title="rapport_mensuel")
            content_type, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="modele_rapport_mensuel.{name}"'
        return response


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Upload jobs of the user (all of them for analysts): status, live progress, errors, result."""

    serializer_class = s.ImportJobSerializer
    filterset_class = filtersets.ImportJobFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return selectors.import_jobs_for(self.request.user)


class ConsumptionViewSet(CursorListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ConsumptionSerializer
    filterset_class = filtersets.ConsumptionFilterSet

    def get_queryset(self) -> QuerySet:
        return selectors.consumption_for(self.request.user)


class ApiTokenViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own API tokens: list, create (the value is shown once), revoke."""

    serializer_class = s.ApiTokenSerializer
    queryset = ApiToken.objects.none()
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=s.ApiTokenSerializer, responses={201: s.ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """Create a token from a signed-in session (a token cannot make another token)."""
        if isinstance(request.auth, ApiToken):
            message = _(
                "Un jeton d'API ne crée pas d'autre jeton : créez-le depuis une session ouverte dans le navigateur."
            )
            return error_response("forbidden", message, {}, status.HTTP_403_FORBIDDEN)
        data = validated(s.ApiTokenSerializer, request)
        try:
            token, raw = token_issue(user=request.user, name=data["name"])
        except TokenLimitReached:
            return error_response("limit_reached", _("Trop de jetons actifs : révoquez-en un d'abord."), {}, 409)
        token.token = raw
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token (a token already revoked is answered as it is, with its first revocation time)."""
        token = self.get_object()
        token_revoke(token=token)
        return Response(s.ApiTokenSerializer(token).data)
