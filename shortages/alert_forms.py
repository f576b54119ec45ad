"""Forms of the alert pages (acknowledge, assign, comment, snooze, resolve, notification
preferences): they parse input, keep what the analyst typed and name the field in error; the rules
live in ``shortages.services.alerts`` and ``shortages.services.notifications``.

The forms that change the alert (take in hand, assign, snooze, resolve) also post, hidden, the
alert's ``version`` when the page was drawn, which the service compares under the alert's lock
(``shortages.services.concurrency``): a page left open while another analyst assigned the alert or
put it to sleep would otherwise overwrite that analyst's choice without either of them knowing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shortages.choices import AlertKind
from shortages.forms import DESCRIPTION_MAX_LENGTH, AnalystChoiceField, DateInput

# The page's forms share one page: each gets ids of its own (``auto_id``), so that every label names
# its own field (three of them have a ``comment``).
FORM_IDS = {
    "acknowledge": "ack_%s",
    "assign": "assign_%s",
    "comment": "comment_%s",
    "snooze": "snooze_%s",
    "resolve": "resolve_%s",
}


def _comment(label, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AlertAcknowledgeForm(forms.Form):
    comment = _comment(_("Commentaire (facultatif)"))


class AlertResolveForm(forms.Form):
    comment = _comment(_("Résolution"))


class AlertCommentForm(forms.Form):
    comment = _comment(_("Commentaire"), required=True)


class AlertAssignForm(forms.Form):
    """The analyst to give the alert to, among ``analysts`` (those who may act on it)."""

    assignee = AnalystChoiceField(
        queryset=None,
        label=_("Assigner à"),
        empty_label="—",
        error_messages={
            "required": _("Choisissez un analyste."),
            "invalid_choice": _("Choisissez un analyste."),
            "invalid_pk_value": _("Choisissez un analyste."),
        },
    )
    comment = _comment(_("Commentaire (facultatif)"))

    def __init__(self, *args, analysts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = analysts


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
