"""Token authentication against hashed, revocable tokens (``Authorization: Bearer <token>``).

Unknown or revoked tokens count against the ``auth`` rate (``API_RATE_AUTH``) of the client address:
past it, every token sent from that address is answered 429 before it is looked up, so guessing
tokens costs the guesser time and the database nothing.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from bulk import prepared
from stock import scopes
from stock.api.throttling import InvalidTokenThrottle
from stock.models import ApiToken, hash_token

# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60


def token_with_access(key_hash: str) -> ApiToken | None:
    """The unrevoked token of ``key_hash`` with its user and the user's access
    (:func:`scopes.access_annotations`), or None. One query: on PostgreSQL of fixed text, built once
    per process (:func:`_token_statement`) and prepared once per session (:mod:`bulk.prepared`);
    building it through the ORM on every request cost as much as running it (0.37 ms of 0.92,
    docs/performance.md)."""
    database = router.db_for_read(ApiToken)
    statement = _token_statement(connections[database].vendor)
    if statement is None:
        return (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True)
            .annotate(**scopes.access_annotations(f"{ApiToken._meta.db_table}.user_id"))
            .first()
        )
    sql, params, token_fields, user_fields = statement
    with connections[database].cursor() as cursor:
        prepared.execute(cursor, "api_token_with_access", sql, [*params, key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_fields)
    token = ApiToken.from_db(database, token_fields, row[:split])
    token.user = get_user_model().from_db(database, user_fields, row[split : split + len(user_fields)])
    token.access_roles, token.access_linked = row[-2:]
    return token


@functools.cache
def _token_statement(vendor: str) -> tuple[str, tuple, list[str], list[str]] | None:
    """The SQL of :func:`token_with_access` (the key hash its last parameter), its other parameters
    and the token's and the user's field names in the order of its columns; None off PostgreSQL, or
    where a field converts what the database returns (the rows are not passed through the ORM's
    converters: on PostgreSQL these fields need none)."""
    user_model = get_user_model()
    models = (ApiToken, user_model)
    if vendor != "postgresql" or any(hasattr(f, "from_db_value") for m in models for f in m._meta.concrete_fields):
        return None
    tokens, users = ApiToken._meta.db_table, user_model._meta.db_table
    access = scopes.access_annotations(f"{tokens}.user_id")
    roles, linked = access["access_roles"], access["access_linked"]
    columns = [f"{tokens}.{field.column}" for field in ApiToken._meta.concrete_fields]
    columns += [f"{users}.{field.column}" for field in user_model._meta.concrete_fields]
    sql = (
        f"SELECT {', '.join(columns)}, ({roles.sql}), ({linked.sql}) FROM {tokens} "  # noqa: S608 - models' names
        f"JOIN {users} ON {users}.{user_model._meta.pk.column} = {tokens}.user_id "
        f"WHERE {tokens}.key_hash = %s AND {tokens}.revoked_at IS NULL"
    )
    return (
        sql,
        (*roles.params, *linked.params),
        [field.attname for field in ApiToken._meta.concrete_fields],
        [field.attname for field in user_model._meta.concrete_fields],
    )


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("Bearer", "Token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") not in self.keywords:
            return None
        throttle = InvalidTokenThrottle()
        if throttle.is_blocked(request):
            raise exceptions.Throttled(wait=throttle.wait())
        if len(header) != 2:
            throttle.failure_record(request)
            raise exceptions.AuthenticationFailed(_("En-tête de jeton invalide : « Bearer <jeton> » attendu."))
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as error:
            throttle.failure_record(request)
            raise exceptions.AuthenticationFailed(
                _("En-tête de jeton invalide : le jeton n'est pas du texte.")
            ) from error
        token = token_with_access(hash_token(raw))
        if token is None or not token.user.is_active:
            throttle.failure_record(request)
            raise exceptions.AuthenticationFailed(_("Jeton inconnu ou révoqué."))
        # The roles and area links came with the token: the scope of the request costs no query more.
        scopes.access_remember(token.user, token)
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "stock.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
