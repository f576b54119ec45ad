"""Reads the Arabic catalogue (locale/ar/LC_MESSAGES/django.po) with the standard library only, and
names what keeps an entry from being shown: an empty translation, a fuzzy flag, a placeholder lost."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

PO_PATH = Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# %(name)s, %(mb).1f, %s, %d (not %%), {name}, and HTML tags.
NAMED = re.compile(r"%\((\w+)\)[-#0+]*\d*(?:\.\d+)?[sdfi]")
POSITIONAL = re.compile(r"%[-#0+]*\d*(?:\.\d+)?[sdfi]")
BRACED = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?\w+[^>]*>")


@dataclass
class Entry:
    """One catalogue entry: msgctxt, msgid (and plural), its translations by form, and its flags."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def entries_read(text: str) -> list[Entry]:
    """The live entries of a .po text (the header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if current is not None and not line:
                entries.append(current)
                current, target = None, None
            continue
        if current is None:
            current = Entry()
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        value = ast.literal_eval(rest)
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, current.line, target = value, number, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            form = int(keyword[7:-1]) if "[" in keyword else 0
            current.msgstr[form], target = value, ("msgstr", form)
        elif target is not None:  # a continuation line
            name, form = target
            if name == "msgstr":
                current.msgstr[form] += value
            else:
                setattr(current, name, getattr(current, name) + value)
    if current is not None:
        entries.append(current)
    return [entry for entry in entries if entry.msgid]


def untranslated(entries: list[Entry]) -> list[str]:
    """Entries that would show French on an Arabic page: an empty form, or a fuzzy flag."""
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.label} is fuzzy")
        elif not entry.msgstr or any(not text.strip() for text in entry.msgstr.values()):
            problems.append(f"{entry.label} has no translation")
    return problems


def _positional(text: str) -> list[str]:
    return sorted(POSITIONAL.findall(NAMED.sub("", text.replace("%%", ""))))


def placeholders_lost(entries: list[Entry]) -> list[str]:
    """Entries whose translation changes a placeholder or an HTML tag of the French. A plural form
    may leave a named count out ("تنبيهان" says two without the figure), never add one."""
    problems = []
    for entry in entries:
        for form, text in entry.msgstr.items():
            source = entry.msgid if entry.msgid_plural is None or form == 0 else entry.msgid_plural
            named_source, named_text = set(NAMED.findall(source)), set(NAMED.findall(text))
            named_ok = named_text <= named_source if entry.msgid_plural else named_text == named_source
            same = (
                _positional(source) == _positional(text)
                and sorted(BRACED.findall(source)) == sorted(BRACED.findall(text))
                and sorted(TAG.findall(source)) == sorted(TAG.findall(text))
                and source.count("%%") == text.count("%%")
            )
            if not (named_ok and same):
                problems.append(f"{entry.label} form {form}: {text!r}")
    return problems
