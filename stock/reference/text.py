"""Text normalisation shared by the reference-data matchers.

The source files spell the same thing in several ways (accents or not, hyphens or spaces,
apostrophes, upper or title case). Matching is done on a *key*: the text stripped of accents,
lower-cased, with every run of non-alphanumeric characters turned into a single space.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019`´]")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """Return ``text`` without combining accents (``"Fès"`` -> ``"Fes"``, ``"µ"`` is kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(text: str) -> str:
    """Comparison key for place and substance names.

    Accents are stripped, case folded, apostrophes removed (``M'diq`` = ``Mdiq``) and any other
    punctuation or spacing becomes one space, so ``"Tanger-Tétouan-Al Hoceima"`` and
    ``"Tanger Tetouan Al-Hoceima"`` both give ``"tanger tetouan al hoceima"``.
    """
    folded = strip_accents(text).lower()
    folded = _APOSTROPHES.sub("", folded)
    return _NON_ALNUM.sub(" ", folded).strip()


def collapse_spaces(text: str) -> str:
    """Trim ``text`` and reduce every run of whitespace to one space."""
    return _SPACES.sub(" ", text).strip()
