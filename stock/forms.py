"""Forms of the stock pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


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
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux : la limite est de %(mb).1f Mo.") % {"mb": settings.UPLOAD_MAX_BYTES / 1e6}
            )
        if not file.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Format non pris en charge : envoyez un fichier .csv ou .xlsx."))
        return file
