#!/usr/bin/env bats
# The generated restore of bravo (wf-fleet.yaml; a DBHOST), run for real in a private mount
# namespace (helpers/host-sandbox.bash): tar extracts from dated archives, and pg_restore
# into a real PostgreSQL server that this file starts (helpers/postgresql.bash). Reading
# copies back from a target over ssh is tested in wildfire.bats.
load common
load helpers/host-sandbox
load helpers/postgresql

setup_file() {
  "${KINDLING[@]}" generate -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
  pg_server_start
  pg_sql -d postgres -c "CREATE DATABASE appdb"
  pg_sql -d appdb -c "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)" \
    -c "INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 500) AS i"
  (cd / && runuser -u postgres -- "$PG_BIN/pg_dump" -h "$PG_DIR/sock" -Fc appdb) >"$BATS_FILE_TMPDIR/appdb.dump"
}

teardown_file() {
  pg_server_stop
}

setup() {
  ROOT="$BATS_TEST_TMPDIR/root"
  ARCHIVE="$ROOT/archive/blaze-backup/bravo"
  OUT="$BATS_TEST_TMPDIR/out"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/bravo/restore"
  mkdir -p "$ARCHIVE" "$OUT"
  local work="$BATS_TEST_TMPDIR/work"
  mkdir -p "$work/19/etc/ssh" "$work/20/etc/ssh" "$work/20/cron/crontabs" "$work/20/bin"
  printf 'version 1\n' >"$work/19/etc/wf-version"
  printf 'version 2\n' >"$work/20/etc/wf-version"
  printf 'Port 22\n' >"$work/19/etc/ssh/sshd_config"
  printf '20 2 * * * true\n' >"$work/20/cron/crontabs/root"
  printf '#!/bin/sh\necho archived tool\n' >"$work/20/bin/tool"
  tar -C "$work/19" -cjf "$ARCHIVE/bravo-etc-Nov-19-2026.tar.bz2" etc
  tar -C "$work/20" -cjf "$ARCHIVE/bravo-etc-Nov-20-2026.tar.bz2" etc
  tar -C "$work/20" -cjf "$ARCHIVE/bravo-cron-Nov-20-2026.tar.bz2" cron
  tar -C "$work/20" -cjf "$ARCHIVE/bravo-userlocalbin-Nov-20-2026.tar.bz2" bin
  cp "$BATS_FILE_TMPDIR/appdb.dump" "$ARCHIVE/bravo-postgresql-appdb-Nov-20-2026.dump"
  # Each night's manifest, as blaze writes it: restore checks every copy against it.
  (cd "$ARCHIVE" && sha256sum bravo-etc-Nov-19-2026.tar.bz2 >bravo-manifest-Nov-19-2026.sha256 \
    && sha256sum bravo-{etc,cron}-Nov-20-2026.tar.bz2 bravo-userlocalbin-Nov-20-2026.tar.bz2 \
      bravo-postgresql-appdb-Nov-20-2026.dump >bravo-manifest-Nov-20-2026.sha256)
  SANDBOX_BINDS=("$PG_DIR/sock:/run/postgresql")
}

@test "restore list shows bravo's copies here by kind and date" {
  printf 'not a copy\n' >"$ARCHIVE/notes.txt"
  run sandbox_run "$ROOT" /usr/local/bin/restore list --local
  assert_success
  assert_output "$(printf '%-10s %-22s %s  %s\n' LOCATION KIND DATE FILE \
    here cron 2026-11-20 bravo-cron-Nov-20-2026.tar.bz2 \
    here etc 2026-11-19 bravo-etc-Nov-19-2026.tar.bz2 \
    here etc 2026-11-20 bravo-etc-Nov-20-2026.tar.bz2 \
    here manifest 2026-11-19 bravo-manifest-Nov-19-2026.sha256 \
    here manifest 2026-11-20 bravo-manifest-Nov-20-2026.sha256 \
    here postgresql-appdb 2026-11-20 bravo-postgresql-appdb-Nov-20-2026.dump \
    here userlocalbin 2026-11-20 bravo-userlocalbin-Nov-20-2026.tar.bz2)"
}

