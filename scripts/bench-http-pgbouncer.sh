#!/usr/bin/env bash
# `./ipai bench http` through PgBouncer in transaction mode, in front of the managed cluster of `make up`:
#   scripts/bench-http-pgbouncer.sh [bench http options…]
# Starts Debian's pgbouncer (`scripts/ensure-deps.sh pgbouncer`) on a free loopback port, in transaction mode, its
# auth_query run as the managed cluster's superuser; then runs the bench with POSTGRES_URL naming the pooler
# (pgbouncer=true: no prepared statements, no reset) and POSTGRES_URL_NON_POOLING the cluster itself (provisioning
# and other session work). Every pool of the bench's web host, the runtime roles' and the baselines', goes through
# the pooler. Passwords are read from .ipai/secrets, handed over in the environment and a 0600 file deleted at the
# end, never printed. Stops pgbouncer at the end, also on failure or Ctrl+C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${IPAI_HOME:-$root/.ipai}"
binary=/usr/sbin/pgbouncer
[ -x "$binary" ] || { echo "pgbouncer is not installed: run scripts/ensure-deps.sh pgbouncer as root." >&2; exit 1; }
[ -f "$home/cluster.json" ] || { echo "no managed cluster in $home: run ./ipai up --no-serve first." >&2; exit 1; }
port="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["port"])' "$home/cluster.json")"
pooler_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
quote() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))'; }
superuser_password="$(cat "$home/secrets/postgres.password")"
owner_password="$(quote < "$home/secrets/ipai_owner.password")"

folder="$(mktemp -d /tmp/ipai-bench-pgbouncer.XXXXXX)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$folder"
}
trap cleanup EXIT INT TERM
umask 077
printf '"postgres" "%s"\n' "$superuser_password" > "$folder/userlist.txt"
cat > "$folder/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pooler_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $folder/userlist.txt
auth_user = postgres
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=\$1
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 2000
ignore_startup_parameters = extra_float_digits
logfile = $folder/pgbouncer.log
INI
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$folder"
  runuser -u postgres -- "$binary" -q "$folder/pgbouncer.ini" &
else
  "$binary" -q "$folder/pgbouncer.ini" &
fi
pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$pooler_port") 2>/dev/null && break
  sleep 0.1
done
echo "pgbouncer $("$binary" --version | head -1 | cut -d' ' -f2) in transaction mode on 127.0.0.1:$pooler_port (pool size ${PGBOUNCER_POOL_SIZE:-20}) in front of 127.0.0.1:$port" >&2
POSTGRES_URL="postgres://ipai_owner:$owner_password@127.0.0.1:$pooler_port/odoo_platform?pgbouncer=true" \
POSTGRES_URL_NON_POOLING="postgres://ipai_owner:$owner_password@127.0.0.1:$port/odoo_platform" \
GUEST_TOKEN_JWT_SECRET="$(cat "$home/secrets/guest_token_jwt.secret")" \
  "$root/ipai" bench http "$@"
