#!/usr/bin/env bash
# Start (or reuse) a throw-away PostgreSQL server for the tests, from Debian's packages, and
# print its admin URL. Installs the server with apt-get when it is missing and we are root.
# The data directory lives under /tmp; the server listens on 127.0.0.1 only.
#   PGTEST_DIR (default /tmp/giamngheo-pgtest)  PGTEST_PORT (default 55432)
set -euo pipefail
DIR=${PGTEST_DIR:-/tmp/giamngheo-pgtest}
PORT=${PGTEST_PORT:-55432}

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pgbin)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1
  fi
fi
BIN=$(pgbin)

# initdb refuses to run as root: run the server as the postgres system user
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -s "$DIR/PG_VERSION" ]; then
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_pg "$BIN/initdb" -D "$DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
