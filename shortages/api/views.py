"""API viewsets of the shortages app: scoped by ``visible_to``; every write goes through a service."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import SupplyDeclaration
from shortages import filtersets, selectors
from shortages.api import serializers
from shortages.api.preconditions import (
    ETAG,
    IF_MATCH,
    PRECONDITION_FAILED,
    VersionETagMixin,
    if_match_version,
    precondition_checked,
)
from shortages.choices import RunStatus
from shortages.models import Alert, MitigationAction, Notification, RiskScore, ScoringRun, Shortage, Subscription
from shortages.services import alerts as alert_services
from shortages.services import register
from shortages.services.notifications import notification_mark_read, subscription_create
from shortages.tasks import NOT_SENT, scoring_run_request
from stock import roles, scopes
from stock.api.pagination import LargeListCursorPagination


class IsAnalystOrReadOnly(permissions.BasePermission):
    """Every authenticated user reads what they may see; analysts write."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return roles.is_analyst(request.user)


class IsNationalAnalystOrReadOnly(permissions.BasePermission):
    """Every authenticated user reads what they may see; national analysts write (a run publishes
    the day every user reads: the rule of the prediction model's choice, ``stock.scopes``)."""

    message = _l("Seul un analyste national lance un calcul des scores.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return scopes.is_national_analyst(request.user)


class ScoringRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Scoring runs and their progress; national analysts start one with POST (``as_of`` defaults
    to today, and is neither after today nor before 2000-01-01)."""

    queryset = ScoringRun.objects.all()
    serializer_class = serializers.ScoringRunSerializer
    permission_classes = [IsNationalAnalystOrReadOnly]
    filterset_class = filtersets.ScoringRunFilterSet

    def get_queryset(self):
        return ScoringRun.objects.visible_to(self.request.user)

    @extend_schema(
        request=serializers.ScoringRunRequestSerializer,
        responses={
            202: serializers.ScoringRunSerializer,
            503: OpenApiResponse(
                description="`service_unavailable`: the run could not be sent to the workers; it is failed, ask again."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        data = serializers.ScoringRunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        as_of = data.validated_data.get("as_of") or timezone.localdate()
        run = scoring_run_request(as_of=as_of, trigger=f"api:{request.user.username}")
        run.refresh_from_db()
        if run.status == RunStatus.FAILED and run.error == NOT_SENT:
            raise TasksUnavailable
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


class TasksUnavailable(exceptions.APIException):
    """The run could not be sent to the workers (the broker does not answer): it is failed, not left
    pending, and the client asks again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _l("Le calcul n'a pas pu être lancé : le service des tâches ne répond pas. Réessayez plus tard.")


class RiskScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Risk scores; without ``as_of`` the latest published day. ``national=true`` for medicines."""

    serializer_class = serializers.RiskScoreSerializer
    filterset_class = filtersets.RiskScoreFilterSet
    pagination_class = LargeListCursorPagination
    ordering_fields = ["id", "score", "stockout_probability", "months_of_stock"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database access
            return RiskScore.objects.none()
        if "as_of" in self.request.query_params or self.action == "retrieve":
            return RiskScore.objects.visible_to(self.request.user).select_related("medicine", "establishment")
        return selectors.scores_published(user=self.request.user)

    def get_serializer_context(self):
        """The day a list is read for: a position row that holds on it answers for that day."""
        context = super().get_serializer_context()
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            asked = self.request.query_params.get("as_of")
            context["day"] = parse_date(asked) if asked else selectors.published_as_of()
        return context


VERSIONED_READ = extend_schema(parameters=[ETAG])


def _acted(serializer_class) -> dict:
    """The schema of an action on one alert: its body, ``If-Match``, and the alert as it is after."""
    return {
        "request": serializer_class,
        "parameters": [IF_MATCH, ETAG],
        "responses": {200: serializers.AlertDetailSerializer, 412: PRECONDITION_FAILED},
    }


@extend_schema_view(retrieve=VERSIONED_READ)
class AlertViewSet(VersionETagMixin, viewsets.ReadOnlyModelViewSet):
    """Alerts of the user's scope (``inbox=true``: the ones the user is expected to act on); analysts
    acknowledge, assign, comment, snooze and resolve the alerts they manage, each action refused
    (412) when sent with ``If-Match`` and the alert changed since."""

    filterset_class = filtersets.AlertFilterSet
    pagination_class = LargeListCursorPagination
    ordering_fields = ["id", "opened_at", "level"]

    def get_queryset(self):
        alerts = selectors.alerts_list(user=self.request.user)
        return alerts.prefetch_related("events__actor") if self.action == "retrieve" else alerts

    def get_serializer_class(self):
        return serializers.AlertDetailSerializer if self.action != "list" else serializers.AlertSerializer

    def _act(self, request, service, serializer_class=serializers.AlertCommentSerializer, **extra):
        alert = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        version = if_match_version(request)
        with precondition_checked():
            service(alert_id=alert.pk, user=request.user, version=version, **data.validated_data, **extra)
        alert = self.get_queryset().prefetch_related("events__actor").get(pk=alert.pk)
        return Response(serializers.AlertDetailSerializer(alert).data)

    @extend_schema(**_acted(serializers.AlertCommentSerializer))
    @action(detail=True, methods=["post"], permission_classes=[IsAnalystOrReadOnly])
    def acknowledge(self, request, pk=None):
        return self._act(request, alert_services.alert_acknowledge)

    @extend_schema(**_acted(serializers.AlertAssignSerializer))
    @action(detail=True, methods=["post"], permission_classes=[IsAnalystOrReadOnly])
    def assign(self, request, pk=None):
        return self._act(request, alert_services.alert_assign, serializers.AlertAssignSerializer)

    @extend_schema(**_acted(serializers.AlertCommentSerializer))
    @action(detail=True, methods=["post"], permission_classes=[IsAnalystOrReadOnly])
    def comment(self, request, pk=None):
        return self._act(request, alert_services.alert_comment)

    @extend_schema(**_acted(serializers.AlertCommentSerializer))
    @action(detail=True, methods=["post"], permission_classes=[IsAnalystOrReadOnly])
    def resolve(self, request, pk=None):
        return self._act(request, alert_services.alert_resolve)

    @extend_schema(**_acted(serializers.AlertSnoozeSerializer))
    @action(detail=True, methods=["post"], permission_classes=[IsAnalystOrReadOnly])
    def snooze(self, request, pk=None):
        return self._act(request, alert_services.alert_snooze, serializers.AlertSnoozeSerializer)


class SubscriptionViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The user's own alert subscriptions (a region, a therapeutic section or a medicine)."""

    serializer_class = serializers.SubscriptionSerializer

    queryset = Subscription.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Subscription.objects.filter(user=self.request.user).select_related("region", "medicine").order_by("id")

    def perform_create(self, serializer):
        serializer.instance = subscription_create(user=self.request.user, **serializer.validated_data)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's in-app inbox; ``read`` marks one read. Only the notifications of alerts the user
    still sees: a notification is written when its alert opens or escalates, and a user whose scope
    shrank since (an establishment user moved, a regional analyst's area narrowed) no longer reads
    what it says about positions outside it (404, as for someone else's notification)."""

    serializer_class = serializers.NotificationSerializer
    filterset_fields = ["alert"]

    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        return Notification.objects.filter(user=user, alert__in=Alert.objects.visible_to(user).values("pk"))

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification_id=self.get_object().pk, user=request.user)
        return Response(self.get_serializer(notification).data)


def _versioned_update(serializer_class):
    """The schema of an update that takes ``If-Match``."""
    return extend_schema(parameters=[IF_MATCH, ETAG], responses={200: serializer_class, 412: PRECONDITION_FAILED})


@extend_schema_view(
    retrieve=VERSIONED_READ,
    create=VERSIONED_READ,
    update=_versioned_update(serializers.ShortageSerializer),
    partial_update=_versioned_update(serializers.ShortageSerializer),
)
class ShortageViewSet(
    VersionETagMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The shortage register; analysts open and update shortages, or open one from a national alert
    or a declared disruption. ``suggestions`` lists alternatives and reallocations. An update sent
    with ``If-Match`` is refused (412) when the shortage changed since."""

    serializer_class = serializers.ShortageSerializer
    filterset_class = filtersets.ShortageFilterSet
    permission_classes = [IsAnalystOrReadOnly]

    def get_queryset(self):
        return (
            Shortage.objects.visible_to(self.request.user).select_related("medicine").prefetch_related("actions__owner")
        )

    def get_object(self):
        """A shortage the user sees (else 404); to change it, one it manages (else 403, before the
        body is read: ``Shortage.is_managed_by``)."""
        shortage = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS:
            register.shortage_manage_require(user=self.request.user, shortage=shortage)
        return shortage

    def perform_create(self, serializer):
        serializer.instance = register.shortage_open(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        version = if_match_version(self.request)
        with precondition_checked():
            serializer.instance = register.shortage_update(
                shortage_id=serializer.instance.pk, user=self.request.user, version=version, **serializer.validated_data
            )

    @extend_schema(responses=serializers.ShortageSuggestionsSerializer)
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        shortage = self.get_object()
        alternatives = selectors.shortage_alternatives(user=request.user, shortage=shortage)
        reallocations = selectors.reallocation_suggestions(user=request.user, shortage=shortage)
        return Response(
            {
                "alternatives": [
                    {**item, "medicine": item["medicine"].pk, "medicine_name": str(item["medicine"])}
                    for item in alternatives
                ],
                "reallocations": [
                    {
                        **item,
                        "establishment": item["establishment"].pk,
                        "establishment_name": item["establishment"].name,
                        "region": item["region"].pk if item["region"] else None,
                    }
                    for item in reallocations
                ],
            }
        )

    @extend_schema(responses=serializers.ShortageProposalsSerializer)
    @action(detail=False, methods=["get"])
    def proposals(self, request):
        proposals = selectors.shortage_proposals(user=request.user)
        return Response(
            {
                "alerts": serializers.AlertSerializer(proposals["alerts"], many=True).data,
                "declarations": [
                    {"id": d.pk, "medicine": d.medicine_id, "company": d.company_id, "cause": d.disruption_cause}
                    for d in proposals["declarations"]
                ],
            }
        )

    @extend_schema(
        request=serializers.ShortageFromAlertSerializer,
        parameters=[ETAG],
        responses={201: serializers.ShortageSerializer},
    )
    @action(detail=False, methods=["post"], url_path="from-alert")
    def from_alert(self, request):
        data = serializers.ShortageFromAlertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=data.validated_data["alert"])
        shortage = register.shortage_open_from_alert(alert_id=alert.pk, user=request.user)
        return Response(self.get_serializer(shortage).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ShortageFromDeclarationSerializer,
        parameters=[ETAG],
        responses={201: serializers.ShortageSerializer},
    )
    @action(detail=False, methods=["post"], url_path="from-declaration")
    def from_declaration(self, request):
        data = serializers.ShortageFromDeclarationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = get_object_or_404(
            SupplyDeclaration.objects.visible_to(request.user), pk=data.validated_data["declaration"]
        )
        shortage = register.shortage_open_from_declaration(declaration_id=declaration.pk, user=request.user)
        return Response(self.get_serializer(shortage).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=VERSIONED_READ,
    create=VERSIONED_READ,
    update=_versioned_update(serializers.MitigationActionSerializer),
    partial_update=_versioned_update(serializers.MitigationActionSerializer),
)
class MitigationActionViewSet(
    VersionETagMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Mitigation actions of the shortages the user may see; analysts add and update them, an update
    sent with ``If-Match`` refused (412) when the action changed since."""

    serializer_class = serializers.MitigationActionSerializer
    filterset_class = filtersets.MitigationActionFilterSet
    permission_classes = [IsAnalystOrReadOnly]

    def get_queryset(self):
        return MitigationAction.objects.visible_to(self.request.user).select_related("owner")

    def get_object(self):
        """An action the user sees (else 404); to change it, one of a shortage it manages (else 403)."""
        action = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS:
            register.shortage_manage_require(user=self.request.user, shortage=action.shortage)
        return action

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        shortage = data.pop("shortage")
        try:
            serializer.instance = register.action_add(shortage_id=shortage.pk, user=self.request.user, **data)
        except Shortage.DoesNotExist as error:  # a shortage the user does not see: as if it did not exist
            raise exceptions.NotFound from error

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("shortage", None)
        version = if_match_version(self.request)
        with precondition_checked():
            serializer.instance = register.action_update(
                action_id=serializer.instance.pk, user=self.request.user, version=version, **data
            )
