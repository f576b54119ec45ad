"""Notifications: an in-app message per user when an alert of their inbox (or of a subscription)
opens or escalates; subscriptions and the kinds a user opts out of. E-mail goes out once a day, in
the digest (:mod:`shortages.services.digests`), never one message per alert.

Who hears about an alert: :func:`shortages.services.audience.alert_audience`.
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shortages.choices import LEVEL_RANK, AlertKind
from shortages.models import Alert, AlertEvent, AlertOptOut, Notification, Subscription
from shortages.services.audience import alert_audience

TEMPLATE_PREFIX = "emails/shortages/alert"


def _context(alert: Alert, event: AlertEvent) -> dict:
    return {"alert": alert, "event": event, "site_url": getattr(settings, "SITE_URL", "")}


@transaction.atomic(savepoint=False)  # called within the alert sync's transaction: no savepoint of its own
def notifications_create(*, events: list[AlertEvent]) -> list[int]:
    """In-app notifications for opening and escalation ``events`` (already saved). Returns their ids."""
    if not events:
        return []
    alert_ids = {event.alert_id for event in events}
    alerts_by_id = Alert.objects.select_related("medicine", "establishment", "region").in_bulk(alert_ids)
    today = timezone.localdate()
    alerts = pd.DataFrame.from_records(
        [
            {
                "alert_id": alert.pk,
                "kind": alert.kind,
                "region_id": alert.region_id,
                "establishment_id": alert.establishment_id,
                "medicine_id": alert.medicine_id,
                "therapeutic_section": alert.medicine.therapeutic_section,
                "level": alert.level,
                "snoozed": alert.is_snoozed(today),
            }
            for alert in alerts_by_id.values()
        ]
    )
    audience = alert_audience(alerts)
    event_by_alert = {event.alert_id: event for event in events}
    # The text names the alert and its event, not the reader: rendered once per alert, however many
    # users hear of it (a run that opens a thousand alerts notifies several users of each).
    texts: dict[int, tuple[str, str]] = {}
    notifications = []
    for alert_id, user_id in zip(audience["alert_id"].tolist(), audience["user_id"].tolist(), strict=True):
        alert, event = alerts_by_id[alert_id], event_by_alert[alert_id]
        if alert_id not in texts:
            context = _context(alert, event)
            # Stored and read by everyone: in the site's language, not that of whoever started the
            # run (a run started from the API in Arabic wrote every user's notifications in Arabic).
            with translation.override(settings.LANGUAGE_CODE):
                texts[alert_id] = (
                    render_to_string(f"{TEMPLATE_PREFIX}_subject.txt", context).strip()[:200],
                    render_to_string(f"{TEMPLATE_PREFIX}.txt", context),
                )
        subject, body = texts[alert_id]
        notifications.append(Notification(user_id=user_id, alert=alert, event=event, subject=subject, body=body))
    created = Notification.objects.bulk_create(notifications, batch_size=1000, ignore_conflicts=True)
    ids = [notification.pk for notification in created if notification.pk is not None]
    if len(ids) < len(created):  # ignore_conflicts does not return ids: read them back
        ids = list(Notification.objects.filter(event__in=[event.pk for event in events]).values_list("pk", flat=True))
    return ids


@transaction.atomic
def notification_mark_read(*, notification_id: int, user) -> Notification:
    """The user has read one of their notifications (one of an alert they still see)."""
    notification = (
        Notification.objects.select_for_update()
        .filter(alert__in=Alert.objects.visible_to(user).values("pk"))
        .get(pk=notification_id, user=user)
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def subscription_create(
    *, user, region=None, therapeutic_section: str = "", medicine=None, min_level: str = "high"
) -> Subscription:
    """Subscribe ``user`` to exactly one of: a region, a therapeutic section, a medicine."""
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


@transaction.atomic
def alert_opt_outs_set(*, user, kinds: list[str]) -> list[str]:
    """``user`` hears nothing about alerts of ``kinds`` from now on (and again about the others).
    Returns the kinds opted out of, sorted."""
    unknown = sorted(set(kinds) - set(AlertKind.values))
    if unknown:
        raise ValidationError({"kinds": [_("Type d'alerte inconnu : %(kinds)s.") % {"kinds": ", ".join(unknown)}]})
    wanted = set(kinds)
    AlertOptOut.objects.filter(user=user).exclude(kind__in=wanted).delete()
    existing = set(AlertOptOut.objects.filter(user=user).values_list("kind", flat=True))
    AlertOptOut.objects.bulk_create([AlertOptOut(user=user, kind=kind) for kind in sorted(wanted - existing)])
    return sorted(wanted)
