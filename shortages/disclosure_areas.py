"""Disclosure of the figures of a medicine in an area (a region, a province, the establishments of
one level): a figure built from few establishments' positions is one establishment's stock.

The design says an industry user sees national aggregates, never one establishment's stock, and an
establishment user reads its own establishments only. A position is one establishment's medicine
(one per establishment and medicine on a day), so the positions an area's figure is built from
count its establishments.

The rule (docs/partners.md, "Disclosure of regional figures"), in the pages, the API and the
exports: a figure of a medicine in an area, built from positions, is shown to a user who cannot
read every position of the area (:mod:`stock.scopes`) only when it rests on at least
``MIN_ESTABLISHMENTS`` establishments. Otherwise its figures are withheld (``None``) and the row
says why (:data:`FEW_ESTABLISHMENTS`); the row itself stays, named, with its count of positions,
so that the reader sees the area exists.

The areas withheld could be found again by difference, as the national total beside them minus
the areas shown. So when the areas withheld for few establishments rest together on fewer than
``MIN_ESTABLISHMENTS``, the smallest other areas the user cannot read are withheld as well
(:data:`COMPLEMENT`) until they do.

Who reads an area whole: a national analyst every area; a regional analyst the regions it is linked
to and their provinces; an analyst linked to provinces those provinces (not their regions);
establishment and industry users none, unless every position of the area is one they read (an
establishment user alone in its area with the medicine), where the positions are known
(:func:`shown_for`). Unknown counts (a score stored before they were) are not enough.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import Any, TypeVar

from stock import scopes

MIN_ESTABLISHMENTS = 3
#: Reasons a row's figures are withheld.
FEW_ESTABLISHMENTS = "few_establishments"
COMPLEMENT = "complement"
#: Figures of a national score per region (keys: region ids as text) under the rule, and the
#: positions each share rests on (those of its denominator: the positions with consumption).
REGIONAL_SHARES = "share_at_risk_by_region"
REGIONAL_COUNTS = "positions_counted_by_region"
#: What a national score says a non-national analyst of its regional figures: {region id: reason}.
REGIONS_WITHHELD = "regions_withheld"

Area = TypeVar("Area", bound=Hashable)


def rests_on_enough(establishments: int | None) -> bool:
    """True when a figure built from ``establishments`` positions may be shown to anybody."""
    return establishments is not None and establishments >= MIN_ESTABLISHMENTS


def reads_country_whole(user: Any) -> bool:
    """True when ``user`` reads every position of the country: a national analyst."""
    return scopes.is_national_analyst(user)


def establishments_read(user: Any) -> frozenset[int] | None:
    """The establishments whose positions ``user`` reads (ids, cached on the user:
    :func:`stock.scopes.readable_establishment_ids`); None: every one (a national analyst)."""
    if reads_country_whole(user):
        return None
    if user is None or not user.is_authenticated:
        return frozenset()
    return scopes.readable_establishment_ids(user)


def shown_for(establishments: Collection[int], *, readable: frozenset[int] | None) -> bool:
    """The rule for a figure built from the positions of ``establishments`` (ids), for a user who
    reads the positions of ``readable`` (None: every one): shown when the user reads them all or
    they are at least ``MIN_ESTABLISHMENTS``."""
    distinct = set(establishments)
    return readable is None or readable.issuperset(distinct) or len(distinct) >= MIN_ESTABLISHMENTS


def regions_read_whole(user: Any) -> frozenset[int] | None:
    """The regions whose every position ``user`` reads (ids); None: every region (a national
    analyst). A regional analyst's linked regions; nothing for anybody else."""
    if reads_country_whole(user):
        return None
    return scopes.analyst_area(user).region_ids


def withheld_areas(counts: Mapping[Area, int | None], *, read_whole: Callable[[Area], bool]) -> dict[Area, str]:
    """The areas of ``counts`` ({area: establishments its figures rest on}) whose figures are
    withheld from a user who reads whole the areas ``read_whole`` says, each with its reason:
    :data:`FEW_ESTABLISHMENTS` below ``MIN_ESTABLISHMENTS`` establishments, then :data:`COMPLEMENT`
    for the smallest others (fewest establishments first, then by key) while the withheld areas
    rest together on fewer."""
    withheld = {
        area: FEW_ESTABLISHMENTS
        for area, establishments in counts.items()
        if not read_whole(area) and not rests_on_enough(establishments)
    }
    if not withheld:
        return withheld
    resting = sum(counts[area] or 0 for area in withheld)
    others = sorted(
        ((counts[area] or 0, str(area), area) for area in counts if area not in withheld and not read_whole(area)),
        key=lambda item: item[:2],
    )
    for establishments, _, area in others:
        if resting >= MIN_ESTABLISHMENTS:
            break
        withheld[area] = COMPLEMENT
        resting += establishments
    return withheld


def regional_figures_shown(*, user: Any, figures: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of a national score with its regional shares as ``user`` may read them: a national
    analyst reads them all; anybody else gets ``None`` for the regions withheld and
    :data:`REGIONS_WITHHELD` ({region id: reason}, empty when none is)."""
    figures = dict(figures)
    whole = regions_read_whole(user)
    if whole is None:
        return figures
    shares = dict(figures.get(REGIONAL_SHARES) or {})
    counts = figures.get(REGIONAL_COUNTS) or {}
    withheld = withheld_areas(
        {region: counts.get(region) for region in shares}, read_whole=lambda region: int(region) in whole
    )
    if REGIONAL_SHARES in figures:
        figures[REGIONAL_SHARES] = {region: None if region in withheld else share for region, share in shares.items()}
    figures[REGIONS_WITHHELD] = withheld
    return figures
