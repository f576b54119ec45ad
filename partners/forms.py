"""Forms of the partners pages. They parse and report errors by field; the rules themselves live in
the services (``declaration_errors`` is shared with the API and the upload)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.choices import DisruptionCause, SupplyKind
from partners.models import Company
from partners.services.declarations import DeclarationData, SupplyLineData, declaration_errors
from stock.dates import month_refusal
from stock.forms import MedicineField, TableFileField

MONTH_INPUT_FORMATS = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]


class MonthField(forms.DateField):
    """A month typed as AAAA-MM, returned as its first day; refused outside the platform's months
    (``stock.dates.month_refusal``: from 2000-01, not after the current month)."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": _("AAAA-MM")}, format="%Y-%m")
    default_error_messages = {"invalid": _("Indiquez un mois (AAAA-MM) ou le premier jour du mois.")}

    def __init__(self, **kwargs):
        super().__init__(input_formats=MONTH_INPUT_FORMATS, **kwargs)

    def to_python(self, value):
        month = super().to_python(value)
        return month.replace(day=1) if month else month

    def validate(self, value):
        super().validate(value)
        if value and (refusal := month_refusal(value)):
            raise ValidationError(refusal, code="out_of_range")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DeclarationForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(), label=_("Entreprise"), empty_label=_("Choisissez l'entreprise")
    )
    medicine = MedicineField(label=_("Médicament"))
    month = MonthField(label=_("Mois déclaré"))
    stock_on_hand = forms.IntegerField(min_value=0, label=_("Stock au dernier jour du mois (unités)"))
    monthly_sales = forms.IntegerField(min_value=0, label=_("Ventes du mois (unités)"))
    disruption = forms.BooleanField(required=False, label=_("Rupture prévue ou en cours"))
    disruption_cause = forms.ChoiceField(
        choices=[("", "—"), *DisruptionCause.choices], required=False, label=_("Cause de la rupture")
    )
    disruption_start = forms.DateField(required=False, widget=DateInput(), label=_("Début prévu"))
    disruption_end = forms.DateField(required=False, widget=DateInput(), label=_("Fin prévue"))
    api_origin_country = forms.CharField(required=False, max_length=60, label=_("Pays d'origine du principe actif"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.covered_by(user).select_related("organization")
        self.supply_lines: tuple[SupplyLineData, ...] = ()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field, messages in declaration_errors(self.to_data()).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def to_data(self) -> DeclarationData:
        values = {name: self.cleaned_data.get(name) for name in self.fields}
        return DeclarationData(
            **{
                **values,
                "disruption_cause": values["disruption_cause"] or "",
                "api_origin_country": values["api_origin_country"] or "",
            },
            supply_lines=self.supply_lines,
        )


class SupplyLineForm(forms.Form):
    expected_on = forms.DateField(widget=DateInput(), label=_("Date prévue"))
    quantity = forms.IntegerField(min_value=1, label=_("Quantité (unités)"))
    # No preselected kind: an untouched extra row must stay empty, not become a half-filled line.
    kind = forms.ChoiceField(choices=[("", "—"), *SupplyKind.choices], label=_("Type"))


SupplyLineFormSet = forms.formset_factory(SupplyLineForm, extra=3, max_num=12, validate_max=True)


def supply_lines_from(formset) -> tuple[SupplyLineData, ...]:
    """The filled rows of a valid supply-line formset."""
    return tuple(
        SupplyLineData(**form.cleaned_data) for form in formset.forms if form.has_changed() and form.cleaned_data
    )


class DeclarationUploadForm(forms.Form):
    file = TableFileField(label=_("Fichier CSV ou XLSX"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accepter")), ("reject", _("Rejeter"))], label=_("Décision"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Commentaire"))


class ProgressForm(forms.Form):
    reported_on = forms.DateField(widget=DateInput(), label=_("Date de la mesure"), initial=timezone.localdate)
    value = forms.DecimalField(max_digits=14, decimal_places=2, label=_("Valeur"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Commentaire"))


class ComplianceForm(forms.Form):
    """The month of the late-declarants and safety-stock pages; empty means the previous month."""

    month = MonthField(required=False, label=_("Mois"))
