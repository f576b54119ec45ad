"""The token look-up of every API request, written out once (PostgreSQL), reads what the ORM's
query of the same definition reads: the token, its user, the user's roles and area links; nothing
for a revoked token or an unknown one."""

from __future__ import annotations

import pytest
from django.db.models import Model

from stock import scopes
from stock.authentication import token_with_access
from stock.models import ApiToken, hash_token
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def _orm(key_hash: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .annotate(**scopes.access_annotations(f"{ApiToken._meta.db_table}.user_id"))
        .first()
    )


def _fields(instance: Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_written_out_look_up_reads_what_the_orm_reads(personas, django_assert_num_queries):
    # given tokens of an analyst linked to a region, of a hospital's user, of an inactive user, and
    # a revoked one
    regional = factories.UserFactory(username="regional-analyst", roles=["analyst", "hospital"])
    personas.hospital_a.region.analysts.add(regional)
    inactive = factories.UserFactory(username="gone", roles=["analyst"], is_active=False)
    keys = {}
    for name, user in [("regional", regional), ("hospital", personas.hospital_a_user), ("inactive", inactive)]:
        token, raw = ApiToken.issue(user=user, name=name)
        keys[name] = hash_token(raw)
    revoked, raw = ApiToken.issue(user=regional, name="revoked")
    revoked.revoke()
    keys["revoked"] = hash_token(raw)
    keys["unknown"] = hash_token("not-a-token")
    for name, key_hash in keys.items():
        # when
        with django_assert_num_queries(1):
            token = token_with_access(key_hash)
        expected = _orm(key_hash)
        # then
        if name in ("revoked", "unknown"):
            assert token is None and expected is None
            continue
        assert _fields(token) == _fields(expected)
        assert _fields(token.user) == _fields(expected.user)
        assert (token.access_roles, bool(token.access_linked)) == (expected.access_roles, bool(expected.access_linked))
        assert token._state.db == "default" and not token._state.adding
    # and the regional analyst's roles and link came with its token
    regional_token = token_with_access(keys["regional"])
    assert regional_token.access_roles and regional_token.access_linked
    assert not token_with_access(keys["hospital"]).access_linked
