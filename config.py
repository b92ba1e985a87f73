"""Configuration classes, read from the environment.

Only Development and Testing carry defaults for secrets; Production refuses to start
without SECRET_KEY and DATABASE_URL.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # pre_ping: the first request after a database restart must succeed.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL connections per worker process: a worker serves at most its threads' requests
    # at once (gunicorn.conf.py: 4), so a pool of 4 suffices. workers x (pool + overflow) must
    # stay below the server's max_connections (100 by default): 5 workers x (4 + 4) = 40.
    DB_POOL_SIZE = _env_int("DB_POOL_SIZE", 4)
    DB_MAX_OVERFLOW = _env_int("DB_MAX_OVERFLOW", 4)
    DB_POOL_TIMEOUT = _env_int("DB_POOL_TIMEOUT", 10)
    # A connection pooler between the app and PostgreSQL: "transaction" (PgBouncer's
    # pool_mode = transaction) hands each transaction any server connection, so the app prepares
    # no statements on the server (consult.register_config); unset or "session": nothing changes.
    DATABASE_POOLER = (os.environ.get("DATABASE_POOLER") or "").strip().lower() or None
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")
    # The NL Design System theme class; a municipality can swap in its own theme.
    THEME_CLASS = os.environ.get("THEME_CLASS", "voorbeeld-theme")
    THEME_STYLESHEET = os.environ.get("THEME_STYLESHEET", "vendor/voorbeeld-theme.css")
    SITE_NAME = os.environ.get("SITE_NAME", "Consult")
    # Static files by their fingerprinted names (built by `make install`, consult/core/assets.py),
    # served compressed by WhiteNoise and cached for a year. Development serves the plain files.
    STATIC_FINGERPRINTS = _env_bool("STATIC_FINGERPRINTS", True)
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "consult@example.org")

    SESSION_COOKIE_NAME = "consult_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 30))
    ABSOLUTE_TIMEOUT = timedelta(hours=_env_int("ABSOLUTE_TIMEOUT_HOURS", 12))
    # A CSRF token lives as long as the login may; it is bound to the session anyway.
    WTF_CSRF_TIME_LIMIT = _env_int("ABSOLUTE_TIMEOUT_HOURS", 12) * 3600

    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 10)
    LOGIN_FAILURE_WINDOW = timedelta(minutes=_env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15))
    # Per account from every address: this many failures within the account window pass, after
    # that each attempt waits a doubling delay (1 s, 2 s, 4 s ...) up to the maximum; a browser
    # where the holder logged in before is not delayed (consult.auth.lockout).
    LOGIN_ACCOUNT_FREE_FAILURES = _env_int("LOGIN_ACCOUNT_FREE_FAILURES", 20)
    LOGIN_ACCOUNT_WINDOW = timedelta(hours=_env_int("LOGIN_ACCOUNT_WINDOW_HOURS", 24))
    LOGIN_ACCOUNT_MAX_DELAY = timedelta(seconds=_env_int("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 300))
    # The holder is mailed once per period when this many failures hit their account.
    LOGIN_GUESSING_WARN_AT = _env_int("LOGIN_GUESSING_WARN_AT", 10)
    LOGIN_GUESSING_WARN_PERIOD = timedelta(hours=_env_int("LOGIN_GUESSING_WARN_PERIOD_HOURS", 24))
    # How long a browser stays known after a login or a completed password reset.
    TRUSTED_DEVICE_LIFETIME = timedelta(days=_env_int("TRUSTED_DEVICE_DAYS", 180))
    # Admins and project-team members cannot use the platform until two-step login is on.
    TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", True)
    # Time between the password and the code at login.
    TWO_FACTOR_PENDING_SECONDS = 300
    # Years after the end of the procurement (or the consultation's deadline) that personal
    # data of a consultation is kept; a consultation can set its own date.
    RETENTION_YEARS = _env_int("RETENTION_YEARS", 2)
    # Login attempts (e-mail address and IP) are kept this long for brute-force limits.
    LOGIN_ATTEMPT_RETENTION = timedelta(days=_env_int("LOGIN_ATTEMPT_RETENTION_DAYS", 30))
    # Days a deleted discussion post keeps its text (for moderators) before `purge-deleted-posts` empties it.
    DELETED_POST_PURGE_DAYS = _env_int("DELETED_POST_PURGE_DAYS", 30)
    RESET_TOKEN_LIFETIME = timedelta(hours=1)
    VERIFY_TOKEN_LIFETIME = timedelta(days=2)
    INVITATION_LIFETIME = timedelta(days=7)

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Consult <noreply@example.org>")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or ("smtp" if MAIL_SERVER else "console")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    # Outbox delivery: attempts before a mail is marked failed, first back-off (doubling).
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = _env_int("MAIL_RETRY_BASE_SECONDS", 60)
    # Embedded default: time spent delivering after a request, and how often due retries are swept.
    MAIL_INLINE_SECONDS = _env_int("MAIL_INLINE_SECONDS", 10)
    MAIL_SWEEP_SECONDS = _env_int("MAIL_SWEEP_SECONDS", 60)
    # A mail claimed for sending longer ago than this belongs to a worker that died: it is sent
    # again (with the same Message-ID). Longer than one SMTP conversation can take.
    MAIL_STALE_CLAIM_SECONDS = _env_int("MAIL_STALE_CLAIM_SECONDS", 60)

    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    # Optional virus scan of every upload by ClamAV's daemon (path of its unix socket).
    CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET")
    # Where uploaded and generated files are kept: unset for <instance>/uploads, or an
    # S3-compatible bucket, s3://bucket[/prefix][?endpoint_url=https://...&region=...]
    # (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), shared by every node.
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    MAX_CONTENT_LENGTH = MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024
    # Number of proxies in front of the app whose X-Forwarded-For/Proto are trusted.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    # Documents generated while someone waits (answer exports, receipt PDFs, the team's report
    # preview), per kind: per logged-in user and per address (consult/core/ondemand.py).
    GENERATE_LIMIT_PER_USER = os.environ.get("GENERATE_LIMIT_PER_USER", "10 per 10 minutes")
    GENERATE_LIMIT_PER_ADDRESS = os.environ.get("GENERATE_LIMIT_PER_ADDRESS", "30 per 10 minutes")
    # Posting limits per user, counted in the database (hold across workers).
    POSTS_PER_MINUTE = _env_int("POSTS_PER_MINUTE", 5)
    POSTS_PER_HOUR = _env_int("POSTS_PER_HOUR", 40)
    HSTS = False
    # With REDIS_URL, mail is delivered by `flask --app consult worker` (RQ); without, inline.
    REDIS_URL = os.environ.get("REDIS_URL")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "consult")
    # The site's address, for links in mail sent by scheduled commands (digests, reminders).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Statistics of number questions are shown only when at least this many organisations answered.
    ANALYSIS_MIN_GROUP = _env_int("ANALYSIS_MIN_GROUP", 5)
    # Statistical disclosure control: no organisation may contribute more than this share of a published total.
    ANALYSIS_DOMINANCE = float(os.environ.get("ANALYSIS_DOMINANCE", "0.5"))
    # Days before the deadline on which organisations with an unsubmitted draft are reminded.
    REMINDER_DAYS = (7, 1)

    # Open data and Woo publication (consult/api/). JSON: the municipality's name -> its TOOI identifier
    # (named as publisher in the Woo sitemaps); a kind of document (report, qa, document, advice) -> its
    # Woo information category (infocatNNN, consult/api/woo.py: CATEGORIES); the open data's licence.
    WOO_PUBLISHERS = json.loads(os.environ.get("WOO_PUBLISHERS") or "{}")
    WOO_CATEGORIES = json.loads(os.environ.get("WOO_CATEGORIES") or "{}")
    OPEN_DATA_LICENSE = os.environ.get("OPEN_DATA_LICENSE", "http://creativecommons.org/publicdomain/zero/1.0/")
    # The Open Contracting (OCDS) prefix of this platform's contracting-process identifiers; register your
    # own with the Open Contracting Partnership (it looks like ocds-a1b2c3).
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "ocds-consult")

    # Single sign-on over OpenID Connect (consult/sso/). A provider is switched on by its
    # discovery URL and client id; without them its button and routes do not exist.
    # "staff": the municipality's identity provider, for admins and the municipality's people.
    SSO_STAFF_DISCOVERY_URL = os.environ.get("SSO_STAFF_DISCOVERY_URL") or None
    SSO_STAFF_CLIENT_ID = os.environ.get("SSO_STAFF_CLIENT_ID") or None
    SSO_STAFF_CLIENT_SECRET = os.environ.get("SSO_STAFF_CLIENT_SECRET") or None
    SSO_STAFF_SCOPES = os.environ.get("SSO_STAFF_SCOPES", "openid email profile")
    # The claim with the person's groups or roles, and which of its values give which platform
    # role: "admin" (administrator) or "member" (member of the municipality's organisation),
    # e.g. "consult-beheer=admin,consult-medewerkers=member".
    SSO_STAFF_ROLE_CLAIM = os.environ.get("SSO_STAFF_ROLE_CLAIM", "roles")
    SSO_STAFF_ROLE_MAP = os.environ.get("SSO_STAFF_ROLE_MAP", "")
    # The municipality's organisation here (its id); unset: the only municipality there is.
    SSO_STAFF_ORGANISATION_ID = _env_int("SSO_STAFF_ORGANISATION_ID", 0) or None
    # ``amr`` or ``acr`` values that say the person logged in with more than a password: then the
    # platform's own two-step login is not asked again.
    SSO_STAFF_MFA_AMR = os.environ.get("SSO_STAFF_MFA_AMR", "mfa otp hwk swk sms")
    SSO_STAFF_MFA_ACR = os.environ.get("SSO_STAFF_MFA_ACR", "")
    # False: admins and the municipality's people must log in through the identity provider.
    STAFF_PASSWORD_LOGIN = _env_bool("STAFF_PASSWORD_LOGIN", True)
    # "eherkenning": a broker that speaks OpenID Connect, for providers and councils.
    SSO_EHERKENNING_DISCOVERY_URL = os.environ.get("SSO_EHERKENNING_DISCOVERY_URL") or None
    SSO_EHERKENNING_CLIENT_ID = os.environ.get("SSO_EHERKENNING_CLIENT_ID") or None
    SSO_EHERKENNING_CLIENT_SECRET = os.environ.get("SSO_EHERKENNING_CLIENT_SECRET") or None
    SSO_EHERKENNING_SCOPES = os.environ.get("SSO_EHERKENNING_SCOPES", "openid")
    SSO_EHERKENNING_KVK_CLAIM = os.environ.get("SSO_EHERKENNING_KVK_CLAIM", "kvk")
    SSO_EHERKENNING_ASSURANCE_CLAIM = os.environ.get("SSO_EHERKENNING_ASSURANCE_CLAIM", "acr")
    # Logins below this eHerkenning level (eH1, eH2, eH2+, eH3, eH4) are refused.
    SSO_EHERKENNING_MIN_LEVEL = os.environ.get("SSO_EHERKENNING_MIN_LEVEL", "eH3")

    @classmethod
    def validate(cls) -> None:
        """Raise when the configuration cannot run safely."""


class DevelopmentConfig(Config):
    STATIC_FINGERPRINTS = _env_bool("STATIC_FINGERPRINTS", False)
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = Config.SQLALCHEMY_DATABASE_URI or (
        "sqlite:///" + str(Config.INSTANCE_DIR / "consult.db")
    )


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    MAIL_BACKEND = "memory"
    REDIS_URL = None  # tests that exercise RQ set it themselves
    STORAGE_URL = None  # tests of object storage set it themselves
    # Tests deliver due retries explicitly (deliver_due); no background sweep after requests.
    MAIL_SWEEP_SECONDS = 10**9
    # Hashing with scrypt's production cost makes a large suite slow; tests use a cheap one.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Most tests act as team members without an authenticator; tests/test_two_factor.py
    # switches the requirement on and proves it holds.
    TWO_FACTOR_REQUIRED = False
    # Every stored live report shown is compared with a new build (consult.reports.report.current_report).
    REPORT_MODEL_CHECK = True


# Keys that are printed in this repository, its documentation or its tools: anyone can sign a
# session with them, so production refuses them whatever their length.
KNOWN_SECRET_KEYS = frozenset(key.encode() for key in (
    "dev-only-not-secret", "test-only-not-secret", "rush", "...", "secret", "changeme", "change-me",
    "development", "dev", "test", "testing", "consult",
))
# Sessions and tokens are signed with HMAC-SHA1/SHA256: a shorter key is guessable offline.
MIN_SECRET_KEY_BYTES = 32


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    HSTS = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not getattr(cls, name)]
        if missing:
            names = ", ".join("DATABASE_URL" if m == "SQLALCHEMY_DATABASE_URI" else m for m in missing)
            raise RuntimeError(f"Production configuration needs {names} in the environment.")
        key = cls.SECRET_KEY.encode() if isinstance(cls.SECRET_KEY, str) else bytes(cls.SECRET_KEY)
        if key.strip().lower() in KNOWN_SECRET_KEYS:
            raise RuntimeError("SECRET_KEY is a published example or development key; generate a new one, "
                               "e.g. with: python -c 'import secrets; print(secrets.token_hex(32))'")
        if len(key) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes; generate a longer one, "
                               "e.g. with: python -c 'import secrets; print(secrets.token_hex(32))'")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
