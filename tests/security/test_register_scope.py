"""The shortage register follows the rule of alerts (docs/alerts.md): a regional analyst reads the
national and regional shortages and those of its establishments, not another region's
establishments' (404); it keeps (opens, updates, closes, adds actions to) the regional shortages of
its regions and the shortages of its establishments, not the national ones nor another region's
(403); a national analyst keeps them all. One rule (``RegisterArea``, ``Shortage.is_managed_by``,
``Shortage.objects.managed_by``), asked by the services, the API and the pages alike.

The review's finding: a regional analyst read other regions' establishment shortages, patched a
national shortage (200), opened one for another region's establishment (201) and added an action to
the national shortage (201)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.choices import DeclarationStatus
from shortages.choices import AlertKind, AlertStatus, ShortageScope, ShortageStatus
from shortages.models import Alert, MitigationAction, Shortage
from tests import factories
from tests.partners.factories import DeclarationFactory

pytestmark = pytest.mark.django_db

SHORTAGES = "/api/v1/shortages/"
ACTIONS = "/api/v1/shortage-actions/"
NATIONAL_REFUSED = "Les ruptures nationales sont gérées par les analystes nationaux."
OUTSIDE_REFUSED = "Cette rupture est hors de votre périmètre : vos régions et provinces, et leurs établissements."


@dataclass
class Register:
    """One shortage of each place, each with one action; hospital A is in the regional analyst's
    region, hospital B in another."""

    regional: Any
    medicine: Any
    national: Shortage
    region_a: Shortage
    region_b: Shortage
    hospital_a: Shortage
    hospital_b: Shortage

    def mine(self) -> list[Shortage]:
        return [self.region_a, self.hospital_a]


@pytest.fixture
def register(personas) -> Register:
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(regional)
    started = timezone.localdate() - dt.timedelta(days=10)

    def shortage(scope, region=None, establishment=None) -> Shortage:
        row = Shortage.objects.create(
            medicine=factories.MedicineFactory(),
            status=ShortageStatus.ONGOING,
            cause="import",
            scope=scope,
            region=region,
            establishment=establishment,
            started_on=started,
        )
        MitigationAction.objects.create(shortage=row, kind="exceptional_import")
        return row

    return Register(
        regional=regional,
        medicine=factories.MedicineFactory(code="MED-SCOPE-1"),
        national=shortage(ShortageScope.NATIONAL),
        region_a=shortage(ShortageScope.REGIONAL, region=personas.hospital_a.region),
        region_b=shortage(ShortageScope.REGIONAL, region=personas.hospital_b.region),
        hospital_a=shortage(ShortageScope.ESTABLISHMENT, personas.hospital_a.region, personas.hospital_a),
        hospital_b=shortage(ShortageScope.ESTABLISHMENT, personas.hospital_b.region, personas.hospital_b),
    )


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reads -------------------------------------------------------------------------------------------


def test_a_regional_analyst_reads_no_other_region_s_establishment_shortage(register, api_client_for):
    # when the regional analyst lists and opens the shortages and their actions
    client = api_client_for(register.regional)
    listed = _ids(client.get(SHORTAGES))
    actions = _ids(client.get(ACTIONS))

    # then hospital B's shortage and its action are hidden, the rest is read
    assert listed == {s.pk for s in (register.national, register.region_a, register.region_b, register.hospital_a)}
    assert register.hospital_b.actions.get().pk not in actions
    assert client.get(f"{SHORTAGES}{register.hospital_b.pk}/").status_code == 404
    assert client.get(f"{SHORTAGES}{register.hospital_b.pk}/suggestions/").status_code == 404
    assert client.get(f"{ACTIONS}{register.hospital_b.actions.get().pk}/").status_code == 404
    assert client.get(f"{SHORTAGES}{register.hospital_a.pk}/").status_code == 200


def test_the_other_roles_read_what_they_read_before(register, personas, api_client_for):
    # when each role lists the shortages
    every = {s.pk for s in (register.national, register.region_a, register.region_b)}
    seen = {user.username: _ids(api_client_for(user).get(SHORTAGES)) for user in (
        personas.analyst, personas.hospital_a_user, personas.hospital_b_user, personas.company_user
    )}  # fmt: skip

    # then the national analyst reads everything, an establishment user the shared ones and its
    # establishment's, an industry user the shared ones
    assert seen["analyst"] == every | {register.hospital_a.pk, register.hospital_b.pk}
    assert seen["hospital_a"] == every | {register.hospital_a.pk}
    assert seen["hospital_b"] == every | {register.hospital_b.pk}
    assert seen["company"] == every


# --- writes through the API --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "status", "reason"),
    [
        ("national", 403, NATIONAL_REFUSED),
        ("region_b", 403, OUTSIDE_REFUSED),
        ("hospital_b", 404, None),
    ],
    ids=["national", "other-region", "other-region-establishment"],
)
def test_a_regional_analyst_may_not_update_or_close_a_shortage_outside_its_area(
    register, api_client_for, place, status, reason
):
    # given a shortage it does not keep
    shortage = getattr(register, place)
    client = api_client_for(register.regional)

    # when it closes it (PATCH), or sends it whole and empty (PUT: refused before the body is read)
    closed = client.patch(f"{SHORTAGES}{shortage.pk}/", {"status": "resolved"}, format="json")
    replaced = client.put(f"{SHORTAGES}{shortage.pk}/", {}, format="json")

    # then both are refused, and nothing changed
    assert (closed.status_code, replaced.status_code) == (status, status), closed.content
    if reason:
        assert closed.json()["error"]["message"] == reason
    shortage.refresh_from_db()
    assert shortage.status == ShortageStatus.ONGOING


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"scope": "establishment", "establishment": "hospital_b"}, OUTSIDE_REFUSED),
        ({"scope": "regional", "region": "region_b"}, OUTSIDE_REFUSED),
        ({"scope": "national"}, NATIONAL_REFUSED),
        # its own region named, with an establishment of another region beside it
        ({"scope": "regional", "region": "region_a", "establishment": "hospital_b"}, OUTSIDE_REFUSED),
    ],
    ids=["other-establishment", "other-region", "national", "own-region-other-establishment"],
)
def test_a_regional_analyst_may_not_open_a_shortage_outside_its_area(register, personas, api_client_for, body, reason):
    # given a shortage of a place it does not keep
    places = {
        "hospital_b": personas.hospital_b.pk,
        "region_b": personas.hospital_b.region_id,
        "region_a": personas.hospital_a.region_id,
    }
    body = {key: places.get(value, value) for key, value in body.items()}
    before = Shortage.objects.count()

    # when the regional analyst opens it
    response = api_client_for(register.regional).post(
        SHORTAGES,
        {"medicine": register.medicine.pk, "cause": "import", "started_on": "2026-11-01", **body},
        format="json",
    )

    # then it is refused with the reason, and nothing is written
    assert response.status_code == 403, response.content
    assert response.json()["error"]["message"] == reason
    assert Shortage.objects.count() == before


def test_a_regional_analyst_may_not_act_on_a_shortage_outside_its_area(register, personas, api_client_for):
    # given the regional analyst's client and the actions count
    client = api_client_for(register.regional)
    before = MitigationAction.objects.count()

    # when it adds an action to the national shortage, to another region's, to hospital B's (unseen),
    # and changes the national shortage's action
    national = client.post(ACTIONS, {"shortage": register.national.pk, "kind": "alternative"}, format="json")
    region_b = client.post(ACTIONS, {"shortage": register.region_b.pk, "kind": "alternative"}, format="json")
    hidden = client.post(ACTIONS, {"shortage": register.hospital_b.pk, "kind": "alternative"}, format="json")
    action = register.national.actions.get()
    changed = client.patch(f"{ACTIONS}{action.pk}/", {"status": "done"}, format="json")
    # and names another region's establishment in a reallocation of its own shortage
    reallocation = client.post(
        ACTIONS,
        {
            "shortage": register.hospital_a.pk,
            "kind": "reallocation",
            "from_establishment": personas.hospital_b.pk,
            "to_establishment": personas.hospital_a.pk,
            "quantity": 10,
        },
        format="json",
    )

    # then all are refused, and nothing is written
    assert (national.status_code, region_b.status_code, hidden.status_code) == (403, 403, 404), national.content
    assert national.json()["error"]["message"] == NATIONAL_REFUSED
    assert changed.status_code == 403
    assert reallocation.status_code == 403
    assert MitigationAction.objects.count() == before
    action.refresh_from_db()
    assert action.status == "planned"


def test_a_regional_analyst_may_not_open_a_national_shortage_from_an_alert_or_a_declaration(
    register, personas, api_client_for
):
    # given a national alert and an accepted declaration of a disruption
    alert = Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK, medicine=register.medicine, level="high", status=AlertStatus.OPEN
    )
    declaration = DeclarationFactory(
        company=personas.member_company,
        medicine=register.medicine,
        status=DeclarationStatus.ACCEPTED,
        disruption=True,
        disruption_cause="import",
    )
    client = api_client_for(register.regional)
    before = Shortage.objects.count()

    # when the regional analyst opens the shortages they propose
    from_alert = client.post(f"{SHORTAGES}from-alert/", {"alert": alert.pk}, format="json")
    from_declaration = client.post(f"{SHORTAGES}from-declaration/", {"declaration": declaration.pk}, format="json")

    # then both are refused (a national shortage is the national analysts'), nothing written
    assert from_alert.status_code == 403, from_alert.content
    assert from_declaration.status_code == 403, from_declaration.content
    assert Shortage.objects.count() == before


def test_a_regional_analyst_keeps_its_own_area_s_shortages(register, personas, api_client_for):
    # given the regional analyst's client
    client = api_client_for(register.regional)

    # when it opens a shortage at hospital A and one for its region, closes its region's, adds an
    # action to hospital A's (a reallocation within its region) and changes it
    opened = client.post(
        SHORTAGES,
        {
            "medicine": register.medicine.pk,
            "cause": "import",
            "started_on": "2026-11-01",
            "scope": "establishment",
            "establishment": personas.hospital_a.pk,
        },
        format="json",
    )
    regional = client.post(
        SHORTAGES,
        {
            "medicine": register.medicine.pk,
            "cause": "import",
            "started_on": "2026-11-01",
            "scope": "regional",
            "region": personas.hospital_a.region_id,
        },
        format="json",
    )
    closed = client.patch(f"{SHORTAGES}{register.region_a.pk}/", {"status": "resolved"}, format="json")
    other = factories.EstablishmentFactory(region=personas.hospital_a.region)
    added = client.post(
        ACTIONS,
        {
            "shortage": register.hospital_a.pk,
            "kind": "reallocation",
            "from_establishment": other.pk,
            "to_establishment": personas.hospital_a.pk,
            "quantity": 10,
        },
        format="json",
    )
    changed = client.patch(f"{ACTIONS}{register.hospital_a.actions.first().pk}/", {"status": "done"}, format="json")

    # then every write is accepted
    assert opened.status_code == 201, opened.content
    assert Shortage.objects.get(pk=opened.json()["id"]).region_id == personas.hospital_a.region_id
    assert regional.status_code == 201, regional.content
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "resolved"
    assert added.status_code == 201, added.content
    assert changed.status_code == 200, changed.content


def test_a_national_analyst_keeps_every_shortage(register, personas, api_client_for):
    # given the national analyst's client
    client = api_client_for(personas.analyst)

    # when it closes each shortage, adds an action to each, and opens one at hospital B
    for shortage in (register.national, register.region_b, register.hospital_b, register.hospital_a):
        closed = client.patch(f"{SHORTAGES}{shortage.pk}/", {"status": "resolved"}, format="json")
        added = client.post(ACTIONS, {"shortage": shortage.pk, "kind": "alternative"}, format="json")
        assert (closed.status_code, added.status_code) == (200, 201), (closed.content, added.content)
    opened = client.post(
        SHORTAGES,
        {
            "medicine": register.medicine.pk,
            "cause": "import",
            "started_on": "2026-11-01",
            "scope": "establishment",
            "establishment": personas.hospital_b.pk,
        },
        format="json",
    )

    # then all is accepted
    assert opened.status_code == 201, opened.content


def test_the_rule_reads_the_same_for_one_shortage_and_for_a_queryset(register, personas):
    # given every shortage and every analyst
    for user in (register.regional, personas.analyst, personas.hospital_a_user):
        # when the one shortage's rule and the queryset's are asked
        by_row = {s.pk for s in Shortage.objects.all() if s.is_managed_by(user)}
        by_query = set(Shortage.objects.managed_by(user).values_list("pk", flat=True))

        # then they agree
        assert by_row == by_query
    assert by_row == set()
    assert {s.pk for s in Shortage.objects.managed_by(register.regional)} == {s.pk for s in register.mine()}


# --- the pages ---------------------------------------------------------------------------------------


def test_the_register_pages_follow_the_same_rule(register, personas, client):
    # given the regional analyst signed in
    client.force_login(register.regional)

    # when it reads the register, hospital B's shortage, the national one and its own
    listing = client.get(reverse("shortages:shortage_list")).content.decode()
    hidden = client.get(reverse("shortages:shortage_detail", args=[register.hospital_b.pk]))
    national = client.get(reverse("shortages:shortage_detail", args=[register.national.pk]))
    own = client.get(reverse("shortages:shortage_detail", args=[register.hospital_a.pk]))

    # then hospital B's is neither listed nor shown; the national one is read without its forms,
    # its own with them
    assert reverse("shortages:shortage_detail", args=[register.hospital_b.pk]) not in listing
    assert reverse("shortages:shortage_detail", args=[register.hospital_a.pk]) in listing
    assert hidden.status_code == 404
    assert national.status_code == 200 and not national.context["can_manage"]
    assert reverse("shortages:shortage_update", args=[register.national.pk]) not in national.content.decode()
    assert own.status_code == 200 and own.context["can_manage"]
    assert reverse("shortages:shortage_update", args=[register.hospital_a.pk]) in own.content.decode()


def test_the_register_pages_refuse_writes_outside_the_area(register, personas, client):
    # given the regional analyst signed in, and a national alert
    client.force_login(register.regional)
    alert = Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK, medicine=register.medicine, level="high", status=AlertStatus.OPEN
    )
    national, action = register.national, register.national.actions.get()
    before = (Shortage.objects.count(), MitigationAction.objects.count())
    form = {"medicine": "MED-SCOPE-1", "status": "ongoing", "cause": "import", "started_on": "2026-11-01"}

    # when it writes outside its area through every form
    answers = {
        "update": client.post(reverse("shortages:shortage_update", args=[national.pk]), {"status": "resolved"}),
        "close-hidden": client.post(reverse("shortages:shortage_update", args=[register.hospital_b.pk]), {}),
        "action": client.post(reverse("shortages:action_add", args=[national.pk]), {"kind": "alternative"}),
        "status": client.post(reverse("shortages:action_status", args=[national.pk, action.pk]), {"status": "done"}),
        # the action of the national shortage, reached through its own shortage's URL
        "status-through-own": client.post(
            reverse("shortages:action_status", args=[register.hospital_a.pk, action.pk]), {"status": "done"}
        ),
        "new-other-establishment": client.post(
            reverse("shortages:shortage_create"), {**form, "scope": "establishment", "establishment": "T-HOSP-B"}
        ),
        "new-national": client.post(reverse("shortages:shortage_create"), {**form, "scope": "national"}),
        "from-national-alert": client.get(reverse("shortages:shortage_from_alert", args=[alert.pk])),
    }

    # then each is refused (404 for what it does not see), and nothing is written
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "update": 403,
        "close-hidden": 404,
        "action": 403,
        "status": 403,
        "status-through-own": 403,
        "new-other-establishment": 403,
        "new-national": 403,
        "from-national-alert": 403,
    }
    assert OUTSIDE_REFUSED in answers["new-other-establishment"].content.decode()
    assert (Shortage.objects.count(), MitigationAction.objects.count()) == before
    national.refresh_from_db()
    action.refresh_from_db()
    assert (national.status, action.status) == (ShortageStatus.ONGOING, "planned")


def test_the_register_pages_let_a_regional_analyst_keep_its_area(register, personas, client):
    # given the regional analyst signed in
    client.force_login(register.regional)
    form = {"medicine": "MED-SCOPE-1", "status": "ongoing", "cause": "import", "started_on": "2026-11-01"}
    action = register.hospital_a.actions.get()

    # when it opens a shortage at hospital A, closes its region's, adds an action and moves one
    opened = client.post(
        reverse("shortages:shortage_create"), {**form, "scope": "establishment", "establishment": "T-HOSP-A"}
    )
    closed = client.post(
        reverse("shortages:shortage_update", args=[register.region_a.pk]), {"status": "resolved", "cause": "import"}
    )
    added = client.post(reverse("shortages:action_add", args=[register.hospital_a.pk]), {"kind": "alternative"})
    moved = client.post(
        reverse("shortages:action_status", args=[register.hospital_a.pk, action.pk]), {"status": "done"}
    )

    # then each is done
    assert [opened.status_code, closed.status_code, added.status_code, moved.status_code] == [302, 302, 302, 302]
    assert Shortage.objects.filter(establishment=personas.hospital_a, medicine=register.medicine).exists()
    register.region_a.refresh_from_db()
    action.refresh_from_db()
    assert (register.region_a.status, action.status) == (ShortageStatus.RESOLVED, "done")
    assert register.hospital_a.actions.count() == 2
