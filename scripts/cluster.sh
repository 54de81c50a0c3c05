#!/usr/bin/env bash
# A multi-process Airflow cluster on this machine, without Docker: what docker-compose.yml runs, from
# Debian's packages and the project's venv. Redis (the Celery broker) and PostgreSQL (Airflow's metadata,
# Celery's results, the warehouse) are started here; then Airflow's API server, scheduler, DAG processor
# and triggerer, and two Celery workers, each a separate process with its own temporary directory and
# log-server port. Everything listens on 127.0.0.1 only. The settings shared with the compose file are in
# deploy/airflow.env.
#
#   scripts/cluster.sh start | stop | status | env
#
#   (the default ports lie below Linux's ephemeral range, 32768-60999: no client socket can hold them)
#   CLUSTER_DIR (default /tmp/giamngheo-cluster)   CLUSTER_API_PORT (28080)
#   CLUSTER_PG_PORT (25433)   CLUSTER_REDIS_PORT (26379)   CLUSTER_USERS (admin:admin)
#   CLUSTER_DAGS_FOLDER (the project's dags/)
#   GIAMNGHEO_DATA_DIR (default $CLUSTER_DIR/data), GIAMNGHEO_REFERENCE_DIR, GIAMNGHEO_UNIT: passed on
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${CLUSTER_DIR:-/tmp/giamngheo-cluster}
API_PORT=${CLUSTER_API_PORT:-28080}
PG_PORT=${CLUSTER_PG_PORT:-25433}
REDIS_PORT=${CLUSTER_REDIS_PORT:-26379}
BIN=${VENV_BIN:-$ROOT/.venv/bin}
WORKERS=(worker-1 worker-2)

cluster_env() {
  set -a
  # shellcheck source=../deploy/airflow.env
  . "$ROOT/deploy/airflow.env"
  set +a
  export AIRFLOW_HOME="$DIR/airflow"
  export AIRFLOW__CORE__DAGS_FOLDER="${CLUSTER_DAGS_FOLDER:-$ROOT/dags}"
  export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
  export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${CLUSTER_USERS:-admin:admin}"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/airflow"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/airflow"  # not asyncpg
  export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/airflow"
  export AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export AIRFLOW__API__HOST=127.0.0.1
  export AIRFLOW__API__PORT="$API_PORT"
  export AIRFLOW__API__BASE_URL="http://127.0.0.1:$API_PORT"
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/"
  export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-giamngheo-cluster-$(id -u)}"
  export AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC=1
  export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
  export GIAMNGHEO_PROJECT_DIR="$ROOT"
  export GIAMNGHEO_DATA_DIR="${GIAMNGHEO_DATA_DIR:-$DIR/data}"
  export GIAMNGHEO_WAREHOUSE_URL="${GIAMNGHEO_WAREHOUSE_URL:-postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/warehouse}"
}

running() { [ -f "$DIR/pids/$1.pid" ] && kill -0 "$(cat "$DIR/pids/$1.pid")" 2>/dev/null; }

launch() {  # name, command...: its own session (a process group to stop or kill whole), its own log
  local name=$1; shift
  running "$name" && return 0
  setsid "$@" > "$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name.pid"
}

start_redis() {
  if ! command -v redis-server > /dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    else
      echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 1
    fi
  fi
  mkdir -p "$DIR/redis"
  if ! redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR/redis" --save "" --appendonly no \
      --daemonize yes --pidfile "$DIR/pids/redis.pid" --logfile "$DIR/logs/redis.log"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break; sleep 0.2; done
  fi
}

start_postgres() {
  PGTEST_DIR="$DIR/pg" PGTEST_PORT="$PG_PORT" "$ROOT/scripts/pg-test-server.sh" > /dev/null
  for db in airflow warehouse; do
    "$BIN/python" - "$PG_PORT" "$db" <<'PY'
import sys
import psycopg
with psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=postgres dbname=postgres", autocommit=True) as c:
    if not c.execute("select 1 from pg_database where datname = %s", (sys.argv[2],)).fetchone():
        c.execute(f'create database "{sys.argv[2]}"')
PY
  done
}

