"""Whose establishments a user reads and manages: the one rule behind every ``visible_to`` of
establishment data (stock, lots, ledger, reports, consumption, position scores, position alerts).

- a national analyst (an analyst linked to no region and no province) and a site administrator:
  every establishment;
- a regional analyst (an analyst linked to regions or provinces, ``Region.analysts`` and
  ``Province.analysts``): the establishments of those regions and provinces;
- an establishment user: the establishments they are linked to;
- anybody else (industry users, users without a role): none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL

from stock import roles

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class AnalystArea:
    """The regions and provinces an analyst is linked to (ids)."""

    region_ids: frozenset[int]
    province_ids: frozenset[int]
    # Regions of the linked provinces: a province analyst follows its region's roll-ups.
    province_region_ids: frozenset[int]

    @property
    def all_region_ids(self) -> frozenset[int]:
        return self.region_ids | self.province_region_ids

    def __bool__(self) -> bool:
        return bool(self.region_ids or self.province_ids)


EMPTY_AREA = AnalystArea(frozenset(), frozenset(), frozenset())


def analyst_area(user: Any) -> AnalystArea:
    """The regions and provinces ``user`` is linked to as an analyst (one query, cached on the user);
    empty for a national analyst and for anybody who is not an analyst."""
    if not roles.is_analyst(user) or user.is_superuser:
        return EMPTY_AREA
    cached = getattr(user, "_analyst_area", None)
    if cached is None:
        # One query: the user's region links and province links, joined side by side (a handful each).
        rows = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list("analyst_regions", "analyst_provinces", "analyst_provinces__region")
        )
        regions, provinces, province_regions = set(), set(), set()
        for region_id, province_id, province_region_id in rows:
            regions.add(region_id)
            provinces.add(province_id)
            province_regions.add(province_region_id)
        cached = AnalystArea(
            frozenset(regions - {None}), frozenset(provinces - {None}), frozenset(province_regions - {None})
        )
        user._analyst_area = cached
    return cached


def access_annotations(user_column: str) -> dict[str, RawSQL]:
    """Annotations for the query that loads a user whose id is ``user_column`` (a qualified column,
    such as an API token's ``user_id``): the user's role groups (``access_roles``, one bit per role
    of ``roles.ROLES``) and whether the user is linked to a region or a province
    (``access_linked``). :func:`access_remember` then spares the queries of :func:`roles.role_names`
    and, for everyone linked to no region or province, of :func:`analyst_area`. Plain SQL, and the
    roles in one subquery: the ORM's subqueries cost more to build than the query costs to run, and
    PostgreSQL planned one ``EXISTS`` per role in 0.6-0.7 ms against 0.2-0.4 ms for the one sum, on
    every API request."""
    user_model = get_user_model()
    groups = user_model.groups.through
    group_table, group_column = groups._meta.db_table, groups._meta.get_field("group").column
    user_column_of_groups = groups._meta.get_field(user_model._meta.model_name).column
    name_table = groups._meta.get_field("group").related_model._meta.db_table
    bits = " ".join(f"WHEN %s THEN {1 << index}" for index in range(len(roles.ROLES)))
    annotations = {
        # Table and column names come from the models' metadata; the role names are parameters.
        "access_roles": RawSQL(  # noqa: S611
            f"SELECT SUM(CASE {name_table}.name {bits} ELSE 0 END) FROM {group_table} JOIN {name_table} "  # noqa: S608
            f"ON {name_table}.id = {group_table}.{group_column} WHERE {group_table}.{user_column_of_groups} = {user_column}",
            tuple(roles.ROLES),
            output_field=IntegerField(),
        )
    }
    links = []
    for relation in ("analyst_regions", "analyst_provinces"):
        through = user_model._meta.get_field(relation).through
        column = through._meta.get_field(user_model._meta.model_name).column
        links.append(f"EXISTS (SELECT 1 FROM {through._meta.db_table} WHERE {column} = {user_column})")  # noqa: S608
    annotations["access_linked"] = RawSQL(" OR ".join(links), (), output_field=BooleanField())  # noqa: S611
    return annotations


def access_remember(user: Any, annotated: Any) -> None:
    """Cache on ``user`` what :func:`access_annotations` read on ``annotated``."""
    mask = annotated.access_roles or 0
    user._role_names = frozenset(name for index, name in enumerate(roles.ROLES) if mask & (1 << index))
    if not annotated.access_linked:
        user._analyst_area = EMPTY_AREA


def is_regional_analyst(user: Any) -> bool:
    """An analyst linked to at least one region or province."""
    return bool(analyst_area(user))


def is_national_analyst(user: Any) -> bool:
    """An analyst (or site administrator) linked to no region and no province: sees everything."""
    return roles.is_analyst(user) and not analyst_area(user)


def establishment_scope(user: Any, path: str = "") -> Q | None:
    """The condition on establishments (reached through ``path``, such as ``"establishment__"``)
    that ``user`` may read and manage; None when nothing is restricted (national analysts).

    The condition names the establishments by id (:func:`readable_establishment_ids`), on the rows'
    own column: through the users link or the regions, PostgreSQL had to guess how many rows an
    establishment holds, and for a page in id order it could walk a whole table backwards (2.6 s on
    the national ledger for an establishment user without movements, docs/performance.md)."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if is_national_analyst(user):
        return None
    ids = readable_establishment_ids(user)
    if not ids:
        return NOTHING
    return Q(**{f"{path}id__in": sorted(ids)})


def readable_establishment_ids(user: Any) -> frozenset[int]:
    """The establishments a user restricted to some of them reads: those of the regions and
    provinces they are linked to as an analyst, and those they are linked to as an establishment
    user. One query, cached on the user like its roles (a request's user object lives for the
    request)."""
    cached = getattr(user, "_establishment_ids", None)
    if cached is not None:
        return cached
    parts = []
    area = analyst_area(user)
    if area:
        parts.append(Q(region__in=area.region_ids) | Q(province__in=area.province_ids))
    if roles.is_establishment(user):
        parts.append(Q(users=user))
    cached = frozenset()
    if parts:
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        establishments = apps.get_model("stock", "Establishment").objects.filter(condition)
        cached = frozenset(establishments.values_list("id", flat=True).distinct())
    user._establishment_ids = cached
    return cached


def within(queryset: QuerySet, user: Any, path: str = "") -> QuerySet:
    """``queryset`` restricted to the establishments ``user`` may read (see :func:`establishment_scope`)."""
    condition = establishment_scope(user, path)
    if condition is None:
        return queryset
    if condition is NOTHING:
        return queryset.none()
    return queryset.filter(condition)
