"""The daily digest: one e-mail per user and day listing the alerts of their inbox (or of their
subscriptions) that opened or escalated since their last digest, instead of one e-mail per alert.

A notification goes into a digest while its alert is still active and awake (a snoozed alert waits
for its date, a closed one is no longer news) and its kind is not opted out of. The
``Digest`` row of (user, day) is unique: a task delivered twice, or two workers at once, send it once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shortages.choices import ACTIVE_ALERT_STATUSES
from shortages.models import Alert, AlertOptOut, Digest, Notification

TEMPLATE_PREFIX = "emails/shortages/digest"
LEVEL_ORDER = Case(
    When(alert__level="critical", then=Value(0)),
    When(alert__level="high", then=Value(1)),
    When(alert__level="medium", then=Value(2)),
    When(alert__level="low", then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def pending_notifications(*, day: dt.date) -> QuerySet[Notification]:
    """Notifications not yet e-mailed whose alert is active and awake on ``day``, to users with an
    e-mail address, of kinds they did not opt out of."""
    awake = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES).awake(day)
    return (
        Notification.objects.filter(emailed_at__isnull=True, alert__in=awake.values("pk"), user__is_active=True)
        .exclude(user__email="")
        .exclude(Exists(AlertOptOut.objects.filter(user_id=OuterRef("user_id"), kind=OuterRef("alert__kind"))))
    )


def digest_recipients(*, day: dt.date) -> list[int]:
    """Users with something to read in a digest of ``day`` who have not had that day's digest."""
    sent = Digest.objects.filter(day=day).values("user_id")
    return sorted(set(pending_notifications(day=day).exclude(user_id__in=sent).values_list("user_id", flat=True)))


@transaction.atomic
def digest_send(*, user_id: int, day: dt.date) -> Digest | None:
    """Send ``user_id``'s digest of ``day`` (text and HTML) and mark its notifications e-mailed.
    Returns the digest, or None when there was nothing to send or it was already sent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    pending = list(
        pending_notifications(day=day)
        .filter(user_id=user_id)
        # What the user still sees: a user taken off a region or an establishment since the
        # notification no longer reads its alerts.
        .filter(alert__in=Alert.objects.visible_to(user).values("pk"))
        .select_related("user", "event", "alert__medicine", "alert__establishment", "alert__region")
        .annotate(level_order=LEVEL_ORDER)
        .order_by("created_at", "id")
    )
    if not pending:
        return None
    items = _one_per_alert(pending)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(user_id=user_id, day=day, notifications=len(items))
    except IntegrityError:  # that day's digest is sent (or being sent) by another delivery
        return None
    now = timezone.now()
    Notification.objects.filter(pk__in=[item.pk for item in pending], emailed_at__isnull=True).update(emailed_at=now)
    context = {
        "user": user,
        "day": day,
        "items": items,
        "opened": sum(1 for item in items if item.event.kind == "opened"),
        "escalated": sum(1 for item in items if item.event.kind == "escalated"),
        "site_url": getattr(settings, "SITE_URL", ""),
    }
    # In the site's language whatever language is active where the task runs (an eager task in an
    # Arabic request wrote an Arabic digest in a page declared French).
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMultiAlternatives(
            subject=render_to_string(f"{TEMPLATE_PREFIX}_subject.txt", context).strip()[:200],
            body=render_to_string(f"{TEMPLATE_PREFIX}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"{TEMPLATE_PREFIX}.html", context), "text/html")
    message.send()
    digest.sent_at = timezone.now()
    digest.save(update_fields=["sent_at"])
    return digest


def _one_per_alert(pending: list[Notification]) -> list[Notification]:
    """One line per alert (``pending`` oldest first): an alert opened then escalated, or escalated
    twice, since the last digest is listed once, as the news the user has not read yet (opened, or
    escalated from the level of its first escalation), at its current level; most severe first."""
    first: dict[int, Notification] = {}
    for item in pending:
        first.setdefault(item.alert_id, item)
    return sorted(first.values(), key=lambda item: (item.level_order, item.alert.kind, item.created_at, item.pk))
