"""Forms of the stock pages."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stock.models import Medicine
from stock.selectors import MEDICINE_CODE_SEPARATOR, medicine_resolve
from stock.templatetags.ui import place_name
from stock.uploads.formats import ACCEPTED_SUFFIXES, upload_refusal


class PlaceChoiceField(forms.ModelChoiceField):
    """A choice of region or province, named in the page's language (Arabic names on Arabic pages)."""

    def label_from_instance(self, obj) -> str:
        return place_name(obj)


class TableFileField(forms.FileField):
    """A file of rows to import: a ``.csv`` or ``.xlsx`` of that format indeed, at most
    ``UPLOAD_MAX_BYTES``, refused before it is stored or read with a message naming the field by
    its label (``stock.uploads.formats``)."""

    widget = forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)})

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("Formats acceptés : .csv (texte en UTF-8 ou Windows-1252) ou .xlsx (classeur Excel sans macro)."),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and (refusal := upload_refusal(file, field=str(self.label))):
            raise forms.ValidationError(refusal, code="format")
        return file


class MonthlyReportUploadForm(forms.Form):
    """A monthly report file, and whether periods already declared are replaced."""

    file = TableFileField(label=_("Fichier (.csv ou .xlsx)"))
    replace = forms.BooleanField(
        label=_("Remplacer les mois déjà déclarés"),
        required=False,
        help_text=_("Sinon, une ligne d'un mois déjà déclaré est refusée et rien n'est importé."),
    )


def medicine_suggestion(medicine: Medicine) -> str:
    """How a medicine is offered and typed back: its name, then its code."""
    return f"{medicine}{MEDICINE_CODE_SEPARATOR}{medicine.code}"


class MedicineSearchInput(forms.TextInput):
    """A text input tied to a ``<datalist>`` of medicines: the page's script fills it from
    ``stock:medicine_suggestions`` as one types; without scripts it holds the candidates of an
    ambiguous entry."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.suggestions: list[Medicine] = []

    def render(self, name, value, attrs=None, renderer=None):
        options_id = f"{(attrs or {}).get('id') or name}-options"
        attrs = {
            **(attrs or {}),
            "list": options_id,
            "data-medicine-search": reverse_lazy("stock:medicine_suggestions"),
        }
        options = format_html_join(
            "", '<option value="{}"></option>', ((medicine_suggestion(m),) for m in self.suggestions)
        )
        return format_html(
            '{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer), options_id, options
        )


class MedicineField(forms.CharField):
    """A medicine typed as its code, words of its name (INN, strength, form), a brand or the EAN-13
    of one of its products; cleaned to the ``Medicine``, or an error naming the candidates."""

    widget = MedicineSearchInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("DCI, nom de marque, code EAN ou code du médicament."))
        super().__init__(max_length=200, **kwargs)

    def prepare_value(self, value):
        return medicine_suggestion(value) if isinstance(value, Medicine) else value

    def clean(self, value) -> Medicine | None:
        text = super().clean(value)
        if not text:
            return None
        matches = medicine_resolve(text)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                gettext("Aucun médicament ne correspond à « %(text)s » (DCI, marque, code EAN ou code).")
                % {"text": text}
            )
        self.widget.suggestions = matches
        raise forms.ValidationError(
            gettext("Plusieurs médicaments correspondent à « %(text)s » : précisez le dosage ou la forme (%(names)s).")
            % {"text": text, "names": " ; ".join(str(m) for m in matches[:4]) + (" ; …" if len(matches) > 4 else "")}
        )
