"""The learned prediction's pages: the model page for analysts (active models, stored models, latest
backtest, activation and roll-back) and one position's probability explained."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from shortages import charts
from shortages.models.learning import PredictionModel
from shortages.selectors_pages.position import position_page_get
from shortages.selectors_pages.prediction import prediction_page_get
from shortages.services import model_choice
from stock import roles, scopes
from stock.models import Establishment, Medicine
from stock.page_access import role_required

POPULATION_TITLES = {
    "A": _l("Population A : positions non en rupture en fin de mois"),
    "C": _l("Population C : toutes les positions"),
}


@role_required(roles.ANALYST)
def prediction_model(request: HttpRequest) -> HttpResponse:
    """The active model of each horizon, the stored models and the latest backtest of each horizon."""
    page = prediction_page_get()
    backtests = [
        (
            backtest,
            [
                (
                    str(POPULATION_TITLES[name]),
                    charts.reliability_chart(
                        [(row.low, row.high, row.mean_probability, row.observed) for row in bins],
                        title=_("Fiabilité de la probabilité, population %(name)s") % {"name": name},
                        x_title=_("Probabilité donnée (moyenne par dixième)"),
                        y_title=_("Part observée en rupture"),
                        description=_("Diagonale en pointillés : probabilité parfaitement calibrée."),
                    ),
                    bins,
                )
                for name, bins in backtest.reliability.items()
            ],
        )
        for backtest in page.backtests
    ]
    return render(
        request,
        "shortages/prediction_model.html",
        {"page": page, "backtests": backtests, "can_choose": scopes.is_national_analyst(request.user)},
    )


def _choose(request: HttpRequest, action: Callable[[], PredictionModel], done: str) -> HttpResponse:
    try:
        row = action()
    except PredictionModel.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"version": row.version})
    return redirect("shortages:prediction_model")


@require_POST
@role_required(roles.ANALYST)
def prediction_model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a stored model the active one of its horizon."""
    return _choose(
        request,
        lambda: model_choice.active_model_set(model_id=pk, user=request.user),
        _("Le modèle v%(version)s est maintenant actif."),
    )


@require_POST
@role_required(roles.ANALYST)
def prediction_model_rollback(request: HttpRequest, horizon: int) -> HttpResponse:
    """Give the horizon back to the model that was active before the current one."""
    return _choose(
        request,
        lambda: model_choice.active_model_roll_back(horizon_months=horizon, user=request.user),
        _("Retour au modèle v%(version)s."),
    )


@role_required(roles.ANALYST, roles.ESTABLISHMENT)
def position_detail(request: HttpRequest, pk: int, medicine_id: int) -> HttpResponse:
    """One establishment's medicine: its figures, its probability, what it has meant and why."""
    try:
        page = position_page_get(user=request.user, establishment_id=pk, medicine_id=medicine_id)
    except (Establishment.DoesNotExist, Medicine.DoesNotExist) as error:
        raise Http404 from error
    return render(request, "shortages/position_detail.html", {"page": page})
