"""Minimal django-tenants project used only to time `migrate_schemas` (see README.md)."""
import os
from urllib.parse import unquote, urlsplit

_url = urlsplit(os.environ["DJANGO_BENCH_DATABASE_URL"])

SECRET_KEY = "django-tenants-migrate-bench-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "benchproj.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": os.environ.get("DJANGO_BENCH_DB_NAME", "ipai_django_bench"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
    }
}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

SHARED_APPS = [
    "django_tenants",
    "customers",
    "django.contrib.contenttypes",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "shop",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"

# Multiprocessing executor (django_tenants/migration_executors/multiproc.py).
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("DJANGO_BENCH_PROCESSES", "2"))
TENANT_MULTIPROCESSING_CHUNKS = int(os.environ.get("DJANGO_BENCH_CHUNKS", "2"))

# Phase b: "shop.migrations_addfield" = 0001 + 0002 (one AddField); see shop/models.py.
SHOP_ADDFIELD = os.environ.get("DJANGO_BENCH_SHOP_ADDFIELD") == "1"
if SHOP_ADDFIELD:
    MIGRATION_MODULES = {"shop": "shop.migrations_addfield"}
