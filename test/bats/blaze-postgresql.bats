#!/usr/bin/env bats
# The generated blaze of a DBHOST (fixture host bravo) against a real PostgreSQL server
# that this file starts (helpers/postgresql.bash: initdb into a scratch folder as the
# postgres user, peer authentication only, a unix socket in that folder, no TCP). Inside
# the sandbox the socket folder is mounted over /run/postgresql, where pg_dump looks by default.
load common
load helpers/blaze
load helpers/postgresql

# Prints the row count and a digest of every row of the items table of DATABASE.
table_digest() {
  pg_sql -d "$1" -c "SELECT count(*) || ' ' || md5(string_agg(id || ':' || name || ':' || encode(payload, 'hex'), ',' ORDER BY id)) FROM items"
}

setup_file() {
  blaze_generate_fixture
  pg_server_start
  # Each connection's user and authentication method, for the test of how pg_dump logs in.
  pg_sql -d postgres -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" >/dev/null
  pg_sql -d postgres -c "CREATE ROLE app_owner LOGIN" -c "CREATE DATABASE appdb OWNER app_owner"
  pg_sql -d appdb -c "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload bytea)" \
    -c "INSERT INTO items SELECT i, 'item ' || i || ' é''\"', decode(md5(i::text), 'hex') FROM generate_series(1, 5000) AS i" \
    -c "ALTER TABLE items OWNER TO app_owner"
}

teardown_file() {
  pg_server_stop
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
    "bravo-manifest-$TODAY.sha256" "bravo-postgresql-appdb-$TODAY.dump" "bravo-postgresql-globals-$TODAY.sql.bz2" \
    "bravo-userlocalbin-$TODAY.tar.bz2" | LC_ALL=C sort)"
  # The dump's checksum, taken while pg_dump wrote it, is in the night's manifest.
  run bash -c "cd '$ARCHIVE' && sha256sum --strict -c bravo-manifest-$TODAY.sha256"
  assert_success
  assert_line "bravo-postgresql-appdb-$TODAY.dump: OK"
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
  old_copy "$ARCHIVE" bravo-etc- .tar.bz2 58 >/dev/null
  old_copy "$ARCHIVE" bravo-etc- .tar.bz2 59 >/dev/null
  old_etc=$(old_copy "$ARCHIVE" bravo-etc- .tar.bz2 60)
  sum=$(sha256sum "$earlier")
  pg_sql -d postgres -c "ALTER DATABASE appdb RENAME TO appdb_away"
  run_blaze
  assert_failure 1
  run list_dir "$ARCHIVE"
  assert_output "$(printf '%s\n' "bravo-cron-$TODAY.tar.bz2" "bravo-etc-$TODAY.tar.bz2" "${earlier##*/}" "${ancient##*/}" \
    "bravo-etc-$(blaze_date '58 days ago').tar.bz2" "bravo-etc-$(blaze_date '59 days ago').tar.bz2" \
    "bravo-manifest-$TODAY.sha256" "bravo-postgresql-globals-$TODAY.sql.bz2" "bravo-userlocalbin-$TODAY.tar.bz2" | LC_ALL=C sort)"
  [[ "$(sha256sum "$earlier")" == "$sum" ]]
  # etc succeeded, so its oldest copy went (3 newer ones stay); the failed dump kept both of its copies.
  [[ ! -e "$old_etc" && -f "$ancient" ]]
  run cat "$MAIL"
  assert_line 'Subject: blaze on bravo: 1 of 5 item(s) failed'
  assert_output --partial 'postgresql-appdb: pg_dump failed; bravo-postgresql-appdb-'
  assert_output --partial 'database "appdb" does not exist'
}
