"""The permission matrix: every API endpoint and page, asked by every role and by an anonymous
visitor, on the role's own objects and on another party's, with the answer expected.

Rows read ``(method, url name, expected, kind, body)``. ``expected`` gives one status per role
(``anon analyst hospital industry norole``, see ``matrix_world.ROLES``); ``200/404`` means 200 on
the role's own object and 404 on another party's. For lists, ``200:own`` means the answer lists
the role's own object and not the other party's (``:all`` both, ``:none`` neither). ``kind`` names
the object the URL points at (or the body refers to); ``body`` builds the request body from the
target object. Writes are rolled back after each request, so every request meets the same data.

A sixth role, ``regional``, is an analyst linked to hospital A's region: it answers like the
(national) analyst, except on establishment data, where its own objects are hospital A's and the
other party's are hospital B's (another region): those answers are in ``REGIONAL``.

A URL of the site without a row fails ``test_every_endpoint_has_a_row``; run this file with
``MATRIX_PRINT=1 -s`` to print the answers of every URL as rows to review and paste.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tests.security.matrix import Asker, site_endpoints
from tests.security.matrix_world import ROLES, MatrixWorld, build_matrix_world

Body = Callable[[MatrixWorld, Any], dict]


def movement_body(world: MatrixWorld, establishment) -> dict:
    return {
        "establishment": establishment.code,
        "medicine": world.shared["medicine"].code,
        "kind": "receipt",
        "business_date": timezone.localdate().isoformat(),
        "quantity": 1,
    }


def bulk_body(world: MatrixWorld, establishment) -> dict:
    return {"movements": [movement_body(world, establishment)]}


def ship_body(world: MatrixWorld, establishment) -> dict:
    return {
        "source": establishment.code,
        "destination": world.by_establishment["establishment"][
            1 if establishment == world.personas.hospital_a else 0
        ].code,
        "medicine": world.shared["medicine"].code,
        "quantity": 1,
        "shipped_on": timezone.localdate().isoformat(),
    }


def receive_body(world: MatrixWorld, transfer) -> dict:
    return {"received_on": timezone.localdate().isoformat()}


def cancel_body(world: MatrixWorld, transfer) -> dict:
    return {"cancelled_on": timezone.localdate().isoformat()}


def declaration_body(world: MatrixWorld, declaration) -> dict:
    return {
        "company": declaration.company_id,
        "medicine": declaration.medicine_id,
        "month": "2026-08",
        "stock_on_hand": 10,
        "monthly_sales": 5,
    }


def progress_body(world: MatrixWorld, _obj) -> dict:
    return {"commitment": world.shared["commitment"].pk, "reported_on": "2026-01-01", "value": 25}


def subscription_body(world: MatrixWorld, _obj) -> dict:
    return {"region": world.shared["region"].pk}


def token_body(world: MatrixWorld, _obj) -> dict:
    return {"name": "pharmacy software"}


def comment_body(world: MatrixWorld, _obj) -> dict:
    return {"comment": "Vu."}


def assign_body(world: MatrixWorld, _obj) -> dict:
    return {"assignee": world.personas.analyst.username}


def assign_form(world: MatrixWorld, _obj) -> dict:
    return {"assignee": world.personas.analyst.pk}


def snooze_body(world: MatrixWorld, _obj) -> dict:
    return {"until": (timezone.localdate() + dt.timedelta(days=7)).isoformat(), "reason": "Livraison attendue."}


def preferences_form(world: MatrixWorld, _obj) -> dict:
    return {"kinds": "stockout"}


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    expected: str
    kind: str | None = None
    body: Body | None = None
    multipart: bool = False
    # URL arguments from the target object, when the URL takes more than its ``pk``.
    url_kwargs: Callable[[Any], dict] | None = None


# Registry objects whose deletion would cascade (tests/security/test_registry_writes.py).
REGISTRY_UNDELETABLE = ("organization", "company", "agreement", "commitment")

# The expected answers. Anonymous API calls get 401 (token realm), anonymous pages a redirect to
# the login page (302). Objects of other parties are hidden (404) rather than forbidden where the
# role may use the endpoint at all; endpoints a role may not use answer 403.
ROWS = [
    # --- site, health, schema --------------------------------------------------------------------
    Row("GET", "health", "200 200 200 200 200"),
    Row("GET", "schema", "200 200 200 200 200"),
    Row("GET", "swagger-ui", "200 200 200 200 200"),
    Row("GET", "redoc", "200 200 200 200 200"),
    Row("GET", "redoc-bundle", "200 200 200 200 200"),
    Row("GET", "login", "200 302 302 302 302"),
    Row("POST", "login", "200 302 302 302 302"),
    Row("POST", "logout", "302 302 302 302 302"),
    Row("POST", "set_language", "302 302 302 302 302"),
    Row("GET", "home", "302 200 302 200 200"),
    # --- stock API -------------------------------------------------------------------------------
    Row("GET", "audit-list", "401 200 403 403 403"),
    Row("GET", "audit-detail", "401 200 403 403 403", "audit"),
    Row("GET", "region-list", "401 200 200 200 200"),
    Row("GET", "region-detail", "401 200 200 200 200", "region"),
    Row("GET", "establishment-list", "401 200 200 200 200"),
    Row("GET", "establishment-detail", "401 200 200 200 200", "establishment"),
    Row("GET", "medicine-list", "401 200 200 200 200"),
    Row("GET", "medicine-detail", "401 200 200 200 200", "medicine"),
    Row("GET", "product-list", "401 200 200 200 200"),
    Row("GET", "product-detail", "401 200 200 200 200", "product"),
    Row("GET", "stock-level-list", "401 200:all 200:own 200:none 200:none", "stock-level"),
    Row("GET", "stock-level-detail", "401 200 200/404 404 404", "stock-level"),
    Row("GET", "lot-list", "401 200:all 200:own 200:none 200:none", "lot"),
    Row("GET", "lot-detail", "401 200 200/404 404 404", "lot"),
    Row("GET", "movement-list", "401 200:all 200:own 200:none 200:none", "movement"),
    Row("POST", "movement-list", "401 201 201/403 403 403", "establishment", movement_body),
    Row("POST", "movement-bulk", "401 201 201/403 403 403", "establishment", bulk_body),
    Row("GET", "movement-detail", "401 200 200/404 404 404", "movement"),
    Row("GET", "transfer-list", "401 200:all 200:own 200:none 200:none", "transfer"),
    Row("POST", "transfer-list", "401 201 201/403 403 403", "establishment", ship_body),
    Row("GET", "transfer-detail", "401 200 200/404 404 404", "transfer"),
    Row("POST", "transfer-receive", "401 200 200/404 404 404", "transfer", receive_body),
    # Only the sender cancels: hospital A is the destination of its own transfer.
    Row("POST", "transfer-cancel", "401 200 403/404 404 404", "transfer", cancel_body),
    Row("GET", "monthly-report-list", "401 200:all 200:own 200:none 200:none", "monthly-report"),
    Row("GET", "monthly-report-template", "401 200 200 200 200"),
    # Only establishment users and analysts upload reports; a file without ``file`` is a 400.
    Row("POST", "monthly-report-upload", "401 400 400 403 403", multipart=True),
    Row("GET", "monthly-report-detail", "401 200 200/404 404 404", "monthly-report"),
    Row("GET", "import-job-list", "401 200:all 200:own 200:own 200:own", "import-job"),
    Row("GET", "import-job-detail", "401 200 200/404 200/404 200/404", "import-job"),
    Row("GET", "consumption-list", "401 200:all 200:own 200:none 200:none", "consumption"),
    Row("GET", "consumption-detail", "401 200 200/404 404 404", "consumption"),
    Row("GET", "api-token-list", "401 200:own 200:own 200:own 200:own", "api-token"),
    # A token cannot make another token (tests/security/test_api_tokens.py): sessions create them.
    Row("POST", "api-token-list", "401 403 403 403 403", None, token_body),
    Row("GET", "api-token-detail", "401 200/404 200/404 200/404 200/404", "api-token"),
    Row("POST", "api-token-revoke", "401 200/404 200/404 200/404 200/404", "api-token"),
    # --- partners API: the registry is read by every role and written by national analysts ------
    Row("GET", "compliance", "401 400 403 400 403"),
    # A national aggregate, open to every signed-in role; without its period it is a 400.
    Row("GET", "local-sourcing", "401 400 400 400 400"),
    *[
        row
        for base, kind in [
            ("organization", "organization"),
            ("company", "company"),
            ("membership", "membership"),
            ("productsupplier", "productsupplier"),
            ("agreement", "agreement"),
            ("commitment", "commitment"),
        ]
        for row in (
            Row("GET", f"{base}-list", "401 200 200 200 200"),
            Row("POST", f"{base}-list", "401 400 403 403 403"),
            Row("GET", f"{base}-detail", "401 200 200 200 200", kind),
            Row("PUT", f"{base}-detail", "401 400 403 403 403", kind),
            Row("PATCH", f"{base}-detail", "401 200 403 403 403", kind),
            # What a deletion would take with it (a company, commitments, their progress) is not
            # deleted through the API but by a site administrator (403 with what to do instead).
            Row(
                "DELETE",
                f"{base}-detail",
                f"401 {403 if kind in REGISTRY_UNDELETABLE else 204} 403 403 403",
                kind,
            ),
        )
    ],
    Row("GET", "commitmentprogress-list", "401 200 200 200 200"),
    Row("POST", "commitmentprogress-list", "401 201 403 201 403", None, progress_body),
    Row("GET", "commitmentprogress-detail", "401 200 200 200 200", "commitmentprogress"),
    # Declarations: industry users for the companies they cover; never hospitals.
    Row("GET", "declaration-list", "401 200:all 403 200:own 403", "declaration"),
    # Declaring for a company the user does not cover is refused on the ``company`` field (400).
    Row("POST", "declaration-list", "401 201 403 201/400 403", "declaration", declaration_body),
    Row("POST", "declaration-upload", "401 400 403 400 403", multipart=True),
    Row("GET", "declaration-template", "401 200 403 200 403"),
    Row("GET", "declaration-detail", "401 200 403 200/404 403", "declaration"),
    Row("POST", "declaration-accept", "401 200 403 403 403", "declaration"),
    Row("POST", "declaration-reject", "401 400 403 403 403", "declaration"),
    # --- shortages API ---------------------------------------------------------------------------
    Row("GET", "scoring-run-list", "401 200 200 200 200"),
    Row("POST", "scoring-run-list", "401 202 403 403 403"),
    Row("GET", "scoring-run-detail", "401 200 200 200 200", "scoring-run"),
    # National scores by default; position scores are scoped on their detail row below.
    Row("GET", "risk-score-list", "401 200 200 200 200"),
    Row("GET", "risk-score-detail", "401 200 200/404 404 404", "risk-score"),
    Row("GET", "alert-list", "401 200:all 200:own 200:none 200:none", "alert"),
    Row("GET", "alert-detail", "401 200 200/404 404 404", "alert"),
    Row("POST", "alert-acknowledge", "401 200 403 403 403", "alert"),
    Row("POST", "alert-assign", "401 200 403 403 403", "alert", assign_body),
    Row("POST", "alert-comment", "401 200 403 403 403", "alert", comment_body),
    Row("POST", "alert-resolve", "401 200 403 403 403", "alert"),
    Row("POST", "alert-snooze", "401 200 403 403 403", "alert", snooze_body),
    Row("GET", "alert-subscription-list", "401 200:own 200:own 200:own 200:own", "alert-subscription"),
    Row("POST", "alert-subscription-list", "401 201 201 201 201", None, subscription_body),
    Row("DELETE", "alert-subscription-detail", "401 204/404 204/404 204/404 204/404", "alert-subscription"),
    # A user without a role sees no alert, so not its notifications either (they speak of the alert).
    Row("GET", "notification-list", "401 200:own 200:own 200:own 200:none", "notification"),
    Row("GET", "notification-detail", "401 200/404 200/404 200/404 404", "notification"),
    Row("POST", "notification-read", "401 200/404 200/404 200/404 404", "notification"),
    Row("GET", "shortage-list", "401 200 200 200 200"),
    Row("POST", "shortage-list", "401 400 403 403 403"),
    Row("POST", "shortage-from-alert", "401 400 403 403 403"),
    Row("POST", "shortage-from-declaration", "401 400 403 403 403"),
    Row("GET", "shortage-proposals", "401 200 200 200 200"),
    Row("GET", "shortage-detail", "401 200 200 200 404", "shortage"),
    Row("PUT", "shortage-detail", "401 400 403 403 403", "shortage"),
    Row("PATCH", "shortage-detail", "401 200 403 403 403", "shortage"),
    Row("GET", "shortage-suggestions", "401 200 200 200 404", "shortage"),
    Row("GET", "shortage-action-list", "401 200 200 200 200"),
    Row("POST", "shortage-action-list", "401 400 403 403 403"),
    Row("GET", "shortage-action-detail", "401 200 200 200 404", "shortage-action"),
    Row("PUT", "shortage-action-detail", "401 400 403 403 403", "shortage-action"),
    Row("PATCH", "shortage-action-detail", "401 200 403 403 403", "shortage-action"),
    # --- pages: anonymous visitors are sent to the login page; roles without access get 403 -----
    Row("PUT", "login", "200 302 302 302 302"),
    Row("GET", "stock:report_upload", "302 200 200 403 403"),
    Row("POST", "stock:report_upload", "302 200 200 403 403"),
    Row("GET", "stock:import_list", "302 200 200 200 403"),
    Row("GET", "stock:import_job", "302 200 200/404 200/404 403", "import-job"),
    Row("GET", "stock:audit_list", "302 200 403 403 403"),
    Row("GET", "stock:medicine_suggestions", "302 200 200 200 403"),
    Row("GET", "stock:token_list", "302 200 200 200 403"),
    Row("POST", "stock:token_list", "302 400 400 400 403"),
    Row("GET", "stock:token_revoke", "405 405 405 405 405", "api-token"),
    Row("POST", "stock:token_revoke", "302 302/404 302/404 302/404 403", "api-token"),
    Row("GET", "partners:organization_list", "302 200 200 200 403"),
    Row("GET", "partners:organization_detail", "302 200 200 200 403", "organization"),
    Row("GET", "partners:agreement_list", "302 200 200 200 403"),
    Row("GET", "partners:agreement_detail", "302 200 200 200 403", "agreement"),
    Row("GET", "partners:commitment_list", "302 200 200 200 403"),
    Row("GET", "partners:commitment_progress", "302 200 200 200 403", "commitment"),
    Row("GET", "partners:declaration_list", "302 200 403 200 403"),
    Row("GET", "partners:declaration_create", "302 200 403 200 403"),
    Row("POST", "partners:declaration_create", "302 200 403 200 403"),
    Row("GET", "partners:declaration_upload", "302 200 403 200 403"),
    Row("POST", "partners:declaration_upload", "302 200 403 200 403"),
    Row("GET", "partners:declaration_template", "302 200 403 200 403"),
    Row("GET", "partners:late_declarants", "302 200 403 403 403"),
    Row("GET", "partners:compliance", "302 200 403 200 403"),
    Row("GET", "partners:declaration_detail", "302 200 403 200/404 403", "declaration"),
    Row("GET", "partners:declaration_review", "405 405 405 405 405", "declaration"),
    Row("POST", "partners:declaration_review", "302 302 403 403 403", "declaration"),
    Row("GET", "shortages:overview", "302 200 403 200 403"),
    Row("GET", "shortages:medicine_list", "302 200 200 200 403"),
    Row("GET", "shortages:medicine_detail", "302 200 200 200 403", "medicine"),
    Row("GET", "shortages:region_list", "302 200 403 403 403"),
    Row("GET", "shortages:region_detail", "302 200 403 403 403", "region"),
    Row("GET", "shortages:establishment_detail", "302 200 200/404 403 403", "establishment"),
    Row("GET", "shortages:alert_list", "302 200 200 200 403"),
    Row("GET", "shortages:alert_detail", "302 200 200/404 404 403", "alert"),
    Row("GET", "shortages:alert_acknowledge", "405 405 405 405 405", "alert"),
    Row("POST", "shortages:alert_acknowledge", "302 302 403 403 403", "alert"),
    Row("POST", "shortages:alert_assign", "302 302 403 403 403", "alert", assign_form),
    Row("POST", "shortages:alert_comment", "302 302 403 403 403", "alert", comment_body),
    Row("POST", "shortages:alert_resolve", "302 302 403 403 403", "alert"),
    Row("GET", "shortages:alert_snooze", "405 405 405 405 405", "alert"),
    Row("POST", "shortages:alert_snooze", "302 302 403 403 403", "alert", snooze_body),
    Row("GET", "shortages:alert_preferences", "302 200 200 200 403"),
    Row("POST", "shortages:alert_preferences", "302 302 302 302 403", None, preferences_form),
    Row("GET", "shortages:shortage_list", "302 200 200 200 403"),
    Row("GET", "shortages:shortage_detail", "302 200 200 200 403", "shortage"),
    Row("GET", "shortages:shortage_create", "302 200 403 403 403"),
    Row("POST", "shortages:shortage_create", "302 200 403 403 403"),
    # Analysts' forms that refuse empty input answer 400 with the form's errors.
    Row("GET", "shortages:shortage_update", "405 405 405 405 405", "shortage"),
    Row("POST", "shortages:shortage_update", "302 400 403 403 403", "shortage"),
    Row("POST", "shortages:action_add", "302 400 403 403 403", "shortage"),
    Row(
        "POST",
        "shortages:action_status",
        "302 302 403 403 403",
        "shortage-action",
        url_kwargs=lambda action: {"pk": action.shortage_id, "action_id": action.pk},
    ),
    # The shortage an alert proposes: a prefilled form (GET), entered in the register once posted.
    Row(
        "GET",
        "shortages:shortage_from_alert",
        "302 200 403 403 403",
        "national-alert",
        url_kwargs=lambda alert: {"alert_id": alert.pk},
    ),
    Row(
        "POST",
        "shortages:shortage_from_alert",
        "302 400 403 403 403",
        "national-alert",
        url_kwargs=lambda alert: {"alert_id": alert.pk},
    ),
    # One establishment's medicine, its probability explained: like the establishment's stock.
    Row(
        "GET",
        "shortages:position_detail",
        "302 200 200/404 403 403",
        "risk-score",
        url_kwargs=lambda score: {"pk": score.establishment_id, "medicine_id": score.medicine_id},
    ),
    # The learned model: analysts read it, a national analyst chooses it (a regional one may not).
    Row("GET", "shortages:prediction_model", "302 200 403 403 403"),
    Row("GET", "shortages:prediction_model_activate", "405 405 405 405 405", "prediction-model"),
    Row("POST", "shortages:prediction_model_activate", "302 302 403 403 403", "prediction-model"),
    Row(
        "POST",
        "shortages:prediction_model_rollback",
        "302 302 403 403 403",
        "prediction-model",
        url_kwargs=lambda model: {"horizon": model.horizon_months},
    ),
]


# The regional analyst's answers where they differ from the national analyst's: the data of
# establishments outside its region are hidden (404), listed for its region only, and never written.
REGIONAL = {
    **{
        ("GET", f"{base}-list"): "200:own"
        for base in ("stock-level", "lot", "movement", "transfer", "monthly-report", "consumption", "alert")
    },
    **{
        ("GET", f"{base}-detail"): "200/404"
        for base in ("stock-level", "lot", "movement", "transfer", "monthly-report", "consumption", "risk-score")
    },
    ("GET", "audit-detail"): "404",
    ("GET", "import-job-list"): "200:own",
    ("GET", "import-job-detail"): "200/404",
    ("GET", "stock:import_job"): "200/404",
    ("POST", "movement-list"): "201/403",
    ("POST", "movement-bulk"): "201/403",
    ("POST", "transfer-list"): "201/403",
    ("POST", "transfer-receive"): "200/404",
    ("POST", "transfer-cancel"): "200/404",
    ("GET", "alert-detail"): "200/404",
    **{("POST", f"alert-{verb}"): "200/404" for verb in ("acknowledge", "assign", "comment", "resolve", "snooze")},
    ("GET", "shortages:establishment_detail"): "200/404",
    ("GET", "shortages:alert_detail"): "200/404",
    ("GET", "shortages:position_detail"): "200/404",
    # The partners registry and the review of declarations are national data: read, never written.
    **{
        (method, f"{base}-{suffix}"): "403"
        for base in ("organization", "company", "membership", "productsupplier", "agreement", "commitment")
        for method, suffix in (("POST", "list"), ("PUT", "detail"), ("PATCH", "detail"), ("DELETE", "detail"))
    },
    ("POST", "commitmentprogress-list"): "403",
    # A regional analyst covers no company (``Company.objects.covered_by``): 400 on ``company``.
    ("POST", "declaration-list"): "400",
    ("POST", "declaration-accept"): "403",
    ("POST", "declaration-reject"): "403",
    ("POST", "partners:declaration_review"): "403",
    ("POST", "shortages:prediction_model_activate"): "403",
    ("POST", "shortages:prediction_model_rollback"): "403",
    # a run publishes the day every user reads; the shortages of the fixture are national ones
    ("POST", "scoring-run-list"): "403",
    **{(method, f"{base}-detail"): "403" for method in ("PUT", "PATCH") for base in ("shortage", "shortage-action")},
    ("GET", "shortages:shortage_from_alert"): "403",
    **{
        ("POST", f"shortages:{name}"): "403"
        for name in ("shortage_update", "action_add", "action_status", "shortage_from_alert")
    },
    **{
        ("POST", f"shortages:alert_{verb}"): "302/404"
        for verb in ("acknowledge", "assign", "comment", "resolve", "snooze")
    },
}


def parse(expected: str, regional: str | None = None) -> dict[str, tuple[str, str]]:
    """``"401 200/404 200:own ..."`` -> {role: (own, other)} where a list cell keeps its ``:scope``.
    The regional analyst's cell is ``regional``, else the analyst's."""
    cells = expected.split()
    assert len(cells) == len(ROLES) - 1, f"{expected!r}: one cell per role {ROLES[:-1]}"
    cells.append(regional or cells[ROLES.index("analyst")])
    parsed = {}
    for role, cell in zip(ROLES, cells, strict=True):
        own, _, other = cell.partition("/")
        parsed[role] = (own, other or own)
    return parsed


def _listed_ids(response) -> set[int]:
    payload = response.json()
    rows = payload.get("results", payload) if isinstance(payload, dict) else payload
    return {row["id"] for row in rows}


def _check_list_scope(world, row, role, response, scope: str) -> str | None:
    own, other = world.target(row.kind, role, "own").pk, world.target(row.kind, role, "other").pk
    listed = _listed_ids(response)
    wanted = {"all": {own, other}, "own": {own}, "none": set()}[scope]
    seen = {own, other} & listed
    if seen != wanted:
        return f"lists {sorted(seen)} of own={own}/other={other}, expected {sorted(wanted)} ({scope})"
    return None


def run_row(asker: Asker, world: MatrixWorld, endpoints, row: Row) -> list[str]:
    """The differences between the row's expectations and the answers."""
    endpoint = endpoints[row.name]
    problems = []
    for role, (expected_own, expected_other) in parse(row.expected, REGIONAL.get((row.method, row.name))).items():
        ownership_matters = row.kind is not None and (endpoint.takes_pk or row.body is not None)
        cases = [("own", expected_own), ("other", expected_other)] if ownership_matters else [("any", expected_own)]
        for ownership, expected in cases:
            target = world.target(row.kind, role, ownership) if ownership != "any" else None
            body = row.body(world, target) if row.body else None
            kwargs = None
            if endpoint.takes_pk:
                kwargs = row.url_kwargs(target) if row.url_kwargs else {"pk": target.pk}
            response = asker.ask(endpoint, row.method, role, kwargs, body, multipart=row.multipart)
            status, _, scope = expected.partition(":")
            where = f"{row.method} {row.name} as {role}" + (f" on {ownership} object" if ownership != "any" else "")
            if str(response.status_code) != status:
                problems.append(f"{where}: expected {status}, got {response.status_code}")
            elif scope:
                problem = _check_list_scope(world, row, role, response, scope)
                if problem:
                    problems.append(f"{where}: {problem}")
    return problems


