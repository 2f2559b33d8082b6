#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL 15 cluster, then stop and remove it.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
# A free port unless one is given, so that several runs can share the machine.
PORT=${VROEGSIGNAAL_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DATA=$(mktemp -d /tmp/vroegsignaal-pg.XXXXXX)
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DATA"; fi
cleanup() {
  as_owner "$PGBIN/pg_ctl -D $DATA -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT
as_owner "$PGBIN/initdb -D $DATA -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_owner "$PGBIN/pg_ctl -D $DATA -l $DATA/server.log -w -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/vroegsignaal"
as_owner "$PGBIN/createdb -h 127.0.0.1 -p $PORT -U postgres vroegsignaal"
echo "PostgreSQL 15 draait op poort $PORT (tijdelijk cluster in $DATA)"
"$@"
