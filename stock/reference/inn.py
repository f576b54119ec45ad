"""Matching English INNs (WHO, McGill) to the French DCIs of the CNOPS list.

Both sides are reduced to a *substance key*: the set of its words, each translated to a common
vocabulary (``acide`` -> ``acid``, ``chlorhydrate`` -> ``hydrochloride``, ``sodique`` ->
``sodium``...) and then to a spelling skeleton that erases the usual French/English differences
(``ph``/``f``, ``th``/``t``, ``y``/``i``, doubled letters, ``-ique``/``-ic``, the French final
``e``: ``oxaliplatine`` and ``oxaliplatin`` both give ``oxaliplatin``). Word order does not count,
so ``bicarbonate de sodium`` = ``sodium bicarbonate``.

A name matches when
1. its key equals the French key (*normalised* match), or
2. one side is a bare active moiety and the other is the same moiety as a salt, ester or hydrate
   (``Levothyroxine`` = ``LEVOTHYROXINE SODIQUE``, ``Potassium`` = ``CHLORURE DE POTASSIUM``):
   the *salt* match. Two different salts of one moiety never match each other.
3. the reviewed crosswalk (``crosswalk-inn-en-fr.csv``) lists the pair: for names no spelling rule
   can bridge (``Nitroglycerin`` -> ``TRINITRINE``, vaccines, insulins...).

A crosswalk target is read three ways:

- ``NAME``: a substance, as it appears in a CNOPS DCI (one component of a combination or all of
  a single-substance DCI); the English name matches that substance wherever it is used.
- ``!NAME``: a veto: a rule match to that substance that review found wrong is dropped
  (``Sulfadiazine`` -> ``!SULFADIAZINE``: the only CNOPS namesake is the silver salt cream).
- ``=DCI``: one whole CNOPS DCI, components and all (``=BENZOCAINE / ESCULOSIDE``), for an English
  name that stands for a preparation rather than a substance (``Anti-hemorrhoidal``). The name
  matches that DCI as a unit and none of its substances: other products containing benzocaine
  are not found through it. It lands in :attr:`InnMatch.dcis`, not :attr:`InnMatch.french`.

English names may carry aliases in parentheses or after ``/`` (``Paracetamol (Acetaminophen)``):
each alias is tried. French parentheses (``ACIDE ASCORBIQUE (VITAMINE C)``) are aliases too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stock.reference import files
from stock.reference.text import name_key

#: Words with no meaning for identity.
FILLER_WORDS: frozenset[str] = frozenset({"de", "d", "du", "des", "la", "le", "l", "of", "and", "et", "the"})

#: French (or variant English) words -> the common vocabulary, applied before the skeleton.
VOCABULARY: dict[str, str] = {
    "acide": "acid",
    "sodique": "sodium",
    "disodique": "disodium",
    "calcique": "calcium",
    "potassique": "potassium",
    "chlorhydrate": "hydrochloride",
    "chlorure": "chloride",
    "bromure": "bromide",
    "fluorure": "fluoride",
    "sulfure": "sulfide",
    "iodure": "iodide",
    "hydroxyde": "hydroxide",
    "oxyde": "oxide",
    "peroxyde": "peroxide",
    "fer": "iron",
    "ferreux": "iron",
    "ferrous": "iron",
    "argent": "silver",
    "vitamine": "vitamin",
    "facteur": "factor",
    "alpha": "alfa",
    "sulphate": "sulfate",
    "mesilate": "mesylate",
    "anhydre": "anhydrous",
}

#: Counter-ions, esters and hydration words that do not change the active moiety (English
#: spelling; compared as skeletons). Cations are separate: for a mineral salt the cation *is*
#: the moiety (CHLORURE DE POTASSIUM is potassium), unless the anion is itself active.
ANIONS: tuple[str, ...] = (
    "hydrochloride", "chloride", "bromide", "iodide", "hydrobromide", "sulfate", "acetate",
    "maleate", "mesylate", "besilate", "tartrate", "fumarate", "citrate", "gluconate",
    "digluconate", "lactate", "succinate", "nitrate", "phosphate", "carbonate", "hydroxide",
    "propionate", "dipropionate", "butyrate", "valerate", "furoate", "pidolate", "aspartate",
    "anhydrous", "monohydrate", "dihydrate", "trihydrate", "hemihydrate", "hydrate",
)  # fmt: skip
CATIONS: tuple[str, ...] = ("sodium", "disodium", "potassium", "calcium", "magnesium", "meglumine")
#: Anions that are the active part of a mineral salt (calcium bromide is a bromide sedative).
ACTIVE_ANIONS: tuple[str, ...] = ("bromide", "iodide")

_PARENTHESES = re.compile(r"\(([^)]*)\)")
_APOSTROPHES = re.compile(r"['\u2019]")
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """Spelling skeleton of one lower-case ASCII word: ``"oxaliplatine"`` -> ``"oxaliplatin"``.

    ``ph``->``f``, ``th``->``t``, ``y``->``i``, ``ae``/``oe``->``e``, ``-ique``->``-ic``, doubled
    letters single, final ``e`` dropped (after the other rules).
    """
    word = VOCABULARY.get(word, word)
    word = word.replace("ph", "f").replace("th", "t").replace("y", "i")
    word = word.replace("ae", "e").replace("oe", "e")
    if word.endswith("ique"):
        word = word[: -len("ique")] + "ic"
    word = _DOUBLED.sub(r"\1", word)
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


_ANION_WORDS = frozenset(skeleton(word) for word in ANIONS)
_CATION_WORDS = frozenset(skeleton(word) for word in CATIONS)
_ACTIVE_ANION_WORDS = frozenset(skeleton(word) for word in ACTIVE_ANIONS)


@dataclass(frozen=True)
class SubstanceKey:
    """``full``: every meaningful word; ``moiety``: the same without salt and hydrate words."""

    full: frozenset[str]
    moiety: frozenset[str]

    @property
    def is_bare(self) -> bool:
        """True when the name is the moiety alone (no salt, ester or hydrate word)."""
        return self.full == self.moiety


def substance_key(name: str) -> SubstanceKey:
    """Key of one substance name, French or English, without its parenthesised part."""
    # An elided article is a word of its own here: HYDROXYDE D'ALUMINIUM -> hydroxyde d aluminium.
    text = _APOSTROPHES.sub(" ", _PARENTHESES.sub(" ", name))
    words = [skeleton(word) for word in name_key(text).split() if word not in FILLER_WORDS]
    full = frozenset(words)
    moiety = full - _ANION_WORDS - _CATION_WORDS
    if not moiety:  # a mineral salt: keep the cation (CHLORURE DE POTASSIUM -> potassium)
        moiety = full - (_ANION_WORDS - _ACTIVE_ANION_WORDS)
    return SubstanceKey(full=full, moiety=moiety or full)


def name_variants(name: str, separators: str = "/") -> list[str]:
    """A name followed by its aliases: ``"Paracetamol (Acetaminophen)"`` -> both names.

    Parenthesised parts are split on commas; the head is split on ``separators``.
    """
    aliases = [alias for group in _PARENTHESES.findall(name) for alias in group.split(",")]
    head = _PARENTHESES.sub(" ", name)
    heads = re.split(f"[{re.escape(separators)}]", head) if separators else [head]
    variants = [part.strip() for part in [*heads, *aliases]]
    return [variant for variant in dict.fromkeys(variants) if name_key(variant)]


@dataclass(frozen=True)
class InnMatch:
    """French substance names found for one English name.

    ``method`` joins the rules that found something (``crosswalk``, ``normalised``, ``salt``);
    ``via_salt`` holds the names found by the salt rule alone (a weaker match); ``dcis`` holds the
    whole DCIs of ``=DCI`` crosswalk rows (a class of preparation matched to given products).
    """

    english: str
    french: tuple[str, ...]
    method: str
    via_salt: frozenset[str] = frozenset()
    dcis: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return bool(self.french or self.dcis)


def load_inn_crosswalk(directory: Path | None = None) -> dict[str, list[str]]:
    """Reviewed pairs of ``crosswalk-inn-en-fr.csv``: ``name_key(en) -> [French names]``."""
    crosswalk: dict[str, list[str]] = defaultdict(list)
    for row in files.read_rows(files.INN_CROSSWALK_CSV, directory):
        crosswalk[name_key(row["en"])].append(row["fr"].strip())
    return dict(crosswalk)


class InnMatcher:
    """Finds, for an English INN, the French substance names of a given vocabulary.

    ``french_names`` are the substances that may be matched (the components of the CNOPS DCIs),
    ``dci_names`` the whole DCIs that ``=DCI`` crosswalk targets may name; crosswalk targets must
    be among them (:meth:`unknown_crosswalk_targets` lists any that are not).
    """

    def __init__(
        self, french_names: Iterable[str], crosswalk: dict[str, list[str]], dci_names: Iterable[str] = ()
    ) -> None:
        self.french_names = tuple(dict.fromkeys(french_names))
        self.dci_names = tuple(dict.fromkeys(dci_names))
        self.crosswalk = crosswalk
        self._by_full: dict[frozenset[str], list[str]] = defaultdict(list)
        self._by_moiety: dict[frozenset[str], list[tuple[str, SubstanceKey]]] = defaultdict(list)
        for french in self.french_names:
            for variant in name_variants(french, separators=""):
                key = substance_key(variant)
                self._by_full[key.full].append(french)
                self._by_moiety[key.moiety].append((french, key))

    def unknown_crosswalk_targets(self) -> list[str]:
        """Crosswalk targets that are not in the vocabulary (a stale or mistyped row)."""
        substances, dcis = set(self.french_names), set(self.dci_names)
        return [
            target
            for targets in self.crosswalk.values()
            for target in targets
            if (target[1:] not in dcis if target.startswith("=") else target.lstrip("!") not in substances)
        ]

    def match(self, english: str) -> InnMatch:
        """French names for ``english``: reviewed crosswalk rows, normalised and salt matches.

        A crosswalk target written ``!NAME`` vetoes a rule match that review found wrong; one
        written ``=DCI`` gives a whole DCI (:attr:`InnMatch.dcis`), never its substances.
        """
        variants = name_variants(english)
        reviewed = [fr for text in dict.fromkeys([english, *variants]) for fr in self.crosswalk.get(name_key(text), [])]
        vetoed = {fr[1:] for fr in reviewed if fr.startswith("!")}
        whole_dcis = tuple(dict.fromkeys(fr[1:] for fr in reviewed if fr.startswith("=")))
        reviewed = [fr for fr in reviewed if not fr.startswith(("!", "="))]
        normalised: list[str] = []
        salts: list[str] = []
        for variant in variants:
            key = substance_key(variant)
            normalised.extend(self._by_full.get(key.full, []))
            salts.extend(
                french
                for french, french_key in self._by_moiety.get(key.moiety, [])
                if key.is_bare or french_key.is_bare
            )
        hits = {
            "crosswalk": list(dict.fromkeys(reviewed)),
            "normalised": [fr for fr in dict.fromkeys(normalised) if fr not in vetoed and fr not in reviewed],
            "salt": [fr for fr in dict.fromkeys(salts) if fr not in vetoed and fr not in reviewed + normalised],
        }
        french = tuple(fr for found in hits.values() for fr in found)
        found_by = {**hits, "crosswalk": hits["crosswalk"] or whole_dcis}
        method = "+".join(label for label, found in found_by.items() if found) or "none"
        return InnMatch(english, french, method, via_salt=frozenset(hits["salt"]), dcis=whole_dcis)
