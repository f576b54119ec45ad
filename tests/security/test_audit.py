"""The audit trail: every accepted write is recorded once, with who, when, what and from where;
analysts read it through the API."""

from __future__ import annotations

import pytest
from django.test import override_settings

from stock.models import AuditEntry
from tests import factories
from tests.factories import DEFAULT_PASSWORD

AUDIT_TEST_URLS = "tests.security.audit_urls"


def test_a_successful_login_is_recorded_with_the_password_masked(client, personas):
    # when a user logs in
    response = client.post("/login/", {"username": "hospital_a", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="192.0.2.7")

    # then one entry names the user, the address and the form, without the password
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.actor == personas.hospital_a_user
    assert entry.object_type == "login"
    assert entry.ip_address == "192.0.2.7"
    assert entry.changes["data"]["password"] == "***"
    assert "csrfmiddlewaretoken" not in entry.changes["data"]
    assert entry.changes["status"] == 302


def test_refused_writes_and_reads_are_not_recorded(client, personas):
    # when a login is refused, a page is read, and the language is switched
    client.post("/login/", {"username": "hospital_a", "password": "wrong"})
    client.get("/login/")
    client.post("/i18n/setlang/", {"language": "ar", "next": "/login/"})

    # then nothing was written to the trail
    assert AuditEntry.objects.count() == 0


@override_settings(ROOT_URLCONF=AUDIT_TEST_URLS)
def test_an_api_write_is_recorded_with_its_payload_and_created_id(api_client_for, personas):
    # given a hospital's API client
    client = api_client_for(personas.hospital_a_user)

    # when it posts JSON with a secret and a long list
    response = client.post(
        "/test/api/echo/",
        {"quantity": 5, "api_token": "s3cr3t", "lines": list(range(50))},
        format="json",
        HTTP_X_REQUEST_ID="req-1",
    )

    # then the entry has the actor, the created id, the masked secret and a cut-down list
    assert response.status_code == 201
    entry = AuditEntry.objects.get()
    assert entry.actor == personas.hospital_a_user
    assert entry.action == "create"
    assert entry.object_id == "42"
    assert entry.changes["data"]["quantity"] == 5
    assert entry.changes["data"]["api_token"] == "***"
    assert entry.changes["data"]["lines"] == {"count": 50, "first": [0, 1, 2, 3, 4]}
    assert entry.changes["request_id"] == "req-1"


@override_settings(ROOT_URLCONF=AUDIT_TEST_URLS)
def test_a_service_that_records_field_changes_replaces_the_generic_entry(client, personas):
    # given an analyst and a region
    region = factories.RegionFactory(code="07", name_fr="Ancien nom")
    client.force_login(personas.analyst)

    # when a view renames the region and records the change itself
    response = client.post(f"/test/regions/{region.pk}/rename/", {"name_fr": "Nouveau nom"}, REMOTE_ADDR="192.0.2.8")

    # then exactly one entry holds the before/after values and the request's address
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == "rename"
    assert entry.object_type == "stock.region"
    assert entry.object_id == str(region.pk)
    assert entry.changes["name_fr"] == ["Ancien nom", "Nouveau nom"]
    assert entry.ip_address == "192.0.2.8"


def test_an_admin_change_is_recorded_against_its_object(client, personas):
    # given a site administrator and a region
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    region = factories.RegionFactory(code="08", name_fr="Région huit")
    client.force_login(admin)

    # when the region is deleted through the admin
    response = client.post(f"/admin/stock/region/{region.pk}/delete/", {"post": "yes"})

    # then the entry names the admin and the region
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.actor == admin
    assert entry.object_id == str(region.pk)
    assert entry.changes["view"] == "admin:stock_region_delete"


def test_analysts_read_the_trail_filtered_by_actor(api_client_for, personas):
    # given entries by two actors
    from stock.audit import audit_record

    audit_record(actor=personas.hospital_a_user, action="create", object_type="stock.stockmovement", object_id=1)
    audit_record(actor=personas.hospital_b_user, action="create", object_type="stock.stockmovement", object_id=2)

    # when an analyst lists the entries of one actor
    response = api_client_for(personas.analyst).get("/api/v1/audit/", {"actor": "hospital_b"})

    # then only that actor's entries come back, with who, when and what
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(row["actor"], row["object_id"]) for row in results] == [("hospital_b", "2")]
    assert results[0]["created_at"]


