"""The one settings module. Everything that differs between machines comes from
the environment (see ``environment.py``); defaults are safe for production.

``VROEGSIGNAAL_MODE=demo`` is the explicit development/demonstration mode: it
allows built-in keys and plain HTTP on localhost and says so on every page.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from vroegsignaal.portal.proxy import parse_networks
from vroegsignaal.privacy.crypto import parse_blind_index_key, parse_encryption_keys

from .environment import env, env_bool, env_int, env_list
from .logformat import LOG_FORMAT

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent

MODE = env(
    "VROEGSIGNAAL_MODE",
    "production",
    "`production` (default) or `demo`: demo allows built-in keys and plain HTTP and shows a banner on every page.",
)
if MODE not in {"production", "demo"}:
    raise ImproperlyConfigured("VROEGSIGNAAL_MODE moet 'production' of 'demo' zijn.")
DEMO_MODE = MODE == "demo"

# Absolute (a relative one is taken from the folder the process starts in), so that the default
# DATABASE_URL below is an absolute SQLite path, as a given one must be.
DATA_DIR = Path(
    env(
        "VROEGSIGNAAL_DATA_DIR",
        str(PROJECT_DIR / "var"),
        "Folder for the SQLite database and other local state.",
    )
).absolute()
INCOMING_DIR = env(
    "VROEGSIGNAAL_INCOMING_DIR",
    "",
    "Folder for deliveries received and not yet processed (encrypted); empty: "
    "`VROEGSIGNAAL_DATA_DIR/incoming`. On several machines a folder shared by web servers and workers.",
)


def _writable_folder(name: str, folder: Path, *, create: bool) -> None:
    """Stop at start-up, naming the variable and the user, when a folder the system writes to is unusable.

    Otherwise the first cache write or received delivery fails, with a traceback or a 500.
    """
    try:
        user = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        user = str(os.geteuid())
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        usable = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
        reason = (
            "bestaat niet of is geen map"
            if not folder.is_dir()
            else f"niet schrijfbaar voor gebruiker {user}"
        )
    except OSError as error:
        usable, reason = (
            False,
            f"kan niet worden aangemaakt ({error.strerror or type(error).__name__})",
        )
    if not usable:
        raise ImproperlyConfigured(
            f"{name}={folder} is geen bruikbare map: {reason}. Maak de map aan, eigendom van de gebruiker "
            f"waaronder Vroegsignaal draait ({user}), modus 0700."
        )


_writable_folder("VROEGSIGNAAL_DATA_DIR", DATA_DIR, create=True)
if INCOMING_DIR:
    # A shared folder (NFS) is mounted, not made: one that is missing is an error, not a new local folder.
    _writable_folder("VROEGSIGNAAL_INCOMING_DIR", Path(INCOMING_DIR), create=False)

DEBUG = env_bool("DEBUG", False, "Django debug pages. Never in production (refused there).")
if DEBUG and not DEMO_MODE:
    # A debug page shows the request, the settings and local variables: personal data and keys.
    raise ImproperlyConfigured(
        "DEBUG=true mag niet in productie: een foutpagina zou persoonsgegevens en instellingen tonen. "
        "Verwijder DEBUG (of zet DEBUG=false); ontwikkelen en demonstreren gaat met VROEGSIGNAAL_MODE=demo."
    )

_DEMO_SECRET = "demo-only-secret-key-never-use-in-production-0123456789abcdef"
_MAKE_SECRET = "Maak er een met: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
SECRET_KEY = env(
    "SECRET_KEY",
    None,
    "Django secret key (at least 50 characters); required in production.",
    demo=_DEMO_SECRET,
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        f"SECRET_KEY ontbreekt: zet SECRET_KEY in de omgeving (of VROEGSIGNAAL_MODE=demo). {_MAKE_SECRET}"
    )
if not DEMO_MODE and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    # Django's own minimum (check security.W009); the key signs sessions and password-reset links.
    raise ImproperlyConfigured(
        f"SECRET_KEY is te kort of te eenvoudig: gebruik ten minste 50 willekeurige tekens. {_MAKE_SECRET}"
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    "",
    "Comma-separated host names this server answers to; required in production.",
    demo="127.0.0.1,localhost",
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS ontbreekt: zet de hostnaam waaronder het portaal bereikbaar is "
        "(meer namen met komma's), bijvoorbeeld ALLOWED_HOSTS=vroegsignaal.gemeente.nl."
    )
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (https://…) trusted for CSRF."
)
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS: '{_origin}' is geen herkomst; schrijf hem als https://{_origin}."
        )


def _database(url: str, conn_max_age: int) -> dict:
    """``DATABASE_URL`` parsed; an error names the variable and the form, never the URL (it holds a password)."""
    form = (
        "verwacht postgres://gebruiker:wachtwoord@host:5432/database (tekens als @ / : in het wachtwoord "
        "%-gecodeerd) of sqlite:////pad/naar/vroegsignaal.sqlite3"
    )
    try:
        database = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except Exception:  # noqa: BLE001 - its message repeats the URL, password included
        raise ImproperlyConfigured(f"DATABASE_URL is geen geldige database-URL: {form}.") from None
    if database.get("ENGINE") not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        scheme = url.partition("://")[0]
        raise ImproperlyConfigured(f"DATABASE_URL: '{scheme}' wordt niet ondersteund; {form}.")
    if not database.get("NAME") or database["NAME"] == ":memory:":
        raise ImproperlyConfigured(f"DATABASE_URL noemt geen database: {form}.")
    if database["ENGINE"] == "django.db.backends.postgresql" and any(
        mark in str(database["NAME"]) for mark in "@/"
    ):
        # A password with a bare / or @ leaves part of it in the database name, which the
        # "database not reachable" message would then show: refuse it without repeating it.
        raise ImproperlyConfigured(
            "DATABASE_URL: de databasenaam bevat @ of /; staat er een @ / : of % niet %-gecodeerd in "
            f"het wachtwoord (@ is %40, / is %2F, : is %3A, % is %25)? {form}."
        )
    if (
        database["ENGINE"] == "django.db.backends.sqlite3"
        and not Path(database["NAME"]).is_absolute()
    ):
        # sqlite:///var/lib/… is the relative path var/lib/… (three slashes): a database in whatever
        # folder a process was started in, and a new empty one for a command run from elsewhere.
        raise ImproperlyConfigured(
            "DATABASE_URL: een SQLite-database hoort bij een absoluut pad, met vier schuine strepen: "
            f"sqlite:////var/lib/vroegsignaal/vroegsignaal.sqlite3 (niet sqlite:///{database['NAME']})."
        )
    return database


DATABASES = {
    "default": _database(
        env(
            "DATABASE_URL",
            f"sqlite:///{DATA_DIR / 'vroegsignaal.sqlite3'}",
            "Database URL: `postgres://user:password@host:5432/name` in production (`@ / : %` in the "
            "password %-encoded); by default SQLite in the data folder. A SQLite path is absolute: "
            "`sqlite:////path/to/file.sqlite3` (four slashes).",
        ),
        conn_max_age=env_int(
            "DATABASE_CONN_MAX_AGE", 60, "Seconds a database connection is reused.", minimum=0
        ),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database's folder is the data folder (made above, so that `vroegsignaal migrate`
    # just works) or one the operator made: a folder that is not there is more likely a typing
    # error in DATABASE_URL than a wish, and is not made (nor, then, an empty database in it).
    _sqlite_folder = Path(DATABASES["default"]["NAME"]).parent
    if not _sqlite_folder.is_dir():
        raise ImproperlyConfigured(
            f"DATABASE_URL: de map {_sqlite_folder} van de SQLite-database bestaat niet. Klopt het "
            "pad? Zo ja, maak de map aan (eigendom van de gebruiker waaronder Vroegsignaal draait, "
            "modus 0700), of laat DATABASE_URL weg voor de database in VROEGSIGNAAL_DATA_DIR."
        )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- keys for personal data ------------------------------------------------
# Demo keys are public and only exist so that `make run` works out of the box.
_DEMO_ENCRYPTION_KEYS = "demo1:ZGVtby1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM="
_DEMO_BLIND_INDEX_KEY = "ZGVtby1vbmx5LWJsaW5kLWluZGV4LWtleS0zMmJ5dGU="
ENCRYPTION_KEYS = env(
    "VROEGSIGNAAL_ENCRYPTION_KEYS",
    None,
    "Field-encryption keys `id:base64key,…` (32-byte AES keys); the first encrypts, all decrypt.",
    demo=_DEMO_ENCRYPTION_KEYS,
)
BLIND_INDEX_KEY = env(
    "VROEGSIGNAAL_BLIND_INDEX_KEY",
    None,
    "Base64 HMAC key for the blind indexes that let encrypted values be matched.",
    demo=_DEMO_BLIND_INDEX_KEY,
)
# Read only by `rotate_blind_index_key` (it checks it): a malformed one does not stop the portal.
NEW_BLIND_INDEX_KEY = env(
    "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY",
    "",
    "Only while replacing the blind-index key: the new key (base64, 32+ bytes) that "
    "`rotate_blind_index_key` makes the stored indexes with; then it becomes `VROEGSIGNAAL_BLIND_INDEX_KEY` "
    "and this one goes.",
)
# Parsed here, so that a missing or malformed key stops every process at start-up (gunicorn, the
# worker, each command) with a message naming the variable, not the first save of personal data.
# The messages never show a key.
parse_encryption_keys(ENCRYPTION_KEYS)
parse_blind_index_key(BLIND_INDEX_KEY)

# --- applications ----------------------------------------------------------
INSTALLED_APPS = [
    # First, so that its templates override those of two_factor and admin.
    "vroegsignaal.portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    # django-otp's and django-axes's own, made readable in Dutch (conf/thirdparty.py).
    "vroegsignaal.conf.thirdparty.OTPStaticConfig",
    "vroegsignaal.conf.thirdparty.OTPTOTPConfig",
    "two_factor",
    "vroegsignaal.conf.thirdparty.AxesConfig",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "vroegsignaal.organisations",
    "vroegsignaal.privacy",
    "vroegsignaal.registry",
    "vroegsignaal.intake",
    "vroegsignaal.households",
    "vroegsignaal.signals",
    "vroegsignaal.cases",
    "vroegsignaal.feedback",
    "vroegsignaal.reporting",
    "vroegsignaal.demo",
]

MIDDLEWARE = [
    # First, so that everything after it sees the client's address (TRUSTED_PROXIES; left out without).
    "vroegsignaal.portal.proxy.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database held by a large delivery (SQLite's write lock): 503 with Retry-After and a page
    # saying nothing was saved. It answers a view's failure; SessionMiddleware's failed save reaches
    # handler400/handler500 (intake/errors.py), which answer it the same way (portal/busy.py).
    "vroegsignaal.portal.busy.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vroegsignaal.portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vroegsignaal.portal.middleware.IdleTimeoutMiddleware",
    "vroegsignaal.portal.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # 429 for a page past the limit of refused look-ups (organisations/scoping.py).
    "vroegsignaal.portal.middleware.TooManyRefusalsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vroegsignaal.conf.urls"
WSGI_APPLICATION = "vroegsignaal.conf.wsgi.application"
AUTH_USER_MODEL = "organisations.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vroegsignaal.portal.context_processors.portal",
            ],
        },
    }
]

# --- authentication --------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "vroegsignaal.organisations.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "two_factor:login"

# django-axes: lock the account (not the IP) after repeated failures, password or TOTP.
AXES_FAILURE_LIMIT = env_int(
    "AXES_FAILURE_LIMIT",
    5,
    "Failed log-in attempts (password or TOTP) before lock-out.",
    minimum=1,
)
AXES_COOLOFF_TIME = env_int(
    "AXES_COOLOFF_HOURS", 1, "Hours an account stays locked after too many failures.", minimum=1
)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_VERBOSE = False
# axes keeps the posted form of every failed attempt; never what was typed as a password or code
# (it masks only fields named "password", and the log-in wizard's are prefixed).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "auth-password",
    "token-otp_token",
    "backup-otp_token",
]

OTP_TOTP_ISSUER = "Vroegsignaal"
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None

# --- sessions and cookies --------------------------------------------------
SESSION_IDLE_TIMEOUT = env_int(
    "SESSION_IDLE_TIMEOUT",
    15 * 60,
    "Seconds of inactivity after which a user is logged out.",
    minimum=60,
)
SESSION_COOKIE_AGE = env_int(
    "SESSION_MAX_AGE", 10 * 60 * 60, "Seconds a session lives at most, active or not.", minimum=60
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Messages in the (server-side) session, not in a cookie: one carries a new API key or
# one-time password, shown once, which must not sit in the browser's cookie jar.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# The beheerder may remove a user's second factor (a lost phone), never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("SECURE_COOKIES", True, "Send cookies over HTTPS only.", demo=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_NAME = "__Host-taal" if SECURE_COOKIES else "taal"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True, "Redirect HTTP to HTTPS.", demo=False)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXIES = env_list(
    "TRUSTED_PROXIES",
    "",
    "Comma-separated addresses or networks of the reverse proxies in front of the web server; for their "
    "requests the client's address (audit log, API limits) is read from `X-Forwarded-For`. Empty: the peer's address.",
)
parse_networks(TRUSTED_PROXIES)
SECURE_HSTS_SECONDS = 0 if DEMO_MODE else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEMO_MODE
SECURE_HSTS_PRELOAD = not DEMO_MODE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- uploads and files -----------------------------------------------------
MAX_DELIVERY_BYTES = env_int(
    "MAX_DELIVERY_BYTES",
    1024 * 1024 * 1024,
    "Largest delivery file accepted (BESTAND_TE_GROOT), in bytes.",
    minimum=1,
)
DELIVERY_STALLED_AFTER = env_int(
    "DELIVERY_STALLED_AFTER",
    15 * 60,
    "Seconds without progress after which a delivery being processed counts as stalled and may be processed again.",
    minimum=60,
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
# A larger upload is sealed as it arrives instead of written in the clear to /tmp.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "vroegsignaal.intake.uploads.SealedFileUploadHandler",
]

# --- internationalisation --------------------------------------------------
LANGUAGE_CODE = "nl"
# Dutch unless the user picks English with the switch at the foot of every page (a cookie):
# the browser's Accept-Language is not followed, and the API, exports, letters and e-mails stay
# Dutch (portal.middleware.LanguageMiddleware). Each app keeps its English catalog in
# locale/en (scripts/messages.sh). Names in their own language, as a switch shows them.
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
# Dutch for what Django, django-axes and django-otp show in the admin and ship no Dutch for
# (their own English is the msgid; nl only, so English mode keeps their English).
LOCALE_PATHS = [PACKAGE_DIR / "conf" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- cache -----------------------------------------------------------------
# Holds aggregate figures only (dashboard and map counts per municipality, never a person's
# data: ``reporting.selectors.cached_figures``). On disk in the data folder, so that gunicorn's
# worker processes share them: one computes the figures for all instead of each its own copy.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

# --- static files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env("STATIC_ROOT", str(DATA_DIR / "static"), "Folder `collectstatic` writes to.")
)
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in {
        "utrecht": "@utrecht/component-library-css/dist",
        "tokens": "@nl-design-system-unstable/voorbeeld-design-tokens/dist",
        "htmx": "htmx.org/dist",
        "leaflet": "leaflet/dist",
        "chartjs": "chart.js/dist",
    }.items()
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["vroegsignaal.intake.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "vroegsignaal.intake.throttling.ApiKeyThrottle",
        "vroegsignaal.intake.throttling.DeliveryThrottle",
    ],
    "EXCEPTION_HANDLER": "vroegsignaal.intake.throttling.api_exception_handler",
}
API_REQUESTS_PER_MINUTE = env_int(
    "API_REQUESTS_PER_MINUTE",
    600,
    "API requests per minute per API key (429 beyond it); 0: no limit.",
    minimum=0,
)
API_DELIVERIES_PER_HOUR = env_int(
    "API_DELIVERIES_PER_HOUR",
    120,
    "New deliveries per hour per API key (429 beyond it); 0: no limit.",
    minimum=0,
)
# Failed API-key attempts (wrong, revoked or missing key) per client address (REMOTE_ADDR) in
# the window; beyond it the address gets 429 for every API request until the oldest failure
# leaves the window (intake.throttling.ApiKeyFailures). 0: no limit.
API_KEY_FAILURES_PER_ADDRESS = 20
API_KEY_FAILURE_WINDOW = 15 * 60  # seconds
# A user (or an API key) asking for ids outside their scope: each refusal is an access_denied audit
# event (organisations.scoping.get_scoped_or_404_audited). Beyond this many in the window, further
# refusals are answered 429, with one more event that says so and none after it until the oldest
# refusals leave the window; a script trying ids is stopped, and cannot fill the audit log. 0: no limit.
REFUSED_LOOKUPS_PER_USER = 30
REFUSED_LOOKUP_WINDOW = 10 * 60  # seconds
SPECTACULAR_SETTINGS = {
    "TITLE": "Vroegsignaal API",
    "DESCRIPTION": (
        "Aanleveren van achterstanden en ophalen van terugkoppeling door schuldeisers. "
        "Per API-sleutel gelden grenzen (standaard 600 verzoeken per minuut en 120 nieuwe "
        "leveringen per uur); daarboven is het antwoord 429 met `Retry-After` en een `melding`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}


def _backend(name: str, path: str | None, default: str) -> str:
    """A backend's dotted path whose module exists; a typo stops the start in one line naming the setting.

    Otherwise TASK_BACKEND stops every command with a traceback, and EMAIL_BACKEND is found only when
    the first notice cannot be sent. Only the module is looked for (nothing is imported beyond its
    parent packages): a module that cannot be examined here is left to Django.
    """
    module = (path or "").rpartition(".")[0]
    try:
        found = bool(module) and importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    except Exception:  # noqa: BLE001 - a parent package that fails to import here: Django will say
        found = True
    if not found:
        raise ImproperlyConfigured(
            f"{name}: '{path}' is geen bestaande backend (module.Klasse); laat {name} weg voor "
            f"{default}."
        )
    return path


# --- background work -------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": _backend(
            "TASK_BACKEND",
            env(
                "TASK_BACKEND",
                "django_tasks_db.DatabaseBackend",
                "django-tasks backend; the database backend needs `vroegsignaal db_worker` running.",
            ),
            "django_tasks_db.DatabaseBackend",
        )
    }
}

# --- mail ------------------------------------------------------------------
EMAIL_BACKEND = _backend(
    "EMAIL_BACKEND",
    env(
        "EMAIL_BACKEND",
        "django.core.mail.backends.smtp.EmailBackend",
        "Django mail backend.",
        demo="django.core.mail.backends.console.EmailBackend",
    ),
    "django.core.mail.backends.smtp.EmailBackend (SMTP)",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost", "SMTP host.")
EMAIL_PORT = env_int(
    "EMAIL_PORT",
    25,
    "SMTP port (587 with `EMAIL_USE_TLS`, 465 with `EMAIL_USE_SSL`).",
    minimum=1,
    maximum=65535,
)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "", "SMTP user name; empty: no log-in.")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "", "SMTP password (with `EMAIL_HOST_USER`).")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False, "SMTP with STARTTLS (usually port 587).")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False, "SMTP over TLS from the start (usually port 465).")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS en EMAIL_USE_SSL sluiten elkaar uit: zet er één op true."
    )
# Without a timeout a mail server that does not answer holds a worker's task (or a request) for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, "Seconds to wait for the SMTP server.", minimum=1)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "vroegsignaal@localhost", "Sender of notices.")
PORTAL_URL = env(
    "PORTAL_URL",
    "",
    "Address of the portal (https://…) for links in e-mail notices and `create_user`; empty: notices name the page without a link.",
    demo="http://127.0.0.1:8000",
)
if PORTAL_URL:
    _portal = urlsplit(PORTAL_URL)
    if (
        _portal.scheme not in ("https", "http")
        or not _portal.hostname
        or _portal.query
        or _portal.fragment
    ):
        raise ImproperlyConfigured(
            "PORTAL_URL moet het volledige adres van het portaal zijn, met https://, "
            "bijvoorbeeld PORTAL_URL=https://vroegsignaal.gemeente.nl"
        )
    # In production the links in e-mail notices go out with this address: not over plain HTTP
    # (the session cookie is secure-only there anyway), except to this machine itself.
    if (
        not DEMO_MODE
        and _portal.scheme == "http"
        and _portal.hostname not in ("localhost", "127.0.0.1", "::1")
    ):
        raise ImproperlyConfigured(
            "PORTAL_URL moet in productie met https:// beginnen (de links in e-mails gaan anders "
            "onversleuteld over het netwerk), bijvoorbeeld PORTAL_URL=https://vroegsignaal.gemeente.nl"
        )

# --- logging: no personal data, ever ----------------------------------------
LOG_LEVEL = (env("LOG_LEVEL", "INFO", "Log level of the root logger.") or "INFO").strip().upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    # logging.config would stop every process with a traceback ("Unable to configure root logger").
    raise ImproperlyConfigured(
        f"LOG_LEVEL moet DEBUG, INFO, WARNING, ERROR of CRITICAL zijn, niet '{LOG_LEVEL}' "
        "(bijvoorbeeld LOG_LEVEL=INFO)."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The time with its UTC offset, as gunicorn's lines (conf/logformat.py, conf/gunicorn.py).
    "formatters": {
        "plain": {"class": "vroegsignaal.conf.logformat.LocalTimeFormatter", "format": LOG_FORMAT}
    },
    # An exception's text can hold personal data (a unique violation's DETAIL names a klantnummer
    # or an address): keep the record and the exception's class, drop message and traceback.
    "filters": {"exception_class_only": {"()": "vroegsignaal.conf.logsafety.ExceptionClassOnly"}},
    # On the handler too, so that every logger's exceptions lose their text (django.request logs a
    # web request's server error with its traceback; our own logger.exception calls likewise).
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["exception_class_only"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": LOG_LEVEL,
    },
    "loggers": {
        # Django's own handlers on "django" (DEFAULT_LOGGING) go: its console is for DEBUG only and
        # would print each line twice, and its mail_admins would mail a server error's request and
        # traceback variables (personal data) to ADMINS. Its records reach the root's console.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # django-tasks logs every failed task with logger.exception; these are the two loggers that
        # log exceptions (a logger's filter sees only its own records, not those of child loggers).
        "django_tasks": {"filters": ["exception_class_only"]},
        "django_tasks_db": {"filters": ["exception_class_only"]},
    },
}

# Lock-out is per account (BIO: protect the account); locking per IP would lock
# out a whole municipal office behind one NAT address.
# models.W040: the open-signals tray index covers extra columns on PostgreSQL; SQLite
# builds it without them, which is all it needs (signals/migrations/0006).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
