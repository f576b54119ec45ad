"""Who hears about an alert that opens or escalates: the users whose inbox holds it, and the users
subscribed to its region, its medicine's therapeutic section or its medicine (at or above the
subscription's minimum level) who may see it; minus the kinds each user opted out of.

The inbox and visibility rules are the queryset's (``Alert.objects.inbox_of`` and ``visible_to``):
asked per user for analysts and industry users (a few dozen), and read from the establishment links
in one query for establishment users (thousands), whose rule is just "my establishments".
"""

from __future__ import annotations

import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Q

from shortages.choices import LEVEL_RANK
from shortages.models import Alert, AlertOptOut, Subscription
from stock import roles
from stock.models import Establishment

PAIRS = ["alert_id", "user_id"]


def _subscribed(alerts: pd.DataFrame) -> pd.DataFrame:
    """(alert_id, user_id) pairs of subscriptions that match, at or above their minimum level."""
    subscriptions = pd.DataFrame.from_records(
        list(
            Subscription.objects.values_list("user_id", "region_id", "therapeutic_section", "medicine_id", "min_level")
        ),
        columns=["user_id", "region_id", "therapeutic_section", "medicine_id", "min_level"],
    )
    if subscriptions.empty:
        return pd.DataFrame(columns=PAIRS)
    columns = ["alert_id", "user_id", "level", "min_level"]
    matches = pd.concat(
        [
            alerts.merge(subscriptions.dropna(subset=["region_id"]), on="region_id")[columns],
            alerts.merge(subscriptions.loc[subscriptions["therapeutic_section"] != ""], on="therapeutic_section")[
                columns
            ],
            alerts.merge(subscriptions.dropna(subset=["medicine_id"]), on="medicine_id")[columns],
        ]
    )
    matches = matches.loc[matches["level"].map(LEVEL_RANK) >= matches["min_level"].map(LEVEL_RANK)]
    return matches[PAIRS].drop_duplicates()


def _establishment_links(alerts: pd.DataFrame) -> pd.DataFrame:
    """(alert_id, user_id) of the establishment users linked to each position alert's establishment."""
    positions = alerts.dropna(subset=["establishment_id"])
    if positions.empty:
        return pd.DataFrame(columns=PAIRS)
    links = pd.DataFrame.from_records(
        list(
            Establishment.users.through.objects.filter(
                establishment_id__in=positions["establishment_id"].astype("int64").unique().tolist(),
                user__groups__name=roles.ESTABLISHMENT,
                user__is_active=True,
            ).values_list("establishment_id", "user_id")
        ),
        columns=["establishment_id", "user_id"],
    )
    return positions.assign(establishment_id=positions["establishment_id"].astype("int64")).merge(
        links, on="establishment_id"
    )[PAIRS]


def alert_audience(alerts: pd.DataFrame) -> pd.DataFrame:
    """(alert_id, user_id) pairs to notify for ``alerts`` (columns ``alert_id``, ``kind``,
    ``establishment_id``, ``region_id``, ``medicine_id``, ``therapeutic_section``, ``level``,
    ``snoozed``): inbox holders and allowed subscribers, snoozed alerts and opted-out kinds left out."""
    if alerts.empty:
        return pd.DataFrame(columns=PAIRS)
    alerts = alerts.loc[~alerts["snoozed"]]
    ids = alerts["alert_id"].astype("int64").tolist()
    subscribed = _subscribed(alerts)
    linked = _establishment_links(alerts)
    # Analysts, industry users and any other subscriber: the queryset's own rules, per user.
    asked = get_user_model().objects.filter(
        Q(groups__name__in=[roles.ANALYST, roles.INDUSTRY]) | Q(pk__in=subscribed["user_id"].unique().tolist()),
        is_active=True,
    )
    followed_by = subscribed.groupby("user_id")["alert_id"].apply(set).to_dict()
    pairs = [linked]
    for user in asked.distinct():
        in_scope = Alert.objects.filter(pk__in=ids)
        wanted = set(in_scope.inbox_of(user).values_list("pk", flat=True))
        followed = followed_by.get(user.pk)
        if followed:
            wanted |= set(in_scope.visible_to(user).filter(pk__in=followed).values_list("pk", flat=True))
        pairs.append(pd.DataFrame({"alert_id": sorted(wanted), "user_id": user.pk}))
    audience = pd.concat(pairs, ignore_index=True).astype("int64").drop_duplicates()
    opted_out = pd.DataFrame.from_records(
        list(
            AlertOptOut.objects.filter(user_id__in=audience["user_id"].unique().tolist()).values_list("user_id", "kind")
        ),
        columns=["user_id", "kind"],
    )
    if opted_out.empty:
        return audience
    audience = audience.merge(alerts[["alert_id", "kind"]].astype({"alert_id": "int64"}), on="alert_id")
    audience = audience.merge(opted_out.assign(muted=True), on=["user_id", "kind"], how="left")
    return audience.loc[audience["muted"].isna(), PAIRS]
