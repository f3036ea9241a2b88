# Sourced by .ci/run: makes a PostgreSQL server available to the tests and exports
# SPECPIPE_TEST_POSTGRES, which enables the state store's PostgreSQL tests. Uses the server
# SPECPIPE_TEST_POSTGRES already names if it answers; otherwise installs PostgreSQL from Debian's
# packages when it is missing, starts a private cluster in a temporary directory as the postgres
# user (CI runs as root) and creates a database. Fails (and with it CI) if the server does not
# start. .ci/run stops the cluster on exit (pg_stop).

pg_port="${SPECPIPE_PG_PORT:-55433}"
pg_data=""
pg_bin=""

pg_find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pg_bin="$d"; fi
  done
  if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    pg_bin="$(dirname "$(command -v initdb)")"
  fi
  [ -n "$pg_bin" ]
}

pg_stop() {
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    pg_as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null || true
  fi
  if [ -n "$pg_data" ]; then rm -rf "$pg_data"; fi
}

# pg_as_postgres runs a command as the postgres user when we are root, else as ourselves.
pg_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

pg_start() {
  if [ -n "${SPECPIPE_TEST_POSTGRES:-}" ]; then
    echo "PostgreSQL: using SPECPIPE_TEST_POSTGRES as given"
    return 0
  fi
  if ! pg_find_bin; then
    echo "PostgreSQL is missing: installing it from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_find_bin || { echo "PostgreSQL could not be installed"; return 1; }
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  pg_data="$(mktemp -d /tmp/specpipe-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_data"; fi
  pg_as_postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres >"$pg_data.initdb.log" 2>&1 \
    || { cat "$pg_data.initdb.log"; return 1; }
  rm -f "$pg_data.initdb.log"
  pg_as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
    -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1" start \
    || { cat "$pg_data/server.log" 2>/dev/null; echo "PostgreSQL did not start"; return 1; }
  pg_as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE specpipe_test" \
    || { echo "could not create the test database"; return 1; }
  export SPECPIPE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/specpipe_test?sslmode=disable"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port: SPECPIPE_TEST_POSTGRES=$SPECPIPE_TEST_POSTGRES"
}
