"""The user's own API tokens: create one (its value shown once), see them, revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stock import roles
from stock.models import ApiToken
from stock.page_access import role_required
from stock.services.tokens import MAX_ACTIVE_TOKENS, TokenLimitReached, token_issue, token_revoke

TOKEN_ROLES = (roles.ESTABLISHMENT, roles.INDUSTRY, roles.ANALYST)


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Nom du jeton"),
        help_text=gettext_lazy("Pour le reconnaître plus tard : le logiciel ou le poste qui l'utilise."),
    )


@role_required(*TOKEN_ROLES)
def token_list(request):
    """The user's tokens, newest first, and the form to create one; after a creation, its value."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = token_issue(user=request.user, name=form.cleaned_data["name"])
        except TokenLimitReached:
            form.add_error(
                None,
                _("Vous avez déjà %(n)s jetons actifs : révoquez-en un avant d'en créer un autre.")
                % {"n": MAX_ACTIVE_TOKENS},
            )
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm()
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at"))
    now = timezone.now()
    for token in tokens:
        token.api_state = token.state(request.user, now)  # what the API answers to it now
    context = {
        "form": form,
        "created": created,
        "tokens": tokens,
    }
    return render(request, "stock/token_list.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(*TOKEN_ROLES)
def token_revoke_view(request, pk: int):
    """Revoke one of the user's tokens (one already revoked, from a page left open or a second
    click, stays as it was and the page says so)."""
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404
    if token_revoke(token=token, by=request.user):
        messages.success(request, _("Jeton « %(name)s » révoqué : il n'ouvre plus l'API.") % {"name": token.name})
    else:
        messages.info(
            request,
            _("Le jeton « %(name)s » avait déjà été révoqué le %(date)s : rien n'a changé.")
            % {"name": token.name, "date": date_format(timezone.localtime(token.revoked_at), "d/m/Y")},
        )
    return redirect("stock:token_list")
