#!/usr/bin/env bash
# Installs what the platform and its tests need from Debian's packages when run as root; otherwise says, in
# one line, what to install. Usage: scripts/ensure-deps.sh [postgres] [pgbouncer] [chromium] [wrk] [node] [nginx]
# nginx: the tests run their own nginx process (two web nodes behind it); its package's service is never started.
# node: Node.js and npm, which the build of InsightPulse.Web runs (`npm ci` in src/InsightPulse.Web/frontend).
set -euo pipefail

missing=()
for need in "$@"; do
  case "$need" in
    postgres)
      ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
      command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
      ;;
    pgbouncer)
      command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
      ;;
    chromium)
      [ -x /usr/bin/chromium ] || missing+=(chromium)
      ;;
    wrk)
      command -v wrk >/dev/null 2>&1 || missing+=(wrk)
      ;;
    node)
      command -v node >/dev/null 2>&1 || missing+=(nodejs)
      command -v npm >/dev/null 2>&1 || missing+=(npm)
      ;;
    nginx)
      [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
      ;;
    *) echo "ensure-deps: unknown dependency '$need'" >&2; exit 2 ;;
  esac
done

command -v dotnet >/dev/null 2>&1 || { echo "The .NET SDK is missing: install dotnet-sdk-10.0 (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: run \`sudo apt-get install ${missing[*]}\` and try again." >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
# A package's service (nginx's, PostgreSQL's) must not start on this machine: policy-rc.d says no while we install.
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && ours=1
fi
trap '[ -n "$ours" ] && rm -f "$policy"' EXIT
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
