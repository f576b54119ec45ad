"""API serializers of the shortages app: shapes only, no rule (rules live in services)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from rest_framework import serializers

from shortages.disclosure import alert_figure_withheld, alert_message_shown, score_shown
from shortages.forms import DESCRIPTION_MAX_LENGTH
from shortages.models import (
    Alert,
    AlertEvent,
    MitigationAction,
    Notification,
    RiskScore,
    ScoringRun,
    Shortage,
    Subscription,
)
from stock import roles
from stock.dates import date_refusal
from stock.models import Establishment, Medicine, Region


class ScoringRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ScoringRun
        fields = [
            "id", "as_of", "scope", "status", "trigger", "chunks_total", "chunks_done", "progress", "positions",
            "medicines", "alerts_opened", "alerts_closed", "error", "created_at", "started_at", "finished_at",
            "duration_seconds",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, run: ScoringRun) -> float:
        """Share of chunks scored (0-1)."""
        return run.chunks_done / run.chunks_total if run.chunks_total else (1.0 if run.status == "succeeded" else 0.0)


class ScoringRunRequestSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="The day scored (default today): not after today, not before 2000-01-01."
    )

    def validate_as_of(self, value):
        """The platform's rule of recorded dates (``stock.dates``): a run of a day to come would
        become the day every user reads."""
        if refusal := date_refusal(value):
            raise serializers.ValidationError(refusal)
        return value


class RiskScoreSerializer(serializers.ModelSerializer):
    medicine_name = serializers.CharField(source="medicine.__str__", read_only=True)
    establishment_name = serializers.CharField(
        source="establishment.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = RiskScore
        fields = [
            "id", "run", "as_of", "medicine", "medicine_name", "establishment", "establishment_name", "region",
            "stock", "usable_stock", "amc", "sigma", "months_of_stock", "days_of_cover", "pipeline",
            "horizon_months", "stockout_probability", "stock_status", "score", "level", "insufficient_data",
            "figures", "contributions",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        """Industry figures of a national score follow the disclosure rule (shortages.disclosure). A
        position row listed for a day answers for that day (it holds from its own ``as_of`` on)."""
        request = self.context.get("request")
        row = super().to_representation(score_shown(user=getattr(request, "user", None), score=instance))
        day = self.context.get("day")
        if day and instance.establishment_id is not None:
            row["as_of"] = day if isinstance(day, str) else day.isoformat()
        return row


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "actor", "run", "from_value", "to_value", "comment", "created_at"]
        read_only_fields = fields


VERSION_HELP = (
    'Changes whenever a field an analyst acts on changes; send it back as `If-Match: "<version>"` with a '
    "write so that it is refused (412) if the object changed since it was read."
)


def version_field(what: str) -> serializers.CharField:
    """The ``version`` of an object (``shortages.versions``), described with the fields it follows."""
    return serializers.CharField(read_only=True, help_text=f"Version of the {what}. {VERSION_HELP}")


class AlertSerializer(serializers.ModelSerializer):
    medicine_name = serializers.CharField(source="medicine.__str__", read_only=True)
    establishment_name = serializers.CharField(
        source="establishment.name", read_only=True, default=None, allow_null=True
    )
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None, allow_null=True)
    version = version_field("alert's status, level, assignee and snooze")

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "medicine", "medicine_name", "establishment", "establishment_name", "region", "level",
            "status", "message", "value", "clear_runs", "assignee", "snoozed_until", "snooze_reason", "opened_at",
            "updated_at", "closed_at", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        """The figure of an alert raised from declarations is for analysts (shortages.disclosure)."""
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        if alert_figure_withheld(user=user, alert=instance):
            data["value"], data["message"] = None, alert_message_shown(user=user, alert=instance)
        return data


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AlertCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AlertSnoozeSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="The alert comes back on this day (at most ALERT_SNOOZE_MAX_DAYS ahead).")
    reason = serializers.CharField(max_length=300)


class AlertAssignSerializer(AlertCommentSerializer):
    # Among analysts only: an alert is assigned to an analyst, and an unknown username and a user who
    # is not one then get the same answer.
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(Q(groups__name=roles.ANALYST) | Q(is_superuser=True)).distinct(),
    )


class SubscriptionSerializer(serializers.ModelSerializer):
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    medicine = serializers.PrimaryKeyRelatedField(queryset=Medicine.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Subscription
        fields = ["id", "region", "therapeutic_section", "medicine", "min_level"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "alert", "subject", "body", "created_at", "emailed_at", "read_at"]
        read_only_fields = fields


class MitigationActionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    from_establishment = serializers.PrimaryKeyRelatedField(
        queryset=Establishment.objects.all(), required=False, allow_null=True
    )
    to_establishment = serializers.PrimaryKeyRelatedField(
        queryset=Establishment.objects.all(), required=False, allow_null=True
    )
    version = version_field("action's kind, status, description, owner, due date and quantity")

    class Meta:
        model = MitigationAction
        fields = [
            "id", "shortage", "kind", "description", "owner", "owner_organization", "due_date", "status",
            "alternative", "from_establishment", "to_establishment", "quantity", "created_at", "updated_at",
            "version",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at", "version"]
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}


class ShortageSerializer(serializers.ModelSerializer):
    medicine_name = serializers.CharField(source="medicine.__str__", read_only=True)
    actions = MitigationActionSerializer(many=True, read_only=True)
    version = version_field("shortage's status, cause, dates and description (not its actions)")

    class Meta:
        model = Shortage
        fields = [
            "id", "medicine", "medicine_name", "status", "cause", "scope", "region", "establishment",
            "description", "started_on", "expected_end", "actual_end", "source_alert", "source_declaration",
            "created_at", "updated_at", "actions", "version",
        ]  # fmt: skip
        read_only_fields = [
            "id", "source_alert", "source_declaration", "created_at", "updated_at", "actions", "version",
        ]  # fmt: skip
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}


class ShortageFromAlertSerializer(serializers.Serializer):
    alert = serializers.IntegerField()


class ShortageFromDeclarationSerializer(serializers.Serializer):
    declaration = serializers.IntegerField()


class DeclarationProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    medicine = serializers.IntegerField()
    company = serializers.IntegerField()
    cause = serializers.CharField()


class ShortageProposalsSerializer(serializers.Serializer):
    alerts = AlertSerializer(many=True)
    declarations = DeclarationProposalSerializer(many=True)


class AlternativeSuggestionSerializer(serializers.Serializer):
    medicine = serializers.IntegerField()
    medicine_name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    level = serializers.CharField()
    months_of_stock = serializers.FloatField(allow_null=True)


class ReallocationSuggestionSerializer(serializers.Serializer):
    establishment = serializers.IntegerField()
    establishment_name = serializers.CharField()
    region = serializers.IntegerField(allow_null=True)
    months_of_stock = serializers.FloatField(allow_null=True)
    surplus = serializers.IntegerField(help_text="Units above the establishment's maximum level.")


class ShortageSuggestionsSerializer(serializers.Serializer):
    alternatives = AlternativeSuggestionSerializer(many=True)
    reallocations = ReallocationSuggestionSerializer(many=True)