@test "restore file extracts one path from the archive of the given date into a new folder" {
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-19 /etc/wf-version --to "$OUT/a"
  assert_success
  assert_output "restored etc/wf-version from bravo-etc-Nov-19-2026.tar.bz2 into $OUT/a"
  assert_equal "$(cat "$OUT/a/etc/wf-version")" 'version 1'
  run find "$OUT/a" -type f
  assert_output "$OUT/a/etc/wf-version"
  # The seed's date format works too, and a folder path brings the whole folder.
  run sandbox_run "$ROOT" /usr/local/bin/restore file Nov-19-2026 /etc/ssh --to "$OUT/b"
  assert_success
  assert_equal "$(cat "$OUT/b/etc/ssh/sshd_config")" 'Port 22'
  # Without --to, a new folder in the current one.
  run sandbox_run "$ROOT" sh -c "cd '$OUT' && /usr/local/bin/restore file 2026-11-20 /etc/wf-version"
  assert_success
  assert_equal "$(cat "$OUT/restore-bravo-etc-Nov-20-2026/etc/wf-version")" 'version 2'
}

@test "restore archive extracts a whole archive of the given date" {
  run sandbox_run "$ROOT" /usr/local/bin/restore archive 2026-11-20 cron --to "$OUT/cron"
  assert_success
  assert_equal "$(cat "$OUT/cron/cron/crontabs/root")" '20 2 * * * true'
}

@test "restore never writes into a folder that has files, and over the live files only when asked" {
  mkdir -p "$OUT/busy/etc"
  printf 'mine\n' >"$OUT/busy/etc/wf-version"
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-20 /etc/wf-version --to "$OUT/busy"
  assert_failure 1
  assert_output --partial 'exists and is not empty'
  assert_equal "$(cat "$OUT/busy/etc/wf-version")" 'mine'
  # /usr/local/bin is the sandbox's: the live tool is replaced only with --overwrite-live.
  printf '#!/bin/sh\necho live tool\n' >"$ROOT/usr/local/bin/tool"
  run sandbox_run "$ROOT" sh -c "cd '$OUT' && /usr/local/bin/restore file 2026-11-20 /usr/local/bin/tool"
  assert_success
  assert_equal "$(cat "$ROOT/usr/local/bin/tool")" "$(printf '#!/bin/sh\necho live tool')"
  assert_equal "$(cat "$OUT/restore-bravo-userlocalbin-Nov-20-2026/bin/tool")" "$(printf '#!/bin/sh\necho archived tool')"
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-20 /usr/local/bin/tool --overwrite-live
  assert_success
  assert_equal "$(cat "$ROOT/usr/local/bin/tool")" "$(printf '#!/bin/sh\necho archived tool')"
}

@test "restore refuses a missing date, an unknown path and bad arguments" {
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-18 /etc/wf-version --to "$OUT/x"
  assert_failure 1
  assert_output --partial 'expected one copy bravo-etc-Nov-18-2026.* in /archive/blaze-backup/bravo, found 0'
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-20 /opt/app.conf --to "$OUT/x"
  assert_failure 1
  assert_output --partial '/opt/app.conf is in none of the archives'
  run sandbox_run "$ROOT" /usr/local/bin/restore file yesterday /etc/wf-version
  assert_failure 2
  run sandbox_run "$ROOT" /usr/local/bin/restore archive 2026-11-20 etc --from alpha --host charlie
  assert_failure 2
  run sandbox_run "$ROOT" /usr/local/bin/restore database 2026-11-20 appdb
  assert_failure 2
  assert_output --partial 'needs --into'
}

