#!/usr/bin/env bats
# The generated blaze of a DBHOST (fixture host bravo) against a real PostgreSQL server
# that this file starts: initdb into a scratch folder as the postgres user, peer
# authentication only, listening on a unix socket in that folder (no TCP). Inside the
# sandbox the socket folder is mounted over /run/postgresql, where pg_dump looks by default.
load common
load helpers/blaze

# Runs psql as postgres against the test server: pg_sql ARGS...
pg_sql() {
  (cd / && runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DIR/sock" -X -q -v ON_ERROR_STOP=1 -At "$@")
}

# Prints the row count and a digest of every row of the items table of DATABASE.
table_digest() {
  pg_sql -d "$1" -c "SELECT count(*) || ' ' || md5(string_agg(id || ':' || name || ':' || encode(payload, 'hex'), ',' ORDER BY id)) FROM items"
}

setup_file() {
  blaze_generate_fixture
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
  # Outside the bats folders (mode 0700): the postgres user must reach it.
  PG_DIR=$(mktemp -d /tmp/kindling-blaze-pg.XXXXXX)
  export PG_BIN PG_DIR
  chmod 0755 "$PG_DIR"
  mkdir "$PG_DIR/sock"
  chown postgres: "$PG_DIR" "$PG_DIR/sock"
  mkdir -p /run/postgresql
  (cd / && runuser -u postgres -- "$PG_BIN/initdb" --no-sync -D "$PG_DIR/data" -U postgres \
    --auth-local=peer --auth-host=reject >"$PG_DIR/initdb.log" 2>&1)
  (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR/sock' -c log_connections=on -c fsync=off" \
    start >/dev/null)
  pg_sql -d postgres -c "CREATE ROLE app_owner LOGIN" -c "CREATE DATABASE appdb OWNER app_owner"
  pg_sql -d appdb -c "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload bytea)" \
    -c "INSERT INTO items SELECT i, 'item ' || i || ' é''\"', decode(md5(i::text), 'hex') FROM generate_series(1, 5000) AS i" \
    -c "ALTER TABLE items OWNER TO app_owner"
}

teardown_file() {
  if [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]]; then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1) || true
  fi
  [[ -z "${PG_DIR:-}" ]] || rm -rf -- "$PG_DIR"
}

setup() {
  blaze_sandbox bravo
  SANDBOX_BINDS+=("$PG_DIR/sock:/run/postgresql")
}

teardown() {
  # The failing-dump test hides the database; it comes back whatever happened.
  if [[ -n "$(pg_sql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'appdb_away'")" ]]; then
    pg_sql -d postgres -c "ALTER DATABASE appdb_away RENAME TO appdb"
  fi
}

@test "bravo's blaze dumps appdb with pg_dump as postgres over peer authentication, and pg_restore restores it into a fresh database with equal rows" {
  run_blaze
  assert_success
  run list_dir "$ARCHIVE"
  assert_output "$(printf '%s\n' "bravo-cron-$TODAY.tar.bz2" "bravo-etc-$TODAY.tar.bz2" \
    "bravo-postgresql-appdb-$TODAY.dump" "bravo-postgresql-globals-$TODAY.sql.bz2" "bravo-userlocalbin-$TODAY.tar.bz2" | LC_ALL=C sort)"
  dump="$ARCHIVE/bravo-postgresql-appdb-$TODAY.dump"
  run "$PG_BIN/pg_restore" --list "$dump"
  assert_output --regexp 'TABLE DATA public items app_owner'
  # The seed's restore: pg_restore into a new database, as the database owner account.
  pg_sql -d postgres -c "CREATE DATABASE restored"
  # On stdin: the archive folder is root's alone.
  (cd / && runuser -u postgres -- "$PG_BIN/pg_restore" -h "$PG_DIR/sock" --exit-on-error -d restored <"$dump")
  [[ "$(table_digest restored)" == "$(table_digest appdb)" ]]
  [[ "$(table_digest restored)" == "5000 "* ]]
  # Roles come with the globals, which a restore on a new server needs first.
  run bash -c "bzip2 -dc '$ARCHIVE/bravo-postgresql-globals-$TODAY.sql.bz2'"
  assert_line 'CREATE ROLE app_owner;'
  # Both dumps connected as postgres by peer authentication: no password was involved.
  run grep -E 'connection authorized: user=postgres database=appdb application_name=pg_dump' "$PG_DIR/server.log"
  assert_success
  run grep -cE 'connection authenticated: identity="postgres" method=peer' "$PG_DIR/server.log"
  refute_output 0
  run grep -E 'method=(password|md5|scram)' "$PG_DIR/server.log"
  assert_failure
}

@test "a failing pg_dump (its database is gone) fails that item only: exit 1, no dump or partial file, earlier dumps untouched, the failure mailed" {
  earlier=$(old_copy "$ARCHIVE" bravo-postgresql-appdb- .dump 5 4000)
  ancient=$(old_copy "$ARCHIVE" bravo-postgresql-appdb- .dump 60)
  old_etc=$(old_copy "$ARCHIVE" bravo-etc- .tar.bz2 60)
  sum=$(sha256sum "$earlier")
  pg_sql -d postgres -c "ALTER DATABASE appdb RENAME TO appdb_away"
  run_blaze
  assert_failure 1
  run list_dir "$ARCHIVE"
  assert_output "$(printf '%s\n' "bravo-cron-$TODAY.tar.bz2" "bravo-etc-$TODAY.tar.bz2" "${earlier##*/}" "${ancient##*/}" \
    "bravo-postgresql-globals-$TODAY.sql.bz2" "bravo-userlocalbin-$TODAY.tar.bz2" | LC_ALL=C sort)"
  [[ "$(sha256sum "$earlier")" == "$sum" ]]
  # etc succeeded, so its 60-day-old copy went; the failed dump kept both of its copies.
  [[ ! -e "$old_etc" && -f "$ancient" ]]
  run cat "$MAIL"
  assert_line 'Subject: blaze on bravo: 1 of 5 item(s) failed'
  assert_output --partial 'postgresql-appdb: pg_dump failed; bravo-postgresql-appdb-'
  assert_output --partial 'database "appdb" does not exist'
}
