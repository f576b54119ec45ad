"""``GET /api/v1/stock-levels/``: the stock app's rows of codes and quantities, and on demand
(``?expand=medicine,establishment,risk``) what a hospital's software shows beside them: the
medicine's name and dispensing unit, the establishment's name, and the position's latest published
figures (months of stock, status, stockout probability, risk score and level).

The route is registered here rather than in the stock app because the figures come from the
scores, which live above stock. The names are columns of the list's one query; the figures are one
more query for the page (``selectors.position_latest_scores``): the count stays flat.
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from shortages.choices import RiskLevel, StockStatus
from shortages.selectors import position_latest_scores
from stock.api import serializers as stock_serializers
from stock.api import views as stock_views

EXPANSIONS = ("medicine", "establishment", "risk")
EXPAND_PARAMETER = OpenApiParameter(
    "expand",
    OpenApiTypes.STR,
    description=(
        "Comma-separated: `medicine` adds `medicine_name` and `medicine_unit`, `establishment` adds "
        "`establishment_name`, `risk` adds the position's latest published figures (`risk`)."
    ),
)


class PositionRiskSerializer(serializers.Serializer):
    """The latest published figures of one position."""

    as_of = serializers.DateField(help_text="Day of the scores.")
    months_of_stock = serializers.FloatField(allow_null=True, help_text="Usable stock / adjusted monthly use.")
    stock_status = serializers.ChoiceField(choices=StockStatus.choices)
    stock_status_label = serializers.CharField()
    stockout_probability = serializers.FloatField(allow_null=True, help_text="0-1, over the resupply horizon.")
    score = serializers.FloatField(allow_null=True, help_text="0-100.")
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    level_label = serializers.CharField()


class StockLevelExpandedSerializer(stock_serializers.StockLevelSerializer):
    """A stock level; the fields below are present only when ``expand`` asks for them."""

    medicine_name = serializers.CharField(read_only=True, required=False, help_text="expand=medicine")
    medicine_unit = serializers.CharField(read_only=True, required=False, help_text="expand=medicine")
    establishment_name = serializers.CharField(read_only=True, required=False, help_text="expand=establishment")
    risk = PositionRiskSerializer(
        read_only=True, required=False, allow_null=True, help_text="expand=risk; null when not scored."
    )

    class Meta(stock_serializers.StockLevelSerializer.Meta):
        fields = [
            *stock_serializers.StockLevelSerializer.Meta.fields,
            "medicine_name",
            "medicine_unit",
            "establishment_name",
            "risk",
        ]

    def to_representation(self, instance) -> dict:
        row = super().to_representation(instance)
        expand = self.context.get("expand", ())
        if "medicine" in expand:
            parts = (instance.medicine_inn, instance.medicine_strength, instance.medicine_form)
            row["medicine_name"] = " ".join(part for part in parts if part)
            row["medicine_unit"] = instance.medicine_unit
        if "establishment" in expand:
            row["establishment_name"] = instance.establishment_name
        if "risk" in expand:
            row["risk"] = _risk(getattr(instance, "latest_score", None))
        return row


# Value -> label (translated when shown), looked up once per row instead of building the enum's
# list of values twice per row.
STATUS_LABELS = dict(StockStatus.choices)
LEVEL_LABELS = dict(RiskLevel.choices)


def _risk(score: dict | None) -> dict | None:
    if score is None:
        return None
    status, level = score["stock_status"], score["level"]
    return {
        "as_of": score["as_of"].isoformat(),
        "months_of_stock": None if score["months_of_stock"] is None else round(score["months_of_stock"], 2),
        "stock_status": status,
        "stock_status_label": str(STATUS_LABELS.get(status, status)),
        "stockout_probability": score["stockout_probability"],
        "score": score["score"],
        "level": level,
        "level_label": str(LEVEL_LABELS.get(level, level)),
    }


@extend_schema_view(
    list=extend_schema(parameters=[EXPAND_PARAMETER]), retrieve=extend_schema(parameters=[EXPAND_PARAMETER])
)
class StockLevelViewSet(stock_views.StockLevelViewSet):
    """Units of each medicine held by each establishment the user may see; with ``expand``, the
    names and the latest risk of each position."""

    serializer_class = StockLevelExpandedSerializer

    @property
    def expansions(self) -> tuple[str, ...]:
        asked = [part.strip() for part in self.request.query_params.get("expand", "").split(",") if part.strip()]
        unknown = sorted(set(asked) - set(EXPANSIONS))
        if unknown:
            message = _("Extension inconnue : %(names)s ; valeurs possibles : %(expected)s.")
            raise ValidationError(
                {"expand": [message % {"names": ", ".join(unknown), "expected": ", ".join(EXPANSIONS)}]}
            )
        return tuple(asked)

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        expand = self.expansions
        if "medicine" in expand:
            queryset = queryset.annotate(
                medicine_inn=F("medicine__inn"),
                medicine_strength=F("medicine__strength"),
                medicine_form=F("medicine__dosage_form"),
                medicine_unit=F("medicine__dispensing_unit"),
            )
        if "establishment" in expand:
            queryset = queryset.annotate(establishment_name=F("establishment__name"))
        if "risk" in expand:
            queryset = queryset.annotate(
                position_establishment=F("establishment_id"), position_medicine=F("medicine_id")
            )
        return queryset

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "expand": self.expansions}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and "risk" in self.expansions:
            _attach_scores(page)
        return page

    def get_object(self):
        level = super().get_object()
        if "risk" in self.expansions:
            _attach_scores([level])
        return level


def _attach_scores(levels) -> None:
    scores = position_latest_scores(pairs={(level.position_establishment, level.position_medicine) for level in levels})
    for level in levels:
        level.latest_score = scores.get((level.position_establishment, level.position_medicine))