@pytest.mark.parametrize("persona", ["hospital_a_user", "association_user", "company_user", "no_role_user"])
def test_only_analysts_may_read_the_trail(api_client_for, personas, persona):
    # when another role asks for the trail
    response = api_client_for(getattr(personas, persona)).get("/api/v1/audit/")

    # then it is refused
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_trail_list_costs_a_fixed_number_of_queries(api_client_for, personas, django_assert_max_num_queries):
    # given many entries by several actors
    from stock.audit import audit_record

    for index in range(30):
        actor = personas.hospital_a_user if index % 2 else personas.hospital_b_user
        audit_record(actor=actor, action="create", object_type="stock.stockmovement", object_id=index)
    client = api_client_for(personas.analyst)

    # when the list is read, then the query count does not depend on the number of rows
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/audit/")
    assert len(response.json()["results"]) == 30


def test_the_audit_page_lists_entries_filtered_by_actor_for_analysts(client, personas):
    # given entries by two actors
    from stock.audit import audit_record

    audit_record(actor=personas.hospital_a_user, action="create", object_type="stock.stockmovement", object_id=11)
    audit_record(actor=personas.hospital_b_user, action="create", object_type="stock.stockmovement", object_id=22)
    client.force_login(personas.analyst)

    # when the analyst filters the page on one actor
    response = client.get("/audit/", {"actor": "hospital_b"})

    # then only that actor's entries are shown
    assert response.status_code == 200
    html = response.content.decode()
    assert "n° 22" in html and "n° 11" not in html


def test_the_audit_page_pages_back_in_time_at_constant_cost(client, personas, django_assert_max_num_queries):
    # given more entries than a page holds
    from stock.audit import audit_record
    from stock.views_audit import PAGE_SIZE

    entries = [
        audit_record(actor=personas.hospital_a_user, action="create", object_type="t", object_id=n)
        for n in range(PAGE_SIZE + 5)
    ]
    client.force_login(personas.analyst)

    # when the first page and then the older one are read
    with django_assert_max_num_queries(8):
        first = client.get("/audit/")
    older = client.get("/audit/", {"before": first.context["older"]})

    # then the first page has the newest entries and the next one the five oldest
    assert [entry.pk for entry in first.context["entries"]][:1] == [entries[-1].pk]
    assert len(first.context["entries"]) == PAGE_SIZE
    assert sorted(entry.pk for entry in older.context["entries"]) == [entry.pk for entry in entries[:5]]
    assert older.context["older"] is None


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("0349-10-26T19:13:29-21:56", "", 1),
        ("9999-01-01T00:00:00Z", "", 0),
        ("", "0001-01-01T00:00:00+00:00", 0),
        ("2000-01-01T00:00:00-15:30", "2999-01-01T00:00:00Z", 1),
    ],
)
def test_the_time_window_accepts_any_iso_instant(api_client_for, personas, since, until, expected):
    # given one entry
    from stock.audit import audit_record

    audit_record(actor=personas.analyst, action="create", object_type="t", object_id=1)
    params = {key: value for key, value in {"since": since, "until": until}.items() if value}

    # when an analyst filters on extreme instants and offsets
    response = api_client_for(personas.analyst).get("/api/v1/audit/", params)

    # then the answer is a list, never a server error
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


@override_settings(ROOT_URLCONF=AUDIT_TEST_URLS)
def test_a_payload_with_nul_characters_is_still_recorded(api_client_for, personas):
    # when a client posts text holding NUL characters (PostgreSQL JSON cannot store them)
    response = api_client_for(personas.analyst).post("/test/api/echo/", {"note\x00": "a\x00b"}, format="json")

    # then the write is recorded with the characters replaced
    assert response.status_code == 201
    assert AuditEntry.objects.get().changes["data"] == {"note\ufffd": "a\ufffdb"}


def test_the_audit_page_filters_have_french_labels_and_take_the_browser_date_time(client, personas):
    # given an entry written now
    from stock.audit import audit_record

    audit_record(actor=personas.hospital_a_user, action="create", object_type="t", object_id=7)
    client.force_login(personas.analyst)

    # when the page is opened, then filtered with what a datetime-local field sends
    page = client.get("/audit/").content.decode()
    before = client.get("/audit/", {"until": "2000-01-01T00:00"}).context["entries"]
    after = client.get("/audit/", {"since": "2000-01-01T00:00"}).context["entries"]

    # then every filter is labelled in French, and the window applies
    assert "[invalid name]" not in page and "Actor" not in page
    assert ">Utilisateur (identifiant)<" in page and ">Depuis<" in page and ">Jusqu&#x27;à<" in page
    assert 'type="datetime-local"' in page
    assert (len(before), [entry.object_id for entry in after]) == (0, ["7"])
