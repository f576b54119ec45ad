"""Forms of the stock pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stock.templatetags.ui import place_name
from stock.uploads.limits import uploaded_file_refusal


class PlaceChoiceField(forms.ModelChoiceField):
    """A choice of region or province, named in the page's language (Arabic names on Arabic pages)."""

    def label_from_instance(self, obj) -> str:
        return place_name(obj)


class MonthlyReportUploadForm(forms.Form):
    """A monthly report file, and whether periods already declared are replaced."""

    file = forms.FileField(label=_("Fichier (.csv ou .xlsx)"))
    replace = forms.BooleanField(
        label=_("Remplacer les mois déjà déclarés"),
        required=False,
        help_text=_("Sinon, une ligne d'un mois déjà déclaré est refusée et rien n'est importé."),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        refusal = uploaded_file_refusal(file)
        if refusal:
            raise forms.ValidationError(refusal)
        return file
