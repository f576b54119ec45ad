"""Token authentication against hashed, revocable tokens (``Authorization: Bearer <token>``).

Unknown or revoked tokens count against the ``auth`` rate (``API_RATE_AUTH``) of the client address:
past it, every token sent from that address is answered 429 before it is looked up, so guessing
tokens costs the guesser time and the database nothing.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from stock import scopes
from stock.api.throttling import InvalidTokenThrottle
from stock.models import ApiToken, hash_token

# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60


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
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
            .annotate(**scopes.access_annotations(f"{ApiToken._meta.db_table}.user_id"))
            .first()
        )
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
