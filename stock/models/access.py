"""API tokens, idempotency records and the audit trail."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from stock import scopes

TOKEN_PREFIX_LENGTH = 8
# The key salt of :func:`password_digest`; migration 0008 writes the same digest with it.
CREDENTIAL_DIGEST_SALT = "stock.ApiToken.credential_digest"
CREDENTIAL_DIGEST_LENGTH = 32


def hash_token(raw: str) -> str:
    """SHA-256 of a token: tokens are random 256-bit strings, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def password_digest(password: str, *, secret: str | None = None) -> str:
    """A short digest of a user's password hash (the encoded ``user.password``), keyed with
    ``SECRET_KEY`` (or ``secret``, one of ``SECRET_KEY_FALLBACKS``) as Django's session hash is: a
    token stores the digest of its user's password when it is made and is refused once they differ.
    The user row comes with the token, so the check costs no query (a few microseconds)."""
    return salted_hmac(CREDENTIAL_DIGEST_SALT, password, secret=secret, algorithm="sha256").hexdigest()[
        :CREDENTIAL_DIGEST_LENGTH
    ]


def token_lifetime() -> dt.timedelta | None:
    """How long a token made now stays valid: ``API_TOKEN_MAX_AGE_DAYS`` days (None, 0 or less: no limit)."""
    days = getattr(settings, "API_TOKEN_MAX_AGE_DAYS", 365)
    return dt.timedelta(days=int(days)) if days and int(days) > 0 else None


def token_expiry(start: dt.datetime) -> dt.datetime | None:
    """The end of the validity of a token whose lifetime starts at ``start`` (None: it never expires)."""
    lifetime = token_lifetime()
    return start + lifetime if lifetime is not None else None


class Binding(enum.Enum):
    """How a token stands to its user's current password (:meth:`ApiToken.binding_to`)."""

    CURRENT = "current"  # made (or last bound) with this password, under SECRET_KEY
    FALLBACK = "fallback"  # with this password, under a key of SECRET_KEY_FALLBACKS: to bind again
    UNBOUND = "unbound"  # made before tokens were bound to passwords: to bind on its first use
    CHANGED = "changed"  # the password changed after the token was made: the token is void


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(user=user)

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def usable(self, user) -> ApiTokenQuerySet:
        """``user``'s tokens the API still accepts: not revoked, not expired, not made before a
        change of the password (a token made under a retired key counts as void here)."""
        return self.filter(user=user, revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            Q(credential_digest__isnull=True) | Q(credential_digest=password_digest(user.password)),
        )


class ApiToken(models.Model):
    """A revocable API token. Only its SHA-256 hash is stored; the raw value is shown once.

    A token is void once its user's password changes after it was made (``credential_digest``, see
    :func:`password_digest`) and once ``expires_at`` has passed (``API_TOKEN_MAX_AGE_DAYS`` after
    its creation, fixed then; null: no limit). A token made before these rules (digest null) is bound
    to its user's password, and given its lifetime, on its first use.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    credential_digest = models.CharField(max_length=CREDENTIAL_DIGEST_LENGTH, null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns the row and the raw value (shown once)."""
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:TOKEN_PREFIX_LENGTH],
            key_hash=hash_token(raw),
            expires_at=token_expiry(timezone.now()),
            credential_digest=password_digest(user.password),
        )
        return token, raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def state(self, user, now: dt.datetime | None = None) -> str:
        """What the API answers to this token now: ``active``, or why it refuses it (``revoked``,
        ``user_inactive``, ``password_changed``, ``expired``), in the order the API checks."""
        if self.revoked_at:
            return "revoked"
        if not user.is_active:
            return "user_inactive"
        if self.binding_to(user.password) is Binding.CHANGED:
            return "password_changed"
        if self.is_expired(now):
            return "expired"
        return "active"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def binding_to(self, password: str) -> Binding:
        """Whether this token was made with ``password`` (its user's current ``password`` field)."""
        if self.credential_digest is None:
            return Binding.UNBOUND
        if constant_time_compare(self.credential_digest, password_digest(password)):
            return Binding.CURRENT
        for secret in getattr(settings, "SECRET_KEY_FALLBACKS", ()):
            if constant_time_compare(self.credential_digest, password_digest(password, secret=secret)):
                return Binding.FALLBACK
        return Binding.CHANGED


def _tokens_follow_a_rehash(sender, instance, raw=False, using=None, update_fields=None, **kwargs) -> None:
    """Keep the tokens of a user whose password is only re-hashed, not changed.

    When a user signs in with a password hashed by an older hasher or with fewer iterations (every
    Django release raises them), ``check_password`` hashes it again and saves
    ``update_fields=["password"]`` with ``_password`` cleared ("hash upgrades shouldn't be considered
    password changes"); a real change through ``set_password`` keeps ``_password`` until the save.
    Without this, each user's first sign-in after an upgrade of Django would void all their tokens.
    Only tokens bound to the previous hash follow: those already void stay void. Assign passwords
    with ``set_password`` (as the admin, ``changepassword`` and the password forms do): a hash
    written into ``password`` by hand and saved alone with ``update_fields=["password"]`` is taken
    for a re-hash."""
    if raw or update_fields is None or set(update_fields) != {"password"} or instance.pk is None:
        return
    if getattr(instance, "_password", None) is not None or not instance.has_usable_password():
        return
    previous = (
        type(instance)._default_manager.using(using).filter(pk=instance.pk).values_list("password", flat=True).first()
    )
    if previous is None or previous == instance.password:
        return
    ApiToken.objects.using(using).filter(user_id=instance.pk, credential_digest=password_digest(previous)).update(
        credential_digest=password_digest(instance.password)
    )


pre_save.connect(_tokens_follow_a_rehash, sender=settings.AUTH_USER_MODEL, dispatch_uid="stock.api_token_rehash")


class IdempotencyRecord(models.Model):
    """The first answer given to a write sent with an ``Idempotency-Key``: a replay with the same
    body gets it back; the same key with another body is a conflict."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=60)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")]


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEntryQuerySet:
        """The whole trail, for national analysts (it names every region's writes)."""
        return self if scopes.is_national_analyst(user) else self.none()


class AuditEntry(models.Model):
    """Who changed what and when: one row per write made through the application."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