@test "restore database restores the dump of the given date into a new database of a real PostgreSQL" {
  run sandbox_run "$ROOT" /usr/local/bin/restore database 2026-11-20 appdb --into appdb_restored
  assert_success
  assert_output 'restored appdb of Nov-20-2026 into the new database appdb_restored'
  assert_equal "$(pg_sql -d appdb_restored -c "SELECT count(*), md5(string_agg(id || name, ',' ORDER BY id)) FROM items")" \
    "$(pg_sql -d appdb -c "SELECT count(*), md5(string_agg(id || name, ',' ORDER BY id)) FROM items")"
  # Never into an existing database.
  run sandbox_run "$ROOT" /usr/local/bin/restore database 2026-11-20 appdb --into appdb
  assert_failure 1
  assert_output --partial 'createdb appdb failed (does it exist already?)'
  assert_equal "$(pg_sql -d appdb -c 'SELECT count(*) FROM items')" 500
}

@test "restore refuses a copy that does not match its manifest, one the manifest does not name, and one without a manifest: nothing extracted" {
  corrupt_byte "$ARCHIVE/bravo-etc-Nov-20-2026.tar.bz2" 100
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-20 /etc/wf-version --to "$OUT/t"
  assert_failure 1
  assert_output --partial 'bravo-etc-Nov-20-2026.tar.bz2 does not match its checksum in bravo-manifest-Nov-20-2026.sha256'
  assert_output --partial 'it was altered or damaged; nothing restored'
  [[ ! -e "$OUT/t" ]]
  sed -i '/bravo-cron-/d' "$ARCHIVE/bravo-manifest-Nov-20-2026.sha256"
  run sandbox_run "$ROOT" /usr/local/bin/restore archive 2026-11-20 cron --to "$OUT/c"
  assert_failure 1
  assert_output --partial 'bravo-manifest-Nov-20-2026.sha256 has no checksum for bravo-cron-Nov-20-2026.tar.bz2, so it is not restored'
  rm "$ARCHIVE/bravo-manifest-Nov-19-2026.sha256"
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-19 /etc/wf-version --to "$OUT/n"
  assert_failure 1
  assert_output --partial 'no manifest bravo-manifest-Nov-19-2026.sha256 for bravo-etc-Nov-19-2026.tar.bz2'
  [[ ! -e "$OUT/c" && ! -e "$OUT/n" ]]
}

@test "restore database refuses a dump that does not match its manifest: no database is created" {
  corrupt_byte "$ARCHIVE/bravo-postgresql-appdb-Nov-20-2026.dump" 300
  run sandbox_run "$ROOT" /usr/local/bin/restore database 2026-11-20 appdb --into appdb_tampered
  assert_failure 1
  assert_output --partial 'bravo-postgresql-appdb-Nov-20-2026.dump does not match its checksum'
  run pg_sql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'appdb_tampered'"
  assert_output 0
}

@test "restore extracts files as root's unless restoring live, where the archive's owners are kept" {
  local work="$BATS_TEST_TMPDIR/owned"
  mkdir -p "$work/bin"
  printf '#!/bin/sh\necho owned tool\n' >"$work/bin/tool"
  tar -C "$work" --owner=4321 --group=4321 -cjf "$ARCHIVE/bravo-userlocalbin-Nov-21-2026.tar.bz2" bin
  (cd "$ARCHIVE" && sha256sum bravo-userlocalbin-Nov-21-2026.tar.bz2 >bravo-manifest-Nov-21-2026.sha256)
  run sandbox_run "$ROOT" /usr/local/bin/restore archive 2026-11-21 userlocalbin --to "$OUT/o"
  assert_success
  assert_equal "$(stat -c %u:%g "$OUT/o/bin/tool")" 0:0
  run sandbox_run "$ROOT" /usr/local/bin/restore file 2026-11-21 /usr/local/bin/tool --overwrite-live
  assert_success
  assert_equal "$(stat -c %u:%g "$ROOT/usr/local/bin/tool")" 4321:4321
}
