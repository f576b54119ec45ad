"""The Arabic catalogue: every string marked for translation in the code is in it, every entry is
translated and reviewed (none empty, none fuzzy), placeholders kept, six plural forms, and the compiled
.mo in step with the .po (see docs/translation.md)."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management import call_command

from tests.web.arabic_catalogue import MO_PATH, PO_PATH, entries_read, placeholders_lost, untranslated

# What makemessages reads: the code and templates, without the virtualenv, data, docs or catalogues.
NOT_SOURCE = {".git", ".venv", "var", "locale", "static", "staticfiles", "docs", "htmlcov", "node_modules"}
ARABIC_PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"
)
# One count per Arabic plural form, in the order of the Plural-Forms header.
COUNT_PER_FORM = (0, 1, 2, 3, 11, 100)

SAMPLE = r"""
msgid ""
msgstr ""
"Plural-Forms: nplurals=6; plural=0;\n"

msgid "Alertes"
msgstr "التنبيهات"

msgid "Vue nationale"
msgstr ""

#, fuzzy
#| msgid "Détails"
msgid "Détail"
msgstr "التفاصيل"

#, python-format
msgid "%(n)s rupture"
msgid_plural "%(n)s ruptures"
msgstr[0] "%(n)s حالة نفاد"
msgstr[1] ""

#, python-format
msgid "Stock utilisable : %(n)s unités."
msgstr "المخزون القابل للاستعمال: %(m)s وحدة."

#~ msgid "Ancienne entrée"
#~ msgstr ""
"""


def test_the_checks_name_each_kind_of_problem_in_a_catalogue():
    # given a catalogue with an empty entry, a fuzzy one, a half-translated plural and a renamed placeholder
    entries = entries_read(SAMPLE)
    # when
    problems = untranslated(entries)
    lost = placeholders_lost(entries)
    # then each is named with its French, and the obsolete entry is not counted
    assert [entry.msgid for entry in entries] == [
        "Alertes",
        "Vue nationale",
        "Détail",
        "%(n)s rupture",
        "Stock utilisable : %(n)s unités.",
    ]
    assert problems == [
        "line 9: 'Vue nationale' has no translation",
        "line 14: 'Détail' is fuzzy",
        "line 18: '%(n)s rupture' has no translation",
    ]
    assert lost == ["line 24: 'Stock utilisable : %(n)s unités.' form 0: 'المخزون القابل للاستعمال: %(m)s وحدة.'"]


def test_every_entry_of_the_arabic_catalogue_is_translated_and_none_is_fuzzy():
    # given the catalogue as makemessages leaves it
    entries = entries_read(PO_PATH.read_text(encoding="utf-8"))
    # then it holds the strings of the pages, each with a reviewed translation
    assert len(entries) > 700
    assert untranslated(entries) == []


def test_translations_keep_the_placeholders_and_tags_of_the_french():
    entries = entries_read(PO_PATH.read_text(encoding="utf-8"))
    assert placeholders_lost(entries) == []


def test_the_catalogue_declares_the_six_arabic_plural_forms_and_fills_each():
    # given
    text = PO_PATH.read_text(encoding="utf-8")
    header = re.search(r"Plural-Forms: (.*?)\\n", text.replace('"\n"', ""))
    plurals = [entry for entry in entries_read(text) if entry.msgid_plural]
    # then
    assert header and header.group(1) == ARABIC_PLURALS
    assert plurals
    assert all(sorted(entry.msgstr) == [0, 1, 2, 3, 4, 5] for entry in plurals), [e.label for e in plurals]


def test_the_compiled_catalogue_is_in_step_with_the_po():
    # given the .mo that Django reads and the .po it is compiled from
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = entries_read(PO_PATH.read_text(encoding="utf-8"))
    # when each entry is looked up as the pages do
    stale = []
    for entry in entries:
        if entry.msgid_plural is None:
            found = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
            if found != entry.msgstr[0]:
                stale.append(entry.label)
            continue
        for form, count in enumerate(COUNT_PER_FORM):
            found = (
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
                if entry.msgctxt
                else compiled.ngettext(entry.msgid, entry.msgid_plural, count)
            )
            if found != entry.msgstr[form]:
                stale.append(f"{entry.label} form {form}")
    # then nothing was changed in the .po without running compilemessages
    assert stale == []


def _source_copy(target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in NOT_SOURCE
            or name.startswith(".")
            or name == "__pycache__"
            or ((Path(folder) / name).is_file() and not name.endswith((".py", ".html", ".txt")))
        ]

    shutil.copytree(django_settings.BASE_DIR, target, ignore=ignore)


def test_every_string_marked_in_the_code_is_in_the_arabic_catalogue(tmp_path, settings, monkeypatch):
    # given a catalogue extracted afresh, as makemessages would, from a copy of the code
    source = tmp_path / "source"
    _source_copy(source)
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["ar"], no_location=True, verbosity=0)
    fresh = entries_read((source / "locale" / "ar" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    # when it is compared with ours
    ours = {(entry.msgctxt, entry.msgid) for entry in entries_read(PO_PATH.read_text(encoding="utf-8"))}
    missing = sorted(entry.msgid for entry in fresh if (entry.msgctxt, entry.msgid) not in ours)
    # then no string reaches a page without an Arabic entry: run the pass of docs/translation.md
    assert len(fresh) > 700
    assert missing == []
