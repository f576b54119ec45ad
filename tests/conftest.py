"""Shared fixtures: the personas every area tests with, and API clients logged in as them.

Personas: an analyst; two hospitals' users (each linked to one establishment); an association user
(the association has one member company); a company user (a company outside the association); a
user with no role; an anonymous client.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test.utils import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from config.celery import app as celery_app
from stock import roles
from stock.models import ApiToken
from tests import factories

SERVICE_MARKER = "services"


def _services_problem() -> str | None:
    """Why PostgreSQL and Redis cannot be used, or None when both answer."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        return "DATABASE_URL (PostgreSQL) and REDIS_URL must be set"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - any failure means the service is unusable
        return f"Redis unreachable at {redis_url}: {error}"
    return None


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """A real password hash costs a fraction of a second on two cores and the personas make six
    users per test; the suite does not test the hash itself."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the test process even when a broker is configured (services pass)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _require_services(request):
    """A test marked ``services`` needs the real PostgreSQL and Redis. Without them it is skipped on
    a developer's machine, but fails when ``CI`` is set: CI must never hide a missing service."""
    if request.node.get_closest_marker(SERVICE_MARKER) is None:
        return
    problem = _services_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"service test cannot run in CI: {problem}")
    pytest.skip(problem)


@dataclass
class Personas:
    analyst: Any
    hospital_a_user: Any
    hospital_b_user: Any
    association_user: Any
    company_user: Any
    no_role_user: Any
    hospital_a: Any
    hospital_b: Any
    association: Any
    member_company: Any
    outside_company: Any


@pytest.fixture
def personas(db) -> Personas:
    region = factories.RegionFactory(code="01", name_fr="Tanger-Tétouan-Al Hoceima")
    other_region = factories.RegionFactory(code="06", name_fr="Casablanca-Settat")
    hospital_a = factories.EstablishmentFactory(code="T-HOSP-A", name="Hôpital A", region=region)
    hospital_b = factories.EstablishmentFactory(code="T-HOSP-B", name="Hôpital B", region=other_region)
    association = factories.OrganizationFactory(name="Association test", acronym="AT")
    member_company = factories.CompanyFactory(organization__name="Laboratoire membre")
    outside_company = factories.CompanyFactory(organization__name="Laboratoire indépendant")
    factories.MembershipFactory(member=member_company.organization, body=association)

    analyst = factories.UserFactory(username="analyst", roles=["analyst"])
    hospital_a_user = factories.UserFactory(username="hospital_a", roles=["establishment"])
    hospital_b_user = factories.UserFactory(username="hospital_b", roles=["establishment"])
    association_user = factories.UserFactory(username="association", roles=["industry"])
    company_user = factories.UserFactory(username="company", roles=["industry"])
    no_role_user = factories.UserFactory(username="norole")
    hospital_a.users.add(hospital_a_user)
    hospital_b.users.add(hospital_b_user)
    association.users.add(association_user)
    outside_company.organization.users.add(company_user)
    return Personas(
        analyst=analyst,
        hospital_a_user=hospital_a_user,
        hospital_b_user=hospital_b_user,
        association_user=association_user,
        company_user=company_user,
        no_role_user=no_role_user,
        hospital_a=hospital_a,
        hospital_b=hospital_b,
        association=association,
        member_company=member_company,
        outside_company=outside_company,
    )


@pytest.fixture
def api_client_for():
    """``api_client_for(user)``: an API client authenticated with a fresh hashed token of ``user``
    (``None`` gives an anonymous client)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, raw = ApiToken.issue(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def tasks_in_process():
    """Celery tasks (an import job) run in the test's process, even with a real broker configured:
    no worker runs during the tests, and the task's outcome is read back at once."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _language_restored():
    """Each test starts in the default language. A request through ``LocaleMiddleware`` leaves its
    language active in the thread after the response: an Arabic page requested by one test turned
    the messages of a later test's import job (no request of its own) into Arabic."""
    yield
    translation.deactivate()


@pytest.fixture
def role_groups(transactional_db):
    """The role groups, for a transactional test: it empties the tables afterwards, the groups made by
    migrations included."""
    for name in roles.ROLES:
        Group.objects.get_or_create(name=name)
