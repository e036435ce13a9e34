"""Settings come from the environment (see config/env.example).

With nothing set, the product runs on the embedded default: SQLite and Celery's
filesystem transport under var/, so a newcomer needs no services.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

VAR_DIR = Path(env("FD_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_celery_beat",
    "axes",
    "accounts",
    "notifications",
    "surveys",
    "tickets",
    "sla",
    "reports",
    "intake",
    "api",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "feedback_desk.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: refuses logins of locked-out user+IP pairs (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "feedback_desk.urls"
WSGI_APPLICATION = "feedback_desk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'feedback_desk.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures, refuses during a lockout
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (staff login and admin): AXES_FAILURE_LIMIT wrong passwords for one
# username from one IP lock that pair for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English and Russian; times stored in UTC.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date-time format per language (and en-GB/en-US for English): feedback_desk/datetimes.py
FORMAT_MODULE_PATH = ["feedback_desk.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console in development, SMTP (or anything) from EMAIL_URL in production.
# With DEBUG off and no EMAIL_URL, emails stay pending (check error feedback_desk.E001).
EMAIL_CONFIGURED = DEBUG or bool(env("EMAIL_URL", default=""))
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="feedback_desk <noreply@localhost>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, otherwise the filesystem transport under var/.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # Broadcast (control) files: under var/, not in the working directory.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
# The shared cache (throttle counters, login lockouts, the sweep's heartbeat): Redis when
# REDIS_URL is set, else files under var/ so web, worker and beat on one machine share it.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "fd",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# `migrate` creates the periodic tasks and a default SLA policy (tickets.install).
INSTALL_DEFAULTS_ON_MIGRATE = env.bool("INSTALL_DEFAULTS_ON_MIGRATE", default=True)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic loops (seconds). They query indexed "due" columns, like healthchecks' sendalerts.
SLA_SWEEP_INTERVAL = env.int("SLA_SWEEP_INTERVAL", default=30)
OUTBOX_FLUSH_INTERVAL = env.int("OUTBOX_FLUSH_INTERVAL", default=30)
# The daily NPS rollup (reports.services): refreshed every NPS_ROLLUP_INTERVAL seconds;
# answers received in the last NPS_ROLLUP_LAG seconds are always counted live (a bound on
# how long an ingesting transaction may stay open); answers committed later than that are
# still found if they arrived within NPS_ROLLUP_OVERLAP seconds. Rebuilt nightly at
# NPS_ROLLUP_REBUILD_HOUR (UTC).
NPS_ROLLUP_INTERVAL = env.int("NPS_ROLLUP_INTERVAL", default=60)
NPS_ROLLUP_LAG = env.int("NPS_ROLLUP_LAG", default=60)
NPS_ROLLUP_OVERLAP = env.int("NPS_ROLLUP_OVERLAP", default=3600)
NPS_ROLLUP_REBUILD_HOUR = env.int("NPS_ROLLUP_REBUILD_HOUR", default=3)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "feedback_desk.authentication.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["feedback_desk.safe_json.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "feedback_desk.pagination.ListPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "feedback_desk.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["feedback_desk.throttling.ReadRateThrottle"],
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),  # 1 behind config/nginx.conf
}
# Rate limits (feedback_desk/throttling.py), "N/sec|min|hour|day"; empty switches one off.
# ingest: per source key / webhook source / writing user; read: per user;
# auth_failure: wrong API tokens or source keys per client address.
THROTTLE_RATES = {
    "ingest": env("THROTTLE_INGEST", default="600/min") or None,
    "read": env("THROTTLE_READ", default="1200/min") or None,
    "auth_failure": env("THROTTLE_AUTH_FAILURES", default="30/min") or None,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "feedback_desk API",
    "DESCRIPTION": "Survey answers in, detractor follow-up tickets out. See CONTRACT.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed package: works offline, no third-party origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ContactChannelEnum": "surveys.models.ContactChannel"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "feedback_desk.schema_hooks.document_shared_answers",
    ],
}

# Content-Security-Policy (django-csp): the staff UI needs no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Ingestion limits (see README: bulk bodies may be larger than single ones).
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1_000_000)
MAX_BULK_BODY_BYTES = env.int("MAX_BULK_BODY_BYTES", default=16_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BULK_BODY_BYTES
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1_000_000)
BULK_MAX_ITEMS = 1000
# Bulk bodies with more items, and uploaded files larger than IMPORT_ASYNC_BYTES, are stored
# as an import job for the worker (202 with the job), so no request runs long.
BULK_ASYNC_THRESHOLD = env.int("BULK_ASYNC_THRESHOLD", default=200)
IMPORT_ASYNC_BYTES = env.int("IMPORT_ASYNC_BYTES", default=256_000)
# Page-number lists count at most this many rows; above it "count_capped" is true.
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=10_000)
# Imported answers older than this count for NPS but open no ticket (nobody follows up
# on a month-old complaint found in a spreadsheet).
IMPORT_TICKET_MAX_AGE_DAYS = env.int("IMPORT_TICKET_MAX_AGE_DAYS", default=30)
COMMENT_MAX_LENGTH = 10_000
FUTURE_TOLERANCE_SECONDS = 300

TICKET_PREFIX = env("TICKET_PREFIX", default="FD")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    from feedback_desk.production import production_settings_check

    production_settings_check(
        debug=DEBUG,
        secret_key=env("SECRET_KEY", default=""),
        allowed_hosts=env.list("ALLOWED_HOSTS", default=[]),
    )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # /healthz is probed over plain HTTP from inside the host.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise to browsers that is hard to take back: the owner opts in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
