"""Settings read from the environment.

With no variable set, the embedded default runs: a SQLite file, Celery tasks executed in-process,
e-mail printed on the console. ``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to a real
broker and cache. ``DJANGO_DEBUG=0`` (the production profile) requires ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("APP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "stock",
    "partners",
    "shortages",
    "tooling",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.AuditMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
        }
    }
    # The position index of the scores carries columns with INCLUDE for PostgreSQL's index-only reads
    # (docs/performance.md); SQLite builds it without them, which is all the embedded default needs.
    # Its warning was printed on every migrate and runserver of `make demo`.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Lets several test runs share one PostgreSQL server without colliding.
if os.environ.get("DJANGO_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DJANGO_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Degrades to "no cache" while Redis is down, with short timeouts (config/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Redis, subscribing to a task's result only when someone waits for it: a task is sent within a
# second, or fails with the broker's error, while Redis is unreachable (config/celery_results.py).
CELERY_RESULT_BACKEND = f"config.celery_results:RedisResultBackend+{REDIS_URL}" if REDIS_URL else "cache+memory://"
# Without a broker, tasks run in the calling process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3300)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "Africa/Casablanca"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_TASK_ROUTES = {
    "shortages.tasks.*": {"queue": "scoring"},
    "stock.tasks.*": {"queue": "imports"},
    "partners.tasks.*": {"queue": "imports"},
    "shortages.tasks.digests_dispatch": {"queue": "notifications"},
    "shortages.tasks.digest_send": {"queue": "notifications"},
}
CELERY_QUEUE_NAMES = ["default", "scoring", "imports", "notifications"]

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file backend
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "veille-medicaments@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Counts failed logins and locks out password guessing (stock/login_throttle.py).
AUTHENTICATION_BACKENDS = ["stock.login_throttle.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_IP = env_int("LOGIN_FAILURE_LIMIT_PER_IP", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Lifetime of an API token in days, fixed when the token is made (stock/models/access.py); 0: no limit.
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 365)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
# French first (the pages are written in French), Arabic right-to-left; no English catalogue, so a
# browser asking for English gets French words and French number formats, not a mix.
LANGUAGES = [("fr", _("Français")), ("ar", _("العربية"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Arabic number and date formats as Morocco writes them (config/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 30 * 1024 * 1024)
# Bounds of every import (stock/uploads/limits.py): data lines of a file, errors kept on its job.
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 100_000)
UPLOAD_MAX_ERRORS = env_int("UPLOAD_MAX_ERRORS", 1000)
# Time budgets of an import (stock/uploads/budget.py), after which it fails with nothing written: in
# a worker (monthly reports; below CELERY_TASK_SOFT_TIME_LIMIT), and inside a web request
# (declarations; below gunicorn's 60 s timeout).
IMPORT_TIME_BUDGET_SECONDS = env_int("IMPORT_TIME_BUDGET_SECONDS", 900)
UPLOAD_REQUEST_TIME_BUDGET_SECONDS = env_int("UPLOAD_REQUEST_TIME_BUDGET_SECONDS", 45)

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "stock.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "stock.api.filters.QueryFilterBackend",
        "stock.api.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "stock.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # orjson writes the JSON (stock/api/renderers.py); the browsable API stays for people.
    "DEFAULT_RENDERER_CLASSES": [
        "stock.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "stock.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "stock.api.errors.exception_handler",
    # REST framework's own classes, keyed by the client address of stock/audit.py (not by the
    # X-Forwarded-For header as a client wrote it).
    "DEFAULT_THROTTLE_CLASSES": [
        "stock.api.throttling.AnonRateThrottle",
        "stock.api.throttling.UserRateThrottle",
        "stock.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_ANON", "60/min"),
        "user": os.environ.get("API_RATE_USER", "6000/min"),
        # Views opt in with ``throttle_scope``: credentials and tokens, file uploads.
        "auth": os.environ.get("API_RATE_AUTH", "10/min"),
        "uploads": os.environ.get("API_RATE_UPLOADS", "60/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Veille des ruptures de médicaments essentiels — API",
    "DESCRIPTION": "Stock, consommation, déclarations industrielles, scores de risque, alertes et ruptures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers too (401, 403, 404, 400, 429: stock/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stock.api.schema.error_responses",
        "shortages.api.schema.expanded_fields_optional",
    ],
    # Choice sets of the stock app shared by several serializers: one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "MovementKindEnum": "stock.choices.MovementKind",
        "MovementSourceEnum": "stock.choices.MovementSource",
        "LossReasonEnum": "stock.choices.LossReason",
        "TransferStatusEnum": "stock.choices.TransferStatus",
        "ImportKindEnum": "stock.choices.ImportKind",
        "ImportStatusEnum": "stock.choices.ImportStatus",
        "EstablishmentLevelEnum": "stock.choices.EstablishmentLevel",
        "EstablishmentCategoryEnum": "stock.choices.EstablishmentCategory",
        "ProductStatusEnum": "stock.choices.ProductStatus",
        "ProductOriginEnum": "stock.choices.ProductOrigin",
        "VenClassEnum": "stock.choices.VenClass",
        # One name per choice set across the apps keeps `check --deploy` free of naming warnings.
        "OrganizationKindEnum": "partners.choices.OrganizationKind",
        "SupplierRoleEnum": "partners.choices.SupplierRole",
        "AgreementKindEnum": "partners.choices.AgreementKind",
        "CommitmentCategoryEnum": "partners.choices.CommitmentCategory",
        "CommitmentStatusEnum": "partners.choices.CommitmentStatus",
        "DeclarationStatusEnum": "partners.choices.DeclarationStatus",
        "SupplyKindEnum": "partners.choices.SupplyKind",
        # Shortage causes are the declared disruption causes: one choice set, one name.
        "CauseEnum": "shortages.choices.ShortageCause",
        "RiskLevelEnum": "shortages.choices.RiskLevel",
        "StockStatusEnum": "shortages.choices.StockStatus",
        # Scoring runs share the import jobs' statuses (ImportStatusEnum above).
        "RunScopeEnum": "shortages.choices.RunScope",
        "AlertKindEnum": "shortages.choices.AlertKind",
        "AlertStatusEnum": "shortages.choices.AlertStatus",
        "AlertEventKindEnum": "shortages.choices.AlertEventKind",
        "ShortageStatusEnum": "shortages.choices.ShortageStatus",
        "ShortageScopeEnum": "shortages.choices.ShortageScope",
        "ActionKindEnum": "shortages.choices.ActionKind",
        "ActionStatusEnum": "shortages.choices.ActionStatus",
    },
}

# --- Domain parameters ----------------------------------------------------------------------------
# Every figure and default is explained in docs/scoring.md.
# Max-min inventory control levels per establishment level, in months of stock (DESIGN §4); lead time
# and review period (months) make the horizon H of the stockout probability. Medicine.lead_time_months
# and Medicine.review_period_months override them.
STOCK_LEVELS = {
    "hospital": {"emergency": 0.5, "minimum": 1.5, "maximum": 3.0, "lead_time": 1.0, "review": 1.0},
    "primary": {"emergency": 0.5, "minimum": 1.5, "maximum": 3.0, "lead_time": 1.0, "review": 1.0},
    "warehouse": {"emergency": 1.0, "minimum": 3.0, "maximum": 6.0, "lead_time": 2.0, "review": 1.0},
}
# Weights of the national 0-100 risk score; they sum to 100. A factor without data is left out and
# the others are rescaled, so contributions always add up to the score.
RISK_WEIGHTS = {
    "stock_cover": 30.0,  # public months of stock against NATIONAL_COVER_TARGET_MONTHS
    "stockout_spread": 20.0,  # share of positions stocked out or below the emergency point
    "industry_cover": 15.0,  # industry months of stock against SAFETY_STOCK_MONTHS
    "disruption": 15.0,  # share of declared sales under a declared disruption
    "concentration": 8.0,  # Herfindahl index of suppliers and of active-ingredient origins
    "import_dependency": 5.0,  # share of imported products
    "history": 4.0,  # shortage episodes in the last SCORING_HISTORY_MONTHS
    "criticality": 3.0,  # VEN class: V = 1, E = 0.5, N = 0
}
# Weights of the 0-100 score of one position (establishment, medicine).
POSITION_RISK_WEIGHTS = {"stockout_probability": 60.0, "cover": 30.0, "criticality": 10.0}
# Lower bounds of the score for each level (below "medium" is "low").
RISK_LEVEL_THRESHOLDS = {"critical": 75.0, "high": 50.0, "medium": 25.0}
SCORING_MONTHS = env_int("SCORING_MONTHS", 6)  # months of consumption behind the AMC
# Score history kept (shortages.services.retention, applied nightly by beat): a position row that
# stopped holding this many days ago is deleted (the row that still holds never is); national
# rows, which the medicine pages' year of trend reads, are kept two years.
SCORE_POSITION_RETENTION_DAYS = env_int("SCORE_POSITION_RETENTION_DAYS", 90)
SCORE_NATIONAL_RETENTION_DAYS = env_int("SCORE_NATIONAL_RETENTION_DAYS", 730)
PREDICTION_RETENTION_MONTHS = 3  # months of stored month-end predictions (0.7 million rows each)
SAFETY_STOCK_MONTHS = 3  # arrêté 263-02: a quarter of a year's sales
NATIONAL_COVER_TARGET_MONTHS = 3.0  # public months of stock under which stock_cover rises above 0
# Understocked positions whose P of stockout within the horizon reaches this raise the high-probability
# alert; also the backtest's cut. 0.5 with the calibrated P: more likely than not (docs/scoring.md).
STOCKOUT_PROBABILITY_ALERT = 0.5
EXPIRY_ALERT_MONTHS = 6  # lots expiring unused within this many months raise an expiry alert
PREDICTION_SEED = env_int("PREDICTION_SEED", 7)  # the learned models are deterministic for a seed
# Positions drawn for a training (whole histories); 0 = all. 24 months x 50,000 positions is
# 1.2 million rows: about a minute per booster on two cores (docs/performance.md).
PREDICTION_MAX_TRAINING_POSITIONS = env_int("PREDICTION_MAX_TRAINING_POSITIONS", 50_000)
# Positions whose history a month's predictions turn into features at once (whole establishments,
# counted by their rows of the month; about 20 months each: 0.5 million rows). The national month
# (0.64 million positions predicted) then peaks at 1.2 GB, under the scoring worker's 2 GB, and the
# batches' own peak (1.0 GB) stays below that of the last step over every position: 40,000 gave
# 1.24 GB, everything at once 11 GB. Smaller batches would only cost more queries.
PREDICTION_BATCH_POSITIONS = env_int("PREDICTION_BATCH_POSITIONS", 25_000)
# Who computes a month's predictions (0.7 million positions: 1.5-2 minutes nationally, again after
# each monthly report import): the scoring run that first needs them (the embedded default, which
# has no worker), or the worker's task ``month_predictions_refresh`` (services profile: the watch
# enqueues it every 15 minutes when they are missing or stale), so that a scoring run only reads
# them and then costs the same on every day of the month (docs/scoring.md, docs/performance.md).
PREDICTIONS_COMPUTED_IN_RUNS = env_bool("PREDICTIONS_COMPUTED_IN_RUNS", CELERY_TASK_ALWAYS_EAGER)
SCORING_HISTORY_MONTHS = 24  # look-back of shortage episodes
SCORING_HISTORY_SATURATION = 3  # episodes at which the history factor reaches 1
SCORING_CHUNK_SIZE = env_int("SCORING_CHUNK_SIZE", 200)  # establishments per scoring task
SCORING_DEBOUNCE_SECONDS = env_int("SCORING_DEBOUNCE_SECONDS", 600)  # quiet time after a data change
ALERT_CLEAR_RUNS = 2  # consecutive clear runs before an alert closes itself
# Regional roll-up (docs/alerts.md): a medicine in a region raises one alert when at least
# ALERT_ROLLUP_MIN_POSITIONS of its positions there, and ALERT_ROLLUP_SHARE of them, are stocked out
# or below the emergency point; with ALERT_ROLLUP_PROBABILITY_CUT set, a position whose learned
# (calibrated) probability of stockout within the horizon reaches the cut counts too (None: off).
ALERT_ROLLUP_SHARE = 0.2
ALERT_ROLLUP_MIN_POSITIONS = 3
ALERT_ROLLUP_PROBABILITY_CUT = 0.5
ALERT_SNOOZE_MAX_DAYS = 90  # longest sleep of an alert

# --- Logging --------------------------------------------------------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Production hardening -------------------------------------------------------------------------
# ``manage.py check --deploy`` is clean with DJANGO_DEBUG=0 (tests/security/test_deploy_settings.py).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Reverse proxies in front of the site that append to X-Forwarded-For: the client address (lock-out,
# audit trail, API rates) is the hop the outermost one saw, counted from the right (stock/audit.py).
# The older TRUST_X_FORWARDED_FOR=1 means one proxy.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if TRUST_X_FORWARDED_FOR else 0)

# Content security policy (config/middleware.py): no inline script or style anywhere on our pages;
# the API viewers and the admin carry inline styles, so they get a policy that allows those only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
CONTENT_SECURITY_POLICY_RELAXED = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "worker-src 'self' blob:; font-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
CONTENT_SECURITY_POLICY_RELAXED_PATHS = ("/api/schema/swagger/", "/api/schema/redoc/", "/admin/")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Request limits (config/middleware.py): JSON bodies on the API; uploads use UPLOAD_MAX_BYTES.
API_MAX_JSON_BYTES = env_int("API_MAX_JSON_BYTES", 2 * 1024 * 1024)
# One access-log line per request (JSON with LOG_FORMAT=json).
ACCESS_LOG = env_bool("ACCESS_LOG", True)
# With JSON logs, Celery workers log through LOGGING above instead of their own text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# /health/ flags the scores as stale past this age.
HEALTH_SCORING_MAX_AGE_HOURS = env_int("HEALTH_SCORING_MAX_AGE_HOURS", 36)
