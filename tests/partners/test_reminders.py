"""The monthly reminder (1st) and the late-declarants e-mail (after the 5th)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache

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


def test_nobody_is_late_before_the_deadline(personas):
    from partners.selectors.declarations import late_declarants

    ProductSupplierFactory(company=personas.outside_company)
    assert late_declarants(month=SEPTEMBER, today=dt.date(2026, 10, 5)) == []
    assert len(late_declarants(month=SEPTEMBER, today=dt.date(2026, 10, 6))) == 1
