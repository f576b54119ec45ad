"""Usernames are not listed to every user: the alerts' and actions' filters take an id without a list
of choices (the browsable API's filter form listed every user, and an unknown id answered 400 where
an existing one answered 200), and an alert is assigned among analysts only (an unknown username and
a user who is not an analyst get the same answer)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/alerts/", "/api/v1/shortage-actions/"])
def test_the_filter_forms_list_no_username_and_ids_are_no_oracle(personas, api_client_for, path):
    # given a hospital user reading the browsable API
    client = api_client_for(personas.hospital_a_user)
    page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    # then no other user's name is in the page
    for other in (personas.analyst, personas.company_user, personas.hospital_b_user):
        assert f">{other.username}<" not in page
    # and an existing and a missing user id answer alike
    name = "assignee" if "alerts" in path else "owner"
    existing = client.get(path, {name: personas.analyst.pk})
    missing = client.get(path, {name: 10**6})
    assert existing.status_code == missing.status_code == 200


def test_an_unknown_username_and_a_non_analyst_get_the_same_answer(personas, api_client_for):
    # given a stockout alert of hospital A, which the analyst manages
    from shortages.choices import AlertKind
    from shortages.models import Alert
    from tests import factories

    alert = Alert.objects.create(
        kind=AlertKind.STOCKOUT, medicine=factories.MedicineFactory(), establishment=personas.hospital_a, level="high"
    )
    # when it is assigned to a username nobody has, then to a hospital user (not an analyst)
    client = api_client_for(personas.analyst)
    unknown = client.post(f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": "personne"}, format="json")
    not_analyst = client.post(
        f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": personas.hospital_a_user.username}, format="json"
    )
    # then both are refused the same way: the answer does not tell that the second user exists
    assert unknown.status_code == not_analyst.status_code == 400
    assert unknown.json()["error"]["fields"]["assignee"] == [
        message.replace(personas.hospital_a_user.username, "personne")
        for message in not_analyst.json()["error"]["fields"]["assignee"]
    ]
