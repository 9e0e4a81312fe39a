"""Rapport settings: one file, every value that differs between machines comes from the environment."""

from __future__ import annotations

from pathlib import Path

from rapport.core.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RAPPORT_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("RAPPORT_DEBUG", False)
# A development key is used only when DEBUG is on or the secret is unset on a local install;
# production deployments must set RAPPORT_SECRET_KEY (see docs/configuration.md).
SECRET_KEY = env_str("RAPPORT_SECRET_KEY", "rapport-insecure-local-key-change-me")
ALLOWED_HOSTS = env_list("RAPPORT_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rapport.core",
    "rapport.accounts",
    "rapport.customization",
    "rapport.contacts",
    "rapport.sales",
    "rapport.activities",
    "rapport.search",
    "rapport.analytics",
    "rapport.imports",
    "rapport.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.web.context_processors.rapport",
            ],
        },
    }
]

DATABASES = {"default": parse_database_url(env_str("DATABASE_URL", ""), DATA_DIR / "rapport.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-day"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("RAPPORT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm (package.json + package-lock.json) into node_modules/, never
# copied into the repository; only the files the pages use are exposed.
STATICFILES_DIRS = [("vendor", BASE_DIR / "node_modules")] if (BASE_DIR / "node_modules").exists() else []

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders directly (no collectstatic step for a local install).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RAPPORT_MAX_REQUEST_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("RAPPORT_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("RAPPORT_HTTPS", False)
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL_REDIRECT else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("RAPPORT_BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

TASKS = {
    "default": {
        "BACKEND": env_str("RAPPORT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

RAPPORT_BASE_CURRENCY = env_str("RAPPORT_BASE_CURRENCY", "EUR")
RAPPORT_DEFAULT_COUNTRY = env_str("RAPPORT_DEFAULT_COUNTRY", "US")
RAPPORT_PAGE_SIZE = env_int("RAPPORT_PAGE_SIZE", 50)
RAPPORT_IMPORT_MAX_BYTES = env_int("RAPPORT_IMPORT_MAX_BYTES", 4 * 1024**3)
# Local hour (RAPPORT_TIME_ZONE) at which the task worker starts the nightly analytics run; "off" disables it.
RAPPORT_ANALYTICS_NIGHTLY_HOUR = env_str("RAPPORT_ANALYTICS_NIGHTLY_HOUR", "2")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RAPPORT_LOG_LEVEL", "WARNING")},
}
