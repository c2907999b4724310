#!/usr/bin/env bash
# Starts Debian's PostgreSQL server package (pg_config --bindir, 15 on our machines) on a private data directory,
# configured as production servers are (fsync, synchronous_commit and full_page_writes on, WAL for replicas), loads
# the tables of the server benchmark (docs/benchmark.md, "On a production-configured server") and stops it again.
#
#   pg-production.sh start                  initdb (first time) and start on port $PORT
#   pg-production.sh load SCALE             pgbench -i -s SCALE (pgbench_accounts: SCALE x 100,000 rows, int key in
#                                           key order) and bench_uuid (the same rows with a random uuid key, in
#                                           random physical order, a timestamptz and a jsonb column)
#   pg-production.sh load-small ROWS        accounts_ROWS and bench_uuid_ROWS: the first ROWS rows of both (fixed-cost
#                                           figures)
#   pg-production.sh url                    the JDBC URL to give the benchmark (--jdbc-url)
#   pg-production.sh psql [ARGS]            psql on the benchmark database
#   pg-production.sh stop | destroy         stop the server | stop it and delete its data directory
#
# Environment: VALMI_PG_DIR (data directory, default /tmp/valmi-pg-production), VALMI_PG_PORT (54315),
# VALMI_PG_BINDIR (default: pg_config --bindir), VALMI_PG_DB (the database, default bench: use another one per scale).
set -euo pipefail

DIR=${VALMI_PG_DIR:-/tmp/valmi-pg-production}
PORT=${VALMI_PG_PORT:-54315}
BIN=${VALMI_PG_BINDIR:-$(pg_config --bindir)}
DB=${VALMI_PG_DB:-bench}
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=$DB

psql_() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# The server refuses to run as root: as root, the server's commands run as the user "postgres" (Debian's package
# creates it), which then owns the data directory.
owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
    owner "$BIN/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # Production settings: everything durable (the defaults, stated), WAL for a replica, a buffer pool of the size
    # the issue measured with. Only the socket directory and the port are private to the benchmark.
    cat >> "$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = 'localhost'
unix_socket_directories = '$DIR'
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = replica
shared_buffers = 256MB
max_wal_size = 2GB
checkpoint_timeout = 5min
max_connections = 50
shared_preload_libraries = 'pg_stat_statements'
track_io_timing = on
CONF
  fi
  if ! owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start >/dev/null
  fi
  psql_ -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql_ -d postgres -c "CREATE DATABASE $DB"
  psql_ -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on port $PORT, data in $DIR"
}

load() {
  local scale=$1
  "$BIN/pgbench" -i -q -s "$scale" "$DB"
  psql_ <<SQL
DROP TABLE IF EXISTS bench_uuid;
CREATE TABLE bench_uuid (id uuid PRIMARY KEY, aid int NOT NULL UNIQUE, bid int, abalance int, filler character(84),
                         updated_at timestamptz, attrs jsonb);
INSERT INTO bench_uuid
SELECT gen_random_uuid(), aid, bid, abalance, filler,
       timestamptz '2024-01-01 00:00:00+00' + aid * interval '17 seconds',
       jsonb_build_object('aid', aid, 'tag', 't' || (aid % 10), 'ok', aid % 2 = 0)
FROM pgbench_accounts ORDER BY random();
VACUUM (ANALYZE) bench_uuid;
VACUUM (ANALYZE) pgbench_accounts;
CHECKPOINT;
SQL
  psql_ -tc "SELECT 'loaded: ' || relname || ' ' || reltuples::bigint || ' rows, '
               || pg_size_pretty(pg_total_relation_size(oid))
             FROM pg_class WHERE relname IN ('pgbench_accounts', 'bench_uuid')"
}

load_small() {
  local rows=$1
  psql_ <<SQL
DROP TABLE IF EXISTS accounts_$rows, bench_uuid_$rows;
CREATE TABLE accounts_$rows (LIKE pgbench_accounts INCLUDING ALL);
INSERT INTO accounts_$rows SELECT * FROM pgbench_accounts WHERE aid <= $rows ORDER BY aid;
CREATE TABLE bench_uuid_$rows (LIKE bench_uuid INCLUDING ALL);
INSERT INTO bench_uuid_$rows SELECT * FROM bench_uuid WHERE aid <= $rows;
VACUUM (ANALYZE) accounts_$rows;
VACUUM (ANALYZE) bench_uuid_$rows;
SQL
}

case "${1:-}" in
  start) start ;;
  load) start; load "${2:?scale}" ;;
  load-small) start; load_small "${2:?rows}" ;;
  url) echo "jdbc:postgresql://localhost:$PORT/$DB?user=postgres" ;;
  psql) shift; "$BIN/psql" -X "$@" ;;
  stop) owner "$BIN/pg_ctl" -D "$DIR" -m fast stop ;;
  destroy) owner "$BIN/pg_ctl" -D "$DIR" -m fast stop || true; rm -rf "$DIR" ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
