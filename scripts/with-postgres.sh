#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server on loopback (127.0.0.1:${KHO_PG_PORT}).
# Sets KHO_TEST_DATABASE_URL for the command; the server and its folder are removed afterwards.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

port="${KHO_PG_PORT:-54329}"
bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
workdir="$(mktemp -d /tmp/kho-pg.XXXXXX)"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres system user.
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  chown postgres "$workdir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT

"${as_owner[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres --auth=trust \
  --encoding=UTF8 --locale=C.UTF-8 >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$workdir -c fsync=off -c max_connections=300" \
  start >/dev/null

export KHO_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
