"""Scheduled tasks of the partners app (beat entries in config/celery.py)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from partners.selectors.declarations import previous_month
from partners.services.reminders import declaration_reminders_send, late_declarants_notify


@shared_task
def declaration_reminders(month: str | None = None) -> int:
    """On the 1st: remind the companies that have not declared the previous month (or ``month``,
    YYYY-MM-DD). Returns the number of e-mails sent; a second run sends none."""
    target = dt.date.fromisoformat(month) if month else previous_month(timezone.localdate())
    return declaration_reminders_send(month=target)


@shared_task
def late_declarants_report(month: str | None = None) -> int:
    """After the 5th: send analysts the late declarants of the previous month (or ``month``)."""
    today = timezone.localdate()
    target = dt.date.fromisoformat(month) if month else previous_month(today)
    return late_declarants_notify(month=target, today=today)
