# postgresql.bash: a real, throwaway PostgreSQL server for a test file: initdb into a
# scratch folder as the postgres user, peer authentication only, listening on a unix
# socket in that folder (no TCP). Mount PG_DIR/sock over /run/postgresql in a sandbox
# (SANDBOX_BINDS) and the clients find it by default.
#
# Usage (root):
#   setup_file()    { pg_server_start; }   sets and exports PG_BIN and PG_DIR
#   teardown_file() { pg_server_stop; }    stops the server, removes PG_DIR
#   pg_sql -d DATABASE -c SQL...           psql as postgres, unaligned, stops on error

# Runs psql as postgres against the test server: pg_sql ARGS...
pg_sql() {
  (cd / && runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR/sock" -X -q -v ON_ERROR_STOP=1 -At "$@")
}

# Starts the server (at most 60 s) and exports PG_BIN and PG_DIR.
pg_server_start() {
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
  # Outside the bats folders (mode 0700): the postgres user must reach it.
  PG_DIR=$(mktemp -d /tmp/kindling-pg.XXXXXX)
  export PG_BIN PG_DIR
  chmod 0755 "$PG_DIR"
  mkdir "$PG_DIR/sock"
  chown postgres: "$PG_DIR" "$PG_DIR/sock"
  # The mount point the sandboxes bind the socket folder on.
  mkdir -p /run/postgresql
  (cd / && runuser -u postgres -- "$PG_BIN/initdb" --no-sync -D "$PG_DIR/data" -U postgres \
    --auth-local=peer --auth-host=reject >"$PG_DIR/initdb.log" 2>&1)
  (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR/sock' -c fsync=off" start >/dev/null)
}

# Stops the server at once and removes its folder; safe after a failed start.
pg_server_stop() {
  if [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]]; then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1) || true
  fi
  [[ -z "${PG_DIR:-}" ]] || rm -rf -- "$PG_DIR"
}
