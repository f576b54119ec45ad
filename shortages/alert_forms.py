"""Forms of the alert pages (snooze, notification preferences): they parse input and name the field
in error; the rules live in ``shortages.services.alerts`` and ``shortages.services.notifications``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shortages.choices import AlertKind
from shortages.forms import DateInput


class AlertSnoozeForm(forms.Form):
    until = forms.DateField(label=_("En sommeil jusqu'au"), widget=DateInput())
    reason = forms.CharField(label=_("Raison"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class AlertPreferencesForm(forms.Form):
    """The alert kinds the user wants to hear about; the others are opted out of."""

    kinds = forms.MultipleChoiceField(
        label=_("Me prévenir pour ces types d'alertes"),
        choices=AlertKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
