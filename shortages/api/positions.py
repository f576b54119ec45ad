"""``GET /api/v1/stock-levels/``: the stock app's rows of codes and quantities, and on demand
(``?expand=medicine,establishment,risk``) what a hospital's software shows beside them: the
medicine's name and dispensing unit, the establishment's name, and the position's latest published
figures (months of stock, status, stockout probability, risk score and level).

The route is registered here rather than in the stock app because the figures come from the
scores, which live above stock. A page costs two queries: its ids (the scope, the filters and the
cursor, through the ORM), then its rows with their names and, with ``risk``, their published
figures (one query of fixed text, ``selectors.stock_level_rows_with_scores``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from shortages.choices import RiskLevel, StockStatus
from shortages.selectors import stock_level_rows_with_scores
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
    model_version = serializers.IntegerField(
        allow_null=True,
        help_text="Version of the learned model that gave the probability; null where the analytical formula did.",
    )
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

    def to_representation(self, row: Mapping) -> dict:
        """From a row of ``selectors.stock_level_rows`` (with ``latest_score`` for ``expand=risk``)."""
        answer = super().to_representation(row)
        expand = self.context.get("expand", ())
        if "medicine" in expand:
            parts = (row["medicine_inn"], row["medicine_strength"], row["medicine_form"])
            answer["medicine_name"] = " ".join(part for part in parts if part)
            answer["medicine_unit"] = row["medicine_unit"]
        if "establishment" in expand:
            answer["establishment_name"] = row["establishment_name"]
        if "risk" in expand:
            answer["risk"] = self._risk(row.get("latest_score"))
        return answer

    @cached_property
    def _labels(self) -> tuple[dict[str, str], dict[str, str]]:
        """Status and level labels in the request's language, translated once for every row."""
        return (
            {value: str(label) for value, label in StockStatus.choices},
            {value: str(label) for value, label in RiskLevel.choices},
        )

    def _risk(self, score: dict | None) -> dict | None:
        if score is None:
            return None
        status, level = score["stock_status"], score["level"]
        status_labels, level_labels = self._labels
        return {
            "as_of": score["as_of"].isoformat(),
            "months_of_stock": _hundredths(score["months_of_stock"]),
            "stock_status": status,
            "stock_status_label": status_labels.get(status, status),
            "stockout_probability": score["stockout_probability"],
            "model_version": score["model_version"],
            "score": score["score"],
            "level": level,
            "level_label": level_labels.get(level, level),
        }


HUNDREDTH = Decimal("0.01")


def _hundredths(value: float | None) -> float | None:
    """``value`` rounded half up to two decimals, as the pages round (Python's ``round`` goes to the
    even digit and works on the binary value: 4.125 gave 4.12)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP))


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

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "expand": self.expansions}

    def rows(self, ids: list[int]) -> list[dict]:
        """With ``expand=risk``, the rows and their published figures in the same query
        (``selectors.stock_level_rows_with_scores``)."""
        return stock_level_rows_with_scores(ids) if "risk" in self.expansions else super().rows(ids)
