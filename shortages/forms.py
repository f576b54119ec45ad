"""Forms of the shortage register pages. They parse input and name the field in error; the rules
live in ``shortages.services.register``."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from shortages.choices import ActionKind, ActionStatus, ShortageCause, ShortageScope, ShortageStatus
from stock import roles
from stock.forms import MedicineField, PlaceChoiceField
from stock.models import Establishment, Medicine, Region

# A shortage's or an action's description: a few paragraphs, not a document (200 KB were accepted).
DESCRIPTION_MAX_LENGTH = 5000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _analysts():
    return get_user_model().objects.filter(groups__name=roles.ANALYST, is_active=True).order_by("username")


class AnalystChoiceField(forms.ModelChoiceField):
    """An analyst, offered by the name the pages show (``person``: full name, else username)."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ShortageOpenForm(forms.Form):
    medicine = MedicineField(label=_("Médicament"))
    status = forms.ChoiceField(
        choices=[
            (ShortageStatus.ANTICIPATED, ShortageStatus.ANTICIPATED.label),
            (ShortageStatus.ONGOING, ShortageStatus.ONGOING.label),
        ],
        label=_("Statut"),
    )
    cause = forms.ChoiceField(choices=ShortageCause.choices, label=_("Cause"))
    scope = forms.ChoiceField(choices=ShortageScope.choices, label=_("Portée"))
    region = PlaceChoiceField(queryset=Region.objects.order_by("code"), required=False, label=_("Région"))
    establishment = forms.ModelChoiceField(
        queryset=Establishment.objects.all(),
        to_field_name="code",
        required=False,
        label=_("Code de l'établissement"),
        widget=forms.TextInput(),
        error_messages={"invalid_choice": _("Code établissement inconnu.")},
    )
    started_on = forms.DateField(widget=DateInput(), label=_("Début"))
    expected_end = forms.DateField(widget=DateInput(), required=False, label=_("Fin prévue"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        label=_("Description"),
    )


class ShortageFromAlertForm(forms.Form):
    """The shortage an alert proposes, edited before it enters the register; the medicine and the
    scope are the alert's."""

    status = forms.ChoiceField(choices=ShortageOpenForm.base_fields["status"].choices, label=_("Statut"))
    cause = forms.ChoiceField(choices=ShortageCause.choices, label=_("Cause"))
    started_on = forms.DateField(widget=DateInput(), label=_("Début"))
    expected_end = forms.DateField(widget=DateInput(), required=False, label=_("Fin prévue"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        label=_("Description"),
    )


class ShortageUpdateForm(forms.Form):
    """A shortage's life: its status, cause, dates and description. The start is there for the day a
    shortage anticipated for a later day begins (or began earlier than foreseen): an ongoing
    shortage may not start in the future, and the form used to offer no way to say when it began.
    Left out or empty, the start stays as it is (``service_fields``): a shortage always has one."""

    status = forms.ChoiceField(choices=ShortageStatus.choices, label=_("Statut"))
    cause = forms.ChoiceField(choices=ShortageCause.choices, label=_("Cause"))
    started_on = forms.DateField(widget=DateInput(), required=False, label=_("Début"))
    expected_end = forms.DateField(widget=DateInput(), required=False, label=_("Fin prévue"))
    actual_end = forms.DateField(widget=DateInput(), required=False, label=_("Fin réelle"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        label=_("Description"),
    )

    def service_fields(self) -> dict:
        """The changes the service takes: every field, but an empty start (the start is kept)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "started_on" or value}


class ActionAddForm(forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices, label=_("Action"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        label=_("Description"),
    )
    owner = AnalystChoiceField(queryset=_analysts(), required=False, label=_("Responsable"), empty_label=_("Aucun"))
    due_date = forms.DateField(widget=DateInput(), required=False, label=_("Échéance"))
    alternative = forms.ModelChoiceField(
        queryset=Medicine.objects.none(), required=False, label=_("Alternative"), empty_label=_("Aucune")
    )
    from_establishment = forms.ModelChoiceField(
        queryset=Establishment.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(),
        label=_("Depuis (code établissement)"),
        error_messages={"invalid_choice": _("Code établissement inconnu.")},
    )
    to_establishment = forms.ModelChoiceField(
        queryset=Establishment.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(),
        label=_("Vers (code établissement)"),
        error_messages={"invalid_choice": _("Code établissement inconnu.")},
    )
    quantity = forms.IntegerField(min_value=1, required=False, label=_("Quantité"))

    def __init__(self, *args, medicine: Medicine | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _analysts()
        if medicine is not None:
            self.fields["alternative"].queryset = medicine.alternatives.order_by("inn")

    def service_fields(self) -> dict:
        """The cleaned values the service takes, without the empty ones."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label=_("Statut"))
