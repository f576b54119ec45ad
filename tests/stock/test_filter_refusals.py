"""A list filter given a value it cannot read is refused, 400 with the filter named and what it
takes, never read as "no filter" (``GET /api/v1/stock-levels/?in_transit=maybe`` listed every
position); an ``ordering`` the list does not order by likewise."""

from __future__ import annotations

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, resolve

from shortages.choices import AlertKind, RiskLevel
from shortages.models import Alert
from stock.models import StockLevel
from tests import factories

pytestmark = pytest.mark.django_db

YES_NO_REFUSED = "Valeur « {} » non reconnue ; valeurs possibles : true, false, 1, 0."
DATE_REFUSED = "Date refusée : indiquez-la sous la forme AAAA-MM-JJ (par exemple 2026-03-31)."


@pytest.fixture
def ledger(personas, api_client_for):
    """Two positions at hospital A: amoxicillin with 4 units in transit, paracetamol with none."""
    factories.MedicineFactory(code="AMOX", atc_code="J01CA04")
    factories.MedicineFactory(code="PARA", atc_code="N02BE01")
    client = api_client_for(personas.hospital_a_user)
    for code in ("AMOX", "PARA"):
        item = {"establishment": "T-HOSP-A", "medicine": code, "kind": "receipt", "quantity": 10}
        assert client.post("/api/v1/movements/", {**item, "business_date": "2026-01-10"}).status_code == 201
    StockLevel.objects.filter(medicine__code="AMOX").update(in_transit=4)


def refusal(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    return body["fields"]


def medicines_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["medicine"] for row in response.json()["results"])


def api_lists() -> list[tuple[str, type]]:
    """Every list of the API (its path and view class), read from the URL patterns."""
    found: dict[str, tuple[str, type]] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif getattr(pattern.callback, "actions", {}).get("get") == "list" and "(?P<format>" not in route:
                found[route] = (f"/{route}", pattern.callback.cls)

    walk(get_resolver().url_patterns, "")
    return sorted(found.values(), key=lambda item: item[0])


def filters_of(kind: type[django_filters.Filter], *, but=()) -> list[tuple[str, str]]:
    """``(path, filter name)`` of every API list's filter of ``kind`` (none of ``but``)."""
    return [
        (path, name)
        for path, view in api_lists()
        if getattr(view, "filterset_class", None)
        for name, filter_ in view.filterset_class.base_filters.items()
        if isinstance(filter_, kind) and not isinstance(filter_, but)
    ]


YES_NO_FILTERS = filters_of(django_filters.BooleanFilter)
CHOICE_FILTERS = filters_of(
    django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter,
    but=django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter,
)
DATE_FILTERS = filters_of(django_filters.DateFilter)


def test_the_lists_walked_hold_the_filters_known_to_have_been_ignored():
    # the walk above finds the yes/no filters that read any other word as "no filter"
    names = {f"{path}?{name}" for path, name in YES_NO_FILTERS}
    assert {
        "/api/v1/stock-levels/?in_transit",
        "/api/v1/lots/?non_empty",
        "/api/v1/monthly-reports/?discrepancy",
        "/api/v1/consumption/?reported",
        "/api/v1/establishments/?is_active",
        "/api/v1/medicines/?is_essential",
        "/api/v1/products/?is_originator",
        "/api/v1/risk-scores/?national",
        "/api/v1/alerts/?inbox",
        "/api/v1/alerts/?national",
        "/api/v1/declarations/?current",
        "/api/v1/declarations/?disruption",
        "/api/v1/companies/?is_local_manufacturer",
        "/api/v1/memberships/?current",
    } <= names
    assert len(CHOICE_FILTERS) >= 20 and len(DATE_FILTERS) >= 8


def test_a_position_list_refuses_in_transit_maybe_instead_of_listing_everything(analyst, ledger):
    # when
    response = analyst.get("/api/v1/stock-levels/", {"in_transit": "maybe"})
    # then
    assert refusal(response) == {"in_transit": [YES_NO_REFUSED.format("maybe")]}


@pytest.mark.parametrize(("path", "name"), YES_NO_FILTERS, ids=[f"{p}?{n}" for p, n in YES_NO_FILTERS])
def test_every_yes_no_filter_refuses_another_word(analyst, path, name):
    assert refusal(analyst.get(path, {name: "perhaps"})) == {name: [YES_NO_REFUSED.format("perhaps")]}


@pytest.mark.parametrize(
    ("spellings", "listed"),
    [
        (["true", "TRUE", "True", "1", " 1 "], ["AMOX"]),
        (["false", "False", "0"], ["PARA"]),
        ([""], ["AMOX", "PARA"]),
    ],
)
def test_a_yes_no_filter_takes_true_false_1_and_0_in_any_case(analyst, ledger, spellings, listed):
    for spelling in spellings:
        assert medicines_of(analyst.get("/api/v1/stock-levels/", {"in_transit": spelling})) == listed, spelling


@pytest.mark.parametrize(("path", "name"), CHOICE_FILTERS, ids=[f"{p}?{n}" for p, n in CHOICE_FILTERS])
def test_every_choice_filter_refuses_an_unknown_value_listing_the_values_it_takes(analyst, path, name):
    # when
    fields = refusal(analyst.get(path, {name: "unknown-value"}))
    # then the message lists every value of the filter
    filter_ = resolve(path).func.cls.filterset_class.base_filters[name]
    choices = filter_.extra["choices"]
    values = [str(value) for value, _label in (choices() if callable(choices) else choices)]
    assert fields == {name: [f"Valeur « unknown-value » non reconnue ; valeurs possibles : {', '.join(values)}."]}


