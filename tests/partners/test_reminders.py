"""The monthly reminder (1st) and the late-declarants e-mail (after the 5th)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from partners import tasks
from partners.models import SupplyDeclaration
from tests import factories
from tests.partners.factories import DeclarationFactory, ProductSupplierFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_beat_runs_the_reminder_on_the_1st_and_the_late_list_on_the_6th():
    schedule = app.conf.beat_schedule
    reminder = schedule["partners-declaration-reminders"]
    late = schedule["partners-late-declarants"]
    assert reminder["task"] == "partners.tasks.declaration_reminders"
    assert reminder["schedule"].day_of_month == {1}
    assert late["schedule"].day_of_month == {6}


def test_the_reminder_goes_to_companies_that_have_not_declared_only(personas):
    # given two supplying companies, one of which declared September
    personas.outside_company.contact_email = "pharmacien@labo.ma"
    personas.outside_company.save(update_fields=["contact_email"])
    ProductSupplierFactory(company=personas.outside_company)
    ProductSupplierFactory(company=personas.member_company)
    DeclarationFactory(company=personas.member_company, month=SEPTEMBER)
    # when
    sent = tasks.declaration_reminders.apply(args=["2026-09-01"]).get()
    # then
    assert sent == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["company@example.ma", "pharmacien@labo.ma"]
    assert "septembre 2026" in message.subject
    assert "5 octobre 2026" in message.subject
    assert "Laboratoire indépendant" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_the_reminder_is_sent_once_per_month(personas):
    ProductSupplierFactory(company=personas.outside_company)
    assert tasks.declaration_reminders("2026-09-01") == 1
    assert tasks.declaration_reminders("2026-09-01") == 0
    assert len(mail.outbox) == 1


def test_a_draft_does_not_count_as_a_declaration(personas):
    ProductSupplierFactory(company=personas.outside_company)
    DeclarationFactory(company=personas.outside_company, month=SEPTEMBER, status="draft")
    assert tasks.declaration_reminders("2026-09-01") == 1


def test_analysts_get_the_late_list_after_the_5th(personas):
    # given one company that never declared and one that declared on time
    ProductSupplierFactory(company=personas.outside_company)
    on_time = DeclarationFactory(company=personas.member_company, month=SEPTEMBER)
    SupplyDeclaration.objects.filter(pk=on_time.pk).update(created_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC))
    factories.UserFactory(username="analyst2", roles=["analyst"])
    # when
    sent = tasks.late_declarants_report("2026-09-01")
    # then
    assert sent == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["analyst2@example.ma", "analyst@example.ma"]
    assert "1 déclarant en retard" in message.subject
    assert "Laboratoire indépendant" in message.body
    assert "Laboratoire membre" not in message.body


def test_a_missing_declarant_is_late_from_the_5th(personas):
    from partners.selectors.declarations import late_declarants

    ProductSupplierFactory(company=personas.outside_company)
    assert late_declarants(month=SEPTEMBER, today=dt.date(2026, 10, 4)) == []
    assert len(late_declarants(month=SEPTEMBER, today=dt.date(2026, 10, 5))) == 1


def test_declaring_before_the_5th_means_before_local_midnight_not_utc_midnight(client, personas):
    # given two first declarations of September around local midnight of 4-5 October
    # (Casablanca is UTC+1 then: 22:59 UTC is 23:59 on the 4th, 23:01 UTC is already the 5th)
    on_time = DeclarationFactory(company=personas.member_company, month=SEPTEMBER)
    late = DeclarationFactory(company=personas.outside_company, month=SEPTEMBER)
    SupplyDeclaration.objects.filter(pk=on_time.pk).update(created_at=dt.datetime(2026, 10, 4, 22, 59, tzinfo=dt.UTC))
    SupplyDeclaration.objects.filter(pk=late.pk).update(created_at=dt.datetime(2026, 10, 4, 23, 1, tzinfo=dt.UTC))
    client.force_login(personas.analyst)

    # when
    response = client.get(reverse("partners:late_declarants"), {"month": "2026-09"})

    # then
    assert [status.company for status in response.context["late"]] == [personas.outside_company]


@pytest.mark.parametrize(
    ("utc_now", "expected_sent"),
    [
        (dt.datetime(2026, 10, 4, 22, 30, tzinfo=dt.UTC), 0),  # 23:30 on the 4th in Casablanca
        (dt.datetime(2026, 10, 4, 23, 30, tzinfo=dt.UTC), 1),  # 00:30 on the 5th in Casablanca
    ],
)
def test_the_late_list_counts_days_in_casablanca_time(personas, monkeypatch, utc_now, expected_sent):
    # given a supplier that never declared September
    ProductSupplierFactory(company=personas.outside_company)
    monkeypatch.setattr(timezone, "now", lambda: utc_now)

    # when the task runs without a month (it takes the previous month of the local date)
    sent = tasks.late_declarants_report()

    # then
    assert sent == expected_sent


def test_the_reminder_just_after_local_midnight_on_the_1st_is_for_the_month_that_ended(personas, monkeypatch):
    # given 23:30 UTC on 30 September, which is 00:30 on 1 October in Casablanca
    ProductSupplierFactory(company=personas.outside_company)
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC))

    # when
    sent = tasks.declaration_reminders()

    # then
    assert sent == 1
    assert "septembre 2026" in mail.outbox[0].subject and "5 octobre 2026" in mail.outbox[0].subject
