"""Token authentication against hashed, revocable tokens (``Authorization: Bearer <token>``).

A token is refused (401 ``authentication_failed``, its message saying why) when it is unknown or
revoked, when its user is deactivated, when its user's password changed after it was made, and once
it has expired (``API_TOKEN_MAX_AGE_DAYS`` after its creation). The last two read the token's row
and its user's, which the look-up brings anyway: they cost no query.

Refused tokens count against the ``auth`` rate (``API_RATE_AUTH``) of the client address: past it,
every token sent from that address is answered 429 before it is looked up, so guessing tokens costs
the guesser time and the database nothing.
"""

from __future__ import annotations

import functools
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from bulk import prepared
from stock import scopes
from stock.api.throttling import InvalidTokenThrottle
from stock.dates import shown_date
from stock.models import ApiToken, hash_token
from stock.models.access import Binding, password_digest, token_expiry

# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60

UNKNOWN_TOKEN = _("Jeton inconnu ou révoqué.")
USER_INACTIVE = _("Jeton refusé : le compte de son utilisateur est désactivé.")
PASSWORD_CHANGED = _(
    "Jeton révoqué : le mot de passe de son utilisateur a changé après sa création. Créez-en un nouveau "
    "depuis une session ouverte avec le nouveau mot de passe (page « Accès API », /acces-api/)."
)
TOKEN_EXPIRED = _(
    "Jeton expiré le %(date)s. Créez-en un nouveau depuis une session ouverte (page « Accès API », "
    "/acces-api/) ou demandez-le à un administrateur."
)


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


def token_refusal(token: ApiToken | None, binding: Binding | None, now: datetime) -> str | None:
    """Why ``token`` (from :func:`token_with_access`; ``binding``, its binding to its user's password)
    may not authenticate a request at ``now``, in the request's language; None when it may."""
    if token is None:
        return str(UNKNOWN_TOKEN)
    if not token.user.is_active:
        return str(USER_INACTIVE)
    if binding is Binding.CHANGED:
        return str(PASSWORD_CHANGED)
    if token.is_expired(now):
        return str(TOKEN_EXPIRED) % {"date": shown_date(timezone.localdate(token.expires_at))}
    return None


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
        now = timezone.now()
        binding = token.binding_to(token.user.password) if token is not None else None
        refusal = token_refusal(token, binding, now)
        if refusal is not None:
            throttle.failure_record(request)
            raise exceptions.AuthenticationFailed(refusal)
        # The roles and area links came with the token: the scope of the request costs no query more.
        scopes.access_remember(token.user, token)
        changes = {}
        if binding is not Binding.CURRENT:
            # Made before tokens were bound to passwords (or under a retired SECRET_KEY): bound to the
            # password it was just accepted with, and given its lifetime from today if it had none.
            changes["credential_digest"] = password_digest(token.user.password)
            if token.credential_digest is None and token.expires_at is None:
                changes["expires_at"] = token_expiry(now)
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            changes["last_used_at"] = now
        if changes:
            ApiToken.objects.filter(pk=token.pk).update(**changes)
            for field, value in changes.items():
                setattr(token, field, value)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "stock.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
