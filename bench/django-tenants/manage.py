#!/usr/bin/env python3
"""manage.py for the django-tenants migrate_schemas benchmark (see README.md)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# django-tenants' source first (DJANGO_TENANTS_SRC: a folder holding the django_tenants package; default vendor/,
# which is git-ignored: see README.md), then this project.
SOURCE = os.environ.get("DJANGO_TENANTS_SRC") or os.path.join(HERE, "vendor")
if not os.path.isdir(os.path.join(SOURCE, "django_tenants")):
    sys.exit(f"django-tenants' source is not in {SOURCE}: set DJANGO_TENANTS_SRC to a folder holding django_tenants/ (README.md).")
sys.path[:0] = [SOURCE, HERE]

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
