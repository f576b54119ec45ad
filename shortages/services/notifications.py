"""Notifications: an in-app message per subscribed user when an alert opens or escalates, and its e-mail.

Who hears about an alert: users subscribed to its region, its medicine's therapeutic section or its
medicine, at or above the subscription's minimum level, and allowed to see the alert (analysts all;
establishment users their establishments' alerts; industry users national alerts).
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from shortages.models import Alert, AlertEvent, Notification, Subscription
from shortages.services.alerts import LEVEL_RANK
from stock import roles
from stock.models import Establishment

TEMPLATE_PREFIX = "emails/shortages/alert"


def _audience(alerts: pd.DataFrame) -> pd.DataFrame:
    """(alert_id, user_id) pairs: subscribed, at or above the minimum level, allowed to see it."""
    subscriptions = pd.DataFrame.from_records(
        list(
            Subscription.objects.values_list("user_id", "region_id", "therapeutic_section", "medicine_id", "min_level")
        ),
        columns=["user_id", "region_id", "therapeutic_section", "medicine_id", "min_level"],
    )
    if subscriptions.empty or alerts.empty:
        return pd.DataFrame(columns=["alert_id", "user_id"])
    matches = pd.concat(
        [
            alerts.merge(subscriptions.dropna(subset=["region_id"]), on="region_id")[
                ["alert_id", "user_id", "level", "min_level"]
            ],
            alerts.merge(subscriptions.loc[subscriptions["therapeutic_section"] != ""], on="therapeutic_section")[
                ["alert_id", "user_id", "level", "min_level"]
            ],
            alerts.merge(subscriptions.dropna(subset=["medicine_id"]), on="medicine_id")[
                ["alert_id", "user_id", "level", "min_level"]
            ],
        ]
    )
    matches = matches.loc[matches["level"].map(LEVEL_RANK) >= matches["min_level"].map(LEVEL_RANK)]
    matches = matches.drop_duplicates(["alert_id", "user_id"])
    users = get_user_model().objects.filter(pk__in=matches["user_id"].unique().tolist()).prefetch_related("groups")
    analyst_ids = {user.pk for user in users if roles.is_analyst(user)}
    industry_ids = {user.pk for user in users if any(group.name == roles.INDUSTRY for group in user.groups.all())}
    linked = set(
        Establishment.users.through.objects.filter(user_id__in=matches["user_id"].unique().tolist()).values_list(
            "user_id", "establishment_id"
        )
    )
    matches = matches.merge(alerts[["alert_id", "establishment_id"]], on="alert_id")
    allowed = [
        user_id in analyst_ids
        or (pd.isna(establishment_id) and user_id in industry_ids)
        or (not pd.isna(establishment_id) and (user_id, int(establishment_id)) in linked)
        for user_id, establishment_id in zip(matches["user_id"], matches["establishment_id"], strict=True)
    ]
    return matches.loc[allowed, ["alert_id", "user_id"]]


def _context(alert: Alert, event: AlertEvent) -> dict:
    return {"alert": alert, "event": event, "site_url": getattr(settings, "SITE_URL", "")}


@transaction.atomic
def notifications_create(*, events: list[AlertEvent]) -> list[int]:
    """In-app notifications for opening and escalation ``events`` (already saved). Returns their ids."""
    if not events:
        return []
    alert_ids = {event.alert_id for event in events}
    alerts_by_id = Alert.objects.select_related("medicine", "establishment", "region").in_bulk(alert_ids)
    alerts = pd.DataFrame.from_records(
        [
            {
                "alert_id": alert.pk,
                "region_id": alert.region_id,
                "establishment_id": alert.establishment_id,
                "medicine_id": alert.medicine_id,
                "therapeutic_section": alert.medicine.therapeutic_section,
                "level": alert.level,
            }
            for alert in alerts_by_id.values()
        ]
    )
    audience = _audience(alerts)
    event_by_alert = {event.alert_id: event for event in events}
    notifications = []
    for alert_id, user_id in zip(audience["alert_id"], audience["user_id"], strict=True):
        alert, event = alerts_by_id[int(alert_id)], event_by_alert[int(alert_id)]
        context = _context(alert, event)
        notifications.append(
            Notification(
                user_id=int(user_id),
                alert=alert,
                event=event,
                subject=render_to_string(f"{TEMPLATE_PREFIX}_subject.txt", context).strip()[:200],
                body=render_to_string(f"{TEMPLATE_PREFIX}.txt", context),
            )
        )
    created = Notification.objects.bulk_create(notifications, batch_size=1000, ignore_conflicts=True)
    ids = [notification.pk for notification in created if notification.pk is not None]
    if len(ids) < len(created):  # ignore_conflicts does not return ids: read them back
        ids = list(Notification.objects.filter(event__in=[event.pk for event in events]).values_list("pk", flat=True))
    return ids


def notifications_email_send(*, notification_ids: list[int]) -> int:
    """E-mail the notifications not yet e-mailed (text and HTML); returns how many were sent.

    Each e-mail is marked sent in its own short transaction, so a retry never sends one twice."""
    sent = 0
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "user", "alert__medicine", "alert__establishment", "alert__region", "event"
    )
    for notification in pending:
        if not notification.user.email:
            continue
        with transaction.atomic():
            claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if not claimed:
                continue
            context = _context(notification.alert, notification.event)
            message = EmailMultiAlternatives(
                subject=notification.subject,
                body=notification.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.user.email],
            )
            message.attach_alternative(render_to_string(f"{TEMPLATE_PREFIX}.html", context), "text/html")
            message.send()
            sent += 1
    return sent


@transaction.atomic
def notification_mark_read(*, notification_id: int, user) -> Notification:
    """The user has read one of their notifications."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def subscription_create(
    *, user, region=None, therapeutic_section: str = "", medicine=None, min_level: str = "high"
) -> Subscription:
    """Subscribe ``user`` to exactly one of: a region, a therapeutic section, a medicine."""
    from django.core.exceptions import ValidationError

    targets = [region is not None, bool(therapeutic_section.strip()), medicine is not None]
    if sum(targets) != 1:
        raise ValidationError(
            {"non_field_errors": [_("Choisissez exactement une région, une section ou un médicament.")]}
        )
    if min_level not in LEVEL_RANK or min_level == "unknown":
        raise ValidationError({"min_level": [_("Niveau inconnu.")]})
    return Subscription.objects.create(
        user=user,
        region=region,
        therapeutic_section=therapeutic_section.strip(),
        medicine=medicine,
        min_level=min_level,
    )