@pytest.fixture
def matrix(personas):
    world = build_matrix_world(personas)
    return world, Asker(world), site_endpoints()


def test_every_endpoint_has_a_row():
    # given the URL configuration and the table
    endpoints = site_endpoints()
    covered = {(row.name, row.method) for row in ROWS}
    named = {row.name for row in ROWS}

    # when each URL and method is looked up in the table
    missing = [
        f"{method} {endpoint.name} ({endpoint.route})"
        for endpoint in endpoints.values()
        for method in endpoint.methods
        if (endpoint.methods_known and (endpoint.name, method) not in covered) or endpoint.name not in named
    ]
    stale = sorted({row.name for row in ROWS} - set(endpoints))

    # then none is missing, and no row names a URL that no longer exists
    assert not missing, "endpoints without a row in the permission matrix:\n" + "\n".join(missing)
    assert not stale, f"rows for URLs that no longer exist: {stale}"


@pytest.mark.slow
def test_every_role_gets_the_expected_answer(matrix):
    # given the world, a client per role, and the URL configuration
    world, asker, endpoints = matrix

    # when every row is asked as every role, on own and other parties' objects
    problems = [problem for row in ROWS if row.name in endpoints for problem in run_row(asker, world, endpoints, row)]
    if os.environ.get("MATRIX_PRINT"):
        print("\n".join(problems))

    # then every answer is the expected one
    assert not problems, f"{len(problems)} unexpected answers:\n" + "\n".join(problems)