start() {
  mkdir -p "$DIR/pids" "$DIR/logs"
  start_redis
  start_postgres
  cluster_env
  mkdir -p "$AIRFLOW_HOME" "$GIAMNGHEO_DATA_DIR/inbox"
  "$BIN/airflow" db migrate > "$DIR/logs/db-migrate.log" 2>&1 || { tail -30 "$DIR/logs/db-migrate.log"; exit 1; }
  "$BIN/giamngheo" init > "$DIR/logs/giamngheo-init.log" 2>&1 || { tail -30 "$DIR/logs/giamngheo-init.log"; exit 1; }
  launch api-server "$BIN/airflow" api-server --port "$API_PORT" --host 127.0.0.1
  launch scheduler "$BIN/airflow" scheduler
  launch dag-processor "$BIN/airflow" dag-processor
  launch triggerer "$BIN/airflow" triggerer
  local port=8793
  for worker in "${WORKERS[@]}"; do
    mkdir -p "$DIR/$worker/tmp"
    launch "$worker" env TMPDIR="$DIR/$worker/tmp" AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$port \
      GIAMNGHEO_WORKER_NAME="$worker" AIRFLOW__CORE__HOSTNAME_CALLABLE=giamngheo.config.worker_hostname \
      "$BIN/airflow" celery worker --celery-hostname "$worker@%h" --concurrency "${AIRFLOW__CELERY__WORKER_CONCURRENCY}"
    port=$((port + 1))
  done
  for _ in $(seq 240); do
    curl -sf "http://127.0.0.1:$API_PORT/api/v2/monitor/health" > /dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$API_PORT/api/v2/monitor/health" > /dev/null || { echo "the API server did not start"; tail -30 "$DIR/logs/api-server.log"; exit 1; }
  echo "cluster up: http://127.0.0.1:$API_PORT (users: ${CLUSTER_USERS:-admin:admin}; passwords in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
  echo "data: $GIAMNGHEO_DATA_DIR  warehouse: $GIAMNGHEO_WAREHOUSE_URL  logs: $DIR/logs"
}

stop() {
  # each component is the leader of its session; its task processes have process groups of their own
  # but stay in the session: stop the session, then kill what is left of it
  for name in "${WORKERS[@]}" triggerer dag-processor scheduler api-server; do
    if running "$name"; then
      pkill -TERM -s "$(cat "$DIR/pids/$name.pid")" 2>/dev/null || true
    fi
  done
  for name in "${WORKERS[@]}" triggerer dag-processor scheduler api-server; do
    if [ -f "$DIR/pids/$name.pid" ]; then
      for _ in $(seq 60); do running "$name" || break; sleep 0.5; done
      pkill -KILL -s "$(cat "$DIR/pids/$name.pid")" 2>/dev/null || true
      rm -f "$DIR/pids/$name.pid"
    fi
  done
  if [ -f "$DIR/pids/redis.pid" ]; then redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1 || true; rm -f "$DIR/pids/redis.pid"; fi
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$pgbin" ] && [ -s "$DIR/pg/PG_VERSION" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pgbin/pg_ctl" -D "$DIR/pg" -m fast stop > /dev/null 2>&1 || true
    else "$pgbin/pg_ctl" -D "$DIR/pg" -m fast stop > /dev/null 2>&1 || true; fi
  fi
  echo "cluster stopped"
}

status() {
  for name in api-server scheduler dag-processor triggerer "${WORKERS[@]}"; do
    if running "$name"; then echo "$name: running (pid $(cat "$DIR/pids/$name.pid"))"; else echo "$name: stopped"; fi
  done
  redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && echo "redis: running" || echo "redis: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) cluster_env; env | grep -E '^(AIRFLOW|GIAMNGHEO|GX_)' | sort ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