@pytest.mark.parametrize(("path", "name"), DATE_FILTERS, ids=[f"{p}?{n}" for p, n in DATE_FILTERS])
def test_every_date_filter_refuses_a_day_that_is_not_one_giving_the_form_it_takes(analyst, path, name):
    assert refusal(analyst.get(path, {name: "2026-02-30"})) == {name: [DATE_REFUSED]}


def test_a_time_window_refuses_text_that_is_no_instant_giving_the_form_it_takes(analyst):
    fields = refusal(analyst.get("/api/v1/audit/", {"since": "garbage"}))
    assert fields == {
        "since": [
            "Date et heure refusées : indiquez-les sous la forme AAAA-MM-JJTHH:MM (ISO 8601, fuseau horaire facultatif)."
        ]
    }


def test_a_number_filter_refuses_text_giving_the_form_it_takes(analyst):
    fields = refusal(analyst.get("/api/v1/risk-scores/", {"min_score": "high"}))
    assert fields == {
        "min_score": ["Nombre refusé : indiquez un nombre, avec un point pour les décimales (par exemple 50 ou 12.5)."]
    }


@pytest.mark.parametrize(("path", "name"), [("/api/v1/risk-scores/", "medicine"), ("/api/v1/notifications/", "alert")])
def test_a_filter_naming_a_row_by_id_says_an_id_is_expected(analyst, path, name):
    # the notifications list filters with ``filterset_fields``: its filter set is the project's too
    fields = refusal(analyst.get(path, {name: "amoxicilline"}))
    expected = "Valeur « amoxicilline » refusée : indiquez l'identifiant (un nombre entier) d'un élément existant."
    assert fields == {name: [expected]}


@pytest.mark.parametrize("value", ["1.5", str(2**70), "moi"])
@pytest.mark.parametrize(("path", "name"), [("/api/v1/alerts/", "assignee"), ("/api/v1/shortage-actions/", "owner")])
def test_a_user_filter_takes_an_id_only(analyst, path, name, value):
    # a fraction matched nothing, and a number past the ids' range was a 500 on SQLite
    assert name in refusal(analyst.get(path, {name: value}))


def test_a_user_filter_still_filters_by_id(personas, analyst):
    # given two alerts, one assigned to the analyst
    medicine = factories.MedicineFactory(code="AMOX")
    common = {"kind": AlertKind.STOCKOUT, "medicine": medicine, "level": RiskLevel.CRITICAL}
    assigned = Alert.objects.create(establishment=personas.hospital_a, assignee=personas.analyst, **common)
    Alert.objects.create(establishment=personas.hospital_b, **common)
    # when
    response = analyst.get("/api/v1/alerts/", {"assignee": str(personas.analyst.pk)})
    # then
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [assigned.pk]


def test_an_ordering_the_list_does_not_know_is_refused_naming_the_fields_it_takes(analyst):
    # when
    refused = analyst.get("/api/v1/transfers/", {"ordering": "-shipped_on,shipped"})
    ordered = analyst.get("/api/v1/transfers/", {"ordering": "-shipped_on,id,"})
    fixed = analyst.get("/api/v1/audit/", {"ordering": "created_at"})
    # then
    assert refusal(refused) == {
        "ordering": [
            "Tri refusé : « shipped » ; champs possibles : shipped_on, id, chacun précédé de « - » pour l'ordre "
            "décroissant."
        ]
    }
    assert ordered.status_code == 200
    assert refusal(fixed) == {"ordering": ["Tri refusé : « created_at » ; cette liste a un ordre fixe."]}


DECLARED_ORDERINGS = [
    (path, term)
    for path, view in api_lists()
    for name in getattr(view, "ordering_fields", None) or ()
    for term in (name, f"-{name}")
]


@pytest.mark.parametrize(("path", "term"), DECLARED_ORDERINGS, ids=[f"{p}?{t}" for p, t in DECLARED_ORDERINGS])
def test_every_ordering_a_list_declares_still_orders_it(analyst, path, term):
    assert analyst.get(path, {"ordering": term}).status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/commitments/", "status"), ("/api/v1/declarations/", "medicine____str__")],
)
def test_an_ordering_on_a_field_computed_outside_the_database_is_refused_not_a_500(analyst, path, field):
    # a list without ``ordering_fields`` offers its serializer's fields; these two are no columns
    assert "ordering" in refusal(analyst.get(path, {"ordering": field}))


def test_yes_no_filters_and_codes_cost_no_query_of_their_own(analyst, ledger):
    # given the number of queries of a list read without a filter
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert analyst.get("/api/v1/stock-levels/", params).status_code == 200
        return len(captured)

    queries({})  # the token's first use is written once
    plain = queries({})
    # then a yes/no filter, and an establishment's code (applied without the filter set), add none
    assert queries({"in_transit": "1"}) == plain
    assert queries({"establishment": "T-HOSP-A"}) == plain


def test_the_schema_describes_the_ordering_and_takes_user_ids_as_whole_numbers(client, personas):
    # given
    client.force_login(personas.analyst)
    # when
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/alerts/"]["get"]["parameters"]}
    # then
    assert parameters["assignee"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert "refused (400" in parameters["ordering"]["description"]
    assert parameters["inbox"]["schema"] == {"type": "boolean"}
