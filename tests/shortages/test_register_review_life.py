"""A shortage's life on its page (review of the register): an anticipated shortage becomes ongoing
on the day it began, an avoided one is not refused by a database constraint's name, a status set
back to anticipated does not keep the end of a resolution, actions are owned by named analysts, and
a regional analyst is told why a national shortage is not theirs.

Before: the update form had no start date, so a shortage anticipated for a later day could not be
marked ongoing ("Le début d'une rupture en cours ou terminée ne peut pas être dans le futur." above
the form, naming no field); "Évitée" before the anticipated start answered "La contrainte
« shortage_actual_end_after_start » n'est pas respectée."; "Anticipée" with a "Fin réelle" was
saved; the owner list showed usernames beside the full names of the table; and a regional analyst
posting to a national shortage, or opening one from a national alert, read "Cette page n'est pas
ouverte à votre rôle"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shortages.choices import AlertKind, ShortageStatus
from shortages.models import Alert, Shortage
from tests import factories

pytestmark = pytest.mark.django_db


def _shortage(status: str, started_on: dt.date, **fields) -> Shortage:
    return Shortage.objects.create(
        medicine=factories.MedicineFactory(),
        cause="import",
        scope="national",
        status=status,
        started_on=started_on,
        **fields,
    )


def _form(shortage: Shortage, **changes) -> dict:
    form = {
        "status": shortage.status,
        "cause": shortage.cause,
        "started_on": shortage.started_on.isoformat(),
        "expected_end": "",
        "actual_end": shortage.actual_end.isoformat() if shortage.actual_end else "",
        "description": shortage.description,
    }
    return form | changes


def test_an_anticipated_shortage_becomes_ongoing_on_the_day_it_began(client, personas):
    # given a shortage anticipated for next week, which began yesterday after all
    today = timezone.localdate()
    shortage = _shortage(ShortageStatus.ANTICIPATED, today + dt.timedelta(days=7))
    client.force_login(personas.analyst)
    url = reverse("shortages:shortage_update", args=[shortage.pk])
    # when it is marked ongoing without moving its start, then with the day it began
    with translation.override("fr"):
        refused = client.post(url, _form(shortage, status="ongoing"))
        done = client.post(
            url, _form(shortage, status="ongoing", started_on=(today - dt.timedelta(days=1)).isoformat())
        )
    # then the first is refused on the start field, the second recorded
    assert refused.status_code == 400
    assert 'id="update_started_on_error">Le début d&#x27;une rupture en cours' in refused.content.decode()
    assert done.status_code == 302
    shortage.refresh_from_db()
    assert (shortage.status, shortage.started_on) == (ShortageStatus.ONGOING, today - dt.timedelta(days=1))


def test_a_shortage_avoided_before_its_start_has_no_end(client, personas):
    # given a shortage anticipated for next month
    shortage = _shortage(ShortageStatus.ANTICIPATED, timezone.localdate() + dt.timedelta(days=30))
    client.force_login(personas.analyst)
    # when it is avoided
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:shortage_update", args=[shortage.pk]), _form(shortage, status="avoided")
        )
    # then it is recorded, with no end (it never began), and no constraint is named
    assert response.status_code == 302, response.content.decode()
    shortage.refresh_from_db()
    assert (shortage.status, shortage.actual_end) == (ShortageStatus.AVOIDED, None)


def test_a_shortage_avoided_after_its_planned_start_ends_today(client, personas):
    shortage = _shortage(ShortageStatus.ANTICIPATED, timezone.localdate() - dt.timedelta(days=3))
    client.force_login(personas.analyst)
    client.post(reverse("shortages:shortage_update", args=[shortage.pk]), _form(shortage, status="avoided"))
    shortage.refresh_from_db()
    assert (shortage.status, shortage.actual_end) == (ShortageStatus.AVOIDED, timezone.localdate())


def test_back_to_anticipated_the_end_of_the_resolution_must_go(client, personas):
    # given a resolved shortage
    today = timezone.localdate()
    shortage = _shortage(
        ShortageStatus.RESOLVED, today - dt.timedelta(days=20), actual_end=today - dt.timedelta(days=2)
    )
    client.force_login(personas.analyst)
    url = reverse("shortages:shortage_update", args=[shortage.pk])
    # when it is set back to anticipated with its end still filled in, then emptied
    with translation.override("fr"):
        refused = client.post(url, _form(shortage, status="anticipated"))
        done = client.post(url, _form(shortage, status="anticipated", actual_end=""))
    # then
    assert refused.status_code == 400
    assert 'id="update_actual_end_error">Une rupture anticipée n&#x27;a pas encore de fin réelle.' in (
        refused.content.decode()
    )
    assert done.status_code == 302
    shortage.refresh_from_db()
    assert (shortage.status, shortage.actual_end) == (ShortageStatus.ANTICIPATED, None)


def test_the_owner_list_names_analysts_as_the_actions_table_does(client, personas):
    # given
    personas.analyst.first_name, personas.analyst.last_name = "Nadia", "Bennani"
    personas.analyst.save()
    shortage = _shortage(ShortageStatus.ONGOING, timezone.localdate() - dt.timedelta(days=3))
    client.force_login(personas.analyst)
    # when
    html = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    # then
    assert f'<option value="{personas.analyst.pk}">Nadia Bennani</option>' in html


@pytest.fixture
def regional(personas):
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("shortage_update", {"status": "resolved", "cause": "import"}),
        ("action_add", {"kind": "other", "description": "Relance"}),
    ],
)
def test_a_regional_analyst_is_told_why_a_national_shortage_is_not_theirs(client, personas, regional, name, body):
    # given a national shortage, which the regional analyst reads
    shortage = _shortage(ShortageStatus.ONGOING, timezone.localdate() - dt.timedelta(days=3))
    client.force_login(regional)
    # when it posts to it
    with translation.override("fr"):
        response = client.post(reverse(f"shortages:{name}", args=[shortage.pk]), body)
    # then the shortage's page answers 403 with the reason
    html = response.content.decode()
    assert response.status_code == 403
    assert "Les ruptures nationales sont gérées par les analystes nationaux." in html
    assert "pas ouverte à votre rôle" not in html
    shortage.refresh_from_db()
    assert shortage.status == ShortageStatus.ONGOING and not shortage.actions.exists()


def test_a_regional_analyst_is_told_why_a_national_alert_proposes_no_shortage_to_them(client, personas, regional):
    # given a national alert
    alert = Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK, medicine=factories.MedicineFactory(), level="high", value={"score": 71.0}
    )
    client.force_login(regional)
    # when
    with translation.override("fr"):
        response = client.get(reverse("shortages:shortage_from_alert", args=[alert.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 403
    assert "Les ruptures nationales sont gérées par les analystes nationaux." in html
    assert 'name="cause"' not in html
