"""The home page: each role lands on what it needs first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shortages.selectors_pages import home as home_selectors
from stock import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Analysts: alerts to triage and shortages; industry: declarations due and alerts on what they
    supply; an establishment user with one establishment goes straight to its stock."""
    user = request.user
    if roles.is_analyst(user):
        return render(request, "shortages/home_analyst.html", {"home": home_selectors.analyst_home_get(user=user)})
    if roles.is_industry(user):
        return render(request, "shortages/home_industry.html", {"home": home_selectors.industry_home_get(user=user)})
    if roles.is_establishment(user):
        establishments = home_selectors.establishment_home_get(user=user)
        if len(establishments) == 1:
            return redirect("shortages:establishment_detail", pk=establishments[0].pk)
        return render(request, "shortages/home_establishment.html", {"establishments": establishments})
    return render(request, "shortages/home.html", {"role": "none"})
