"""E-mails of the monthly declaration duty: the reminder of the 1st, the late list after the 5th.

Each e-mail is sent at most once per month and recipient set (a cache key guards it), so a task
that runs twice does not write twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format

from partners.models import Company
from partners.selectors.declarations import declaration_deadline, late_declarants, missing_declarants
from stock import roles

SENT_TTL_SECONDS = 40 * 24 * 3600
SITE_URL = getattr(settings, "SITE_URL", "http://localhost:8000")


def _message(template: str, context: dict, recipients: list[str]) -> EmailMultiAlternatives:
    base = f"emails/partners/{template}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{base}.txt", context), to=sorted(set(recipients))
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


def _month_context(month: dt.date) -> dict:
    deadline = declaration_deadline(month)
    return {
        "month": month,
        "month_label": date_format(month, "F Y"),
        "deadline": date_format(deadline, "j F Y"),
        "deadline_label": date_format(deadline, "j F Y"),
    }


def company_recipients(company: Company) -> list[str]:
    """The company's contact address and its users' addresses (users prefetched by the caller)."""
    addresses = [company.contact_email] + [user.email for user in company.organization.users.all()]
    return [address for address in addresses if address]


def declaration_reminders_send(*, month: dt.date) -> int:
    """Remind every expected declarant that has not declared ``month``; returns e-mails sent."""
    companies = missing_declarants(month=month)
    users = get_user_model().objects.filter(is_active=True).only("email")
    prefetch_related_objects(companies, Prefetch("organization__users", queryset=users))
    context = _month_context(month) | {"declare_url": SITE_URL + reverse("partners:declaration_create")}
    messages = []
    for company in companies:
        recipients = company_recipients(company)
        if recipients and cache.add(f"partners:reminder:{month:%Y-%m}:{company.pk}", 1, SENT_TTL_SECONDS):
            messages.append(_message("declaration_reminder", context | {"company": company}, recipients))
    return (get_connection().send_messages(messages) or 0) if messages else 0


def late_declarants_notify(*, month: dt.date, today: dt.date) -> int:
    """Send analysts the list of late declarants of ``month`` (once); returns e-mails sent."""
    statuses = late_declarants(month=month, today=today)
    analysts = list(
        get_user_model()
        .objects.filter(Q(groups__name=roles.ANALYST) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not statuses or not analysts or not cache.add(f"partners:late:{month:%Y-%m}", 1, SENT_TTL_SECONDS):
        return 0
    context = _month_context(month) | {
        "statuses": statuses,
        "list_url": SITE_URL + reverse("partners:late_declarants") + f"?month={month:%Y-%m}",
    }
    return get_connection().send_messages([_message("late_declarants", context, analysts)]) or 0
