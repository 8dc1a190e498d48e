#!/usr/bin/env bash
# Times django-tenants' own `manage.py migrate_schemas` (standard and multiprocessing
# executors) over N schema tenants. Wall clock per command, Django start-up included.
# stdout: one JSON object per measurement, then one summary object. Details: README.md.
#
#   DJANGO_BENCH_DATABASE_URL=postgresql://USER:password@HOST:PORT/postgres ./run.sh [--tenants N]
#
# The role in the URL must be able to create databases. The script drops and recreates
# its own database ($DJANGO_BENCH_DB_NAME, default ipai_django_bench) and drops it at the end
# (keep it with DJANGO_BENCH_KEEP_DB=1).
set -Eeuo pipefail

TENANTS=50
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tenants) TENANTS="$2"; shift 2 ;;
    --tenants=*) TENANTS="${1#*=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ "$TENANTS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --tenants must be a positive integer" >&2; exit 2; }

: "${DJANGO_BENCH_DATABASE_URL:?set DJANGO_BENCH_DATABASE_URL=postgresql://USER:password@HOST:PORT/postgres}"
export DJANGO_BENCH_DATABASE_URL
export DJANGO_BENCH_DB_NAME="${DJANGO_BENCH_DB_NAME:-ipai_django_bench}"
export DJANGO_BENCH_PROCESSES="${DJANGO_BENCH_PROCESSES:-2}"   # TENANT_MULTIPROCESSING_MAX_PROCESSES
PY="${DJANGO_BENCH_PYTHON:-/usr/bin/python3}"                   # Debian's python3 sees python3-django
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG="${DJANGO_BENCH_LOG:-${TMPDIR:-/tmp}/django-tenants-bench.log}"
export LC_ALL=C.UTF-8
# Byte-code is cached (as in a deployed app), but outside the repository.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="${TMPDIR:-/tmp}/django-tenants-bench-pycache"
unset DJANGO_BENCH_SHOP_ADDFIELD

cd "$HERE"
: >"$LOG"
trap 'rc=$?; echo "run.sh: failed (exit $rc); last lines of $LOG:" >&2; tail -n 30 "$LOG" >&2; exit $rc' ERR

manage() { "$PY" manage.py "$@" >>"$LOG" 2>&1; }

declare -A RESULT
measure() {  # measure NAME EXECUTOR [ENV=VALUE...] -- manage.py args...
  local name="$1" executor="$2"; shift 2
  local envs=()
  while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  echo "### $name" >>"$LOG"
  local t0="$EPOCHREALTIME"
  env "${envs[@]}" "$PY" manage.py "$@" >>"$LOG" 2>&1
  local t1="$EPOCHREALTIME"
  local secs
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
  RESULT[$name]="$secs"
  printf '{"name":"%s","tenants":%d,"executor":"%s","seconds":%s}\n' "$name" "$TENANTS" "$executor" "$secs"
}

expect_note_columns() {
  local got
  got="$("$PY" bench_db.py note-columns)"
  [[ "$got" == "$1" ]] || { echo "run.sh: expected $1 tenant schemas with shop_item.note, found $got" >&2; exit 1; }
}

DJANGO_VERSION="$("$PY" -c 'import django; print(django.get_version())')"
PG_VERSION="$("$PY" bench_db.py server-version)"
echo "run.sh: Django $DJANGO_VERSION, PostgreSQL $PG_VERSION, $TENANTS tenants, log $LOG" >&2

# Setup (not timed): fresh database, public schema, N tenants (each migrated by django-tenants).
"$PY" bench_db.py recreate
echo "### setup (not timed)" >>"$LOG"
manage migrate_schemas --shared --noinput
manage bench_create_tenants --tenants "$TENANTS"

# a. No-op pass: every migration already applied (public + N tenants).
measure noop_standard standard -- migrate_schemas --noinput --executor standard
measure noop_multiprocessing multiprocessing -- migrate_schemas --noinput --executor multiprocessing

# b. One new migration (shop 0002: one AddField) applied to public + N tenants.
ADD=DJANGO_BENCH_SHOP_ADDFIELD=1
expect_note_columns 0
measure addfield_standard standard "$ADD" -- migrate_schemas --noinput --executor standard
expect_note_columns "$TENANTS"
# Reset (not timed): unapply shop 0002 everywhere, then apply it again with multiprocessing.
echo "### reset (not timed)" >>"$LOG"
env "$ADD" "$PY" manage.py migrate_schemas shop 0001 --noinput --executor standard >>"$LOG" 2>&1
expect_note_columns 0
measure addfield_multiprocessing multiprocessing "$ADD" -- migrate_schemas --noinput --executor multiprocessing
expect_note_columns "$TENANTS"

[[ "${DJANGO_BENCH_KEEP_DB:-0}" == "1" ]] || "$PY" bench_db.py drop

printf '{"summary":{"tenants":%d,"multiprocessing_processes":%d,"django":"%s","django_tenants":"3.9.0 (vendored)","postgresql":"%s","seconds":{"noop_standard":%s,"noop_multiprocessing":%s,"addfield_standard":%s,"addfield_multiprocessing":%s}}}\n' \
  "$TENANTS" "$DJANGO_BENCH_PROCESSES" "$DJANGO_VERSION" "$PG_VERSION" \
  "${RESULT[noop_standard]}" "${RESULT[noop_multiprocessing]}" "${RESULT[addfield_standard]}" "${RESULT[addfield_multiprocessing]}"
