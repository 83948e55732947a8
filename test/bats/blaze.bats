#!/usr/bin/env bats
# The generated blaze, run for real (bash, tar, lbzip2/bzip2/zstd, flock, df) inside a
# private mount namespace that puts scratch folders over the host's paths. PostgreSQL
# is in blaze-postgresql.bats, removable drives in blaze-removable.bats.
load common
load helpers/blaze

setup_file() {
  blaze_generate_fixture
}

# A source big enough (incompressible) that archiving it takes a second or more:
# make_slow_source SIZE
make_slow_source() {
  head -c "$1" /dev/urandom >"$SRC/etc/big.bin"
}

# Waits (at most 30 s) until blaze's temporary file for the etc archive has data.
wait_for_partial() {
  local partial="$ARCHIVE/.alpha-etc-$TODAY.tar.bz2.partial" tries=0
  until [[ -s "$partial" ]]; do
    ((tries++ < 300)) || return 1
    sleep 0.1
  done
}

@test "the generated blaze of a database host and of a removable-drive host pass shellcheck" {
  run shellcheck "$BATS_FILE_TMPDIR"/dist/bravo/blaze "$BATS_FILE_TMPDIR"/dist/charlie/blaze
  assert_success
}

@test "australia's generated blaze writes one archive per seed source, named as the seed names them, that restore to the same trees" {
  blaze_sandbox australia "$REPO_ROOT/test/golden/seed/australia/blaze"
  # /etc itself is archived: leave the real /etc/sysconfig in place, so that the
  # archive and the comparison below see the same folder.
  SANDBOX_HOST_PATHS=(/archive /var/log /usr/local/bin /var/lib/kindling /run/lock /run/kindling)
  ARCHIVE="$ROOT/archive/blaze-backup/australia"
  printf '#!/bin/sh\necho hello\n' >"$ROOT/usr/local/bin/hello"
  chmod 0755 "$ROOT/usr/local/bin/hello"
  run_blaze
  assert_success
  run list_dir "$ARCHIVE"
  assert_output "$(printf 'australia-cron-%s.tar.bz2\naustralia-etc-%s.tar.bz2\naustralia-manifest-%s.sha256\naustralia-userlocalbin-%s.tar.bz2' "$TODAY" "$TODAY" "$TODAY" "$TODAY")"
  for kind in etc cron userlocalbin; do
    run bzip2 -t "$ARCHIVE/australia-$kind-$TODAY.tar.bz2"
    assert_success
  done
  assert_restores "$ARCHIVE/australia-etc-$TODAY.tar.bz2" /etc
  assert_restores "$ARCHIVE/australia-cron-$TODAY.tar.bz2" /var/spool/cron
  assert_restores "$ARCHIVE/australia-userlocalbin-$TODAY.tar.bz2" "$ROOT/usr/local/bin"
  # Every step is logged with an ISO-8601 timestamp; the aggregator iraq is unreachable
  # from the sandbox's network namespace, which is logged and does not fail the run.
  run grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2} australia blaze\[[0-9]+\] (INFO|WARN|ERROR) ' "$ROOT/var/log/blaze-backup.log"
  assert_output 0
  run grep -c ' INFO etc: wrote /archive/blaze-backup/australia/australia-etc-' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  run grep -c 'WARN could not send the summary to iraq' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  [[ ! -e "$MAIL" ]]
}

@test "alpha's archives restore byte for byte: odd names, links, empty folders, modes and times; the summary reaches the aggregated log" {
  blaze_sandbox alpha
  printf 'spaces\n' >"$SRC/etc/name with spaces"
  printf 'dash\n' >"$SRC/etc/-rf"
  printf 'unicode\n' >"$SRC/etc/café-ü"
  printf 'quote\n' >"$SRC/etc/it's \"quoted\""
  ln -s app.conf "$SRC/etc/link-to-app"
  ln -s /nonexistent/target "$SRC/etc/dangling"
  ln "$SRC/etc/app.conf" "$SRC/etc/hardlink.conf"
  mkdir -p "$SRC/etc/empty" "$SRC/etc/deep/a/b/c"
  head -c 300K /dev/urandom >"$SRC/etc/deep/a/b/c/blob.bin"
  chmod 0640 "$SRC/etc/app.conf"
  chmod 0700 "$SRC/etc/deep"
  touch -d '2011-02-27 12:00' "$SRC/etc/conf.d/log.conf"
  run_blaze
  assert_success
  assert_restores "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" "$SRC/etc"
  assert_restores "$ARCHIVE/alpha-cron-$TODAY.tar.bz2" "$SRC/cron"
  assert_restores "$ARCHIVE/alpha-userlocalbin-$TODAY.tar.bz2" "$SRC/bin"
  # The hard link is restored as a hard link.
  out=$(mktemp -d "$BATS_TEST_TMPDIR/links.XXXXXX")
  tar -xjf "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" -C "$out"
  [[ "$(stat -c %i "$out/etc/app.conf")" == "$(stat -c %i "$out/etc/hardlink.conf")" ]]
  # Archives are root's alone: they hold /etc/shadow on a real host.
  [[ "$(stat -c %a "$ARCHIVE/alpha-etc-$TODAY.tar.bz2")" == 600 ]]
  # alpha is the aggregator: its summary line is appended to its own aggregated log.
  run cat "$ROOT/var/log/blaze-wildfire.log"
  # (The time, host and script in front are the report library's; blaze's part is the rest.)
  assert_output --regexp "OK start=[0-9T:+-]+ duration=[0-9]+s ok=3 failed=0 suspicious=0 bytes=[1-9][0-9]* sizes=etc:[1-9][0-9]*,cron:[1-9][0-9]*,userlocalbin:[1-9][0-9]* received_verified=0 received_bad=0$"
  # sizes= names each kind's bytes, as kindling forecast --from-log reads them.
  local etc_bytes
  etc_bytes=$(stat -c %s "$ARCHIVE/alpha-etc-$TODAY.tar.bz2")
  assert_output --partial "sizes=etc:${etc_bytes},"
  # The night's manifest: the checksum of each archive, taken while it was written, in
  # sha256sum -c format with plain names.
  run bash -c "cd '$ARCHIVE' && sha256sum --strict -c alpha-manifest-$TODAY.sha256"
  assert_success
  assert_output "$(printf '%s: OK\n' "alpha-etc-$TODAY.tar.bz2" "alpha-cron-$TODAY.tar.bz2" "alpha-userlocalbin-$TODAY.tar.bz2")"
}

@test "a receiver whose setup has not yet made a new sender's account warns 'run setup', logs no error, takes nothing and still succeeds" {
  blaze_sandbox alpha
  # alpha receives bravo's copies as kb-bravo; this machine (like a receiver whose setup has
  # not run since bravo was added) has no such group. A copy lies in bravo's folder anyway.
  ! getent group kb-bravo >/dev/null || fail "this machine has a kb-bravo group: the test needs none"
  copy=$(old_copy "$ROOT/archive/blaze-backup/bravo" bravo-etc- .tar.bz2 1)
  owner=$(stat -c '%U:%G %a' "$copy")
  run_blaze
  assert_success
  run grep -c ' ERROR ' "$ROOT/var/log/blaze-backup.log"
  assert_output 0
  run grep -F 'WARN /archive/blaze-backup/bravo: not ready for its sender (group kb-bravo or the folder is missing); run setup on this host' "$ROOT/var/log/blaze-backup.log"
  assert_success
  [[ "$(stat -c '%U:%G %a' "$copy")" == "$owner" ]]
}

@test "a find that fails while listing what a sender stored fails the run: counted, mailed, and the copy stays the sender's" {
  blaze_sandbox alpha
  # alpha's setup has made bravo's account: the sandbox gets a group file that has it.
  cp /etc/group "$BATS_TEST_TMPDIR/group"
  printf 'kb-bravo:x:64990:\n' >>"$BATS_TEST_TMPDIR/group"
  SANDBOX_BINDS+=("$BATS_TEST_TMPDIR/group:/etc/group")
  copy=$(old_copy "$ROOT/archive/blaze-backup/bravo" bravo-etc- .tar.bz2 1)
  owner=$(stat -c '%U:%G %a' "$copy")
  # find fails on bravo's folder as on a failing disk; bash does not pass on the status of
  # the process substitution that runs it, so only an explicit check can see it.
  failing_command "$BATS_TEST_TMPDIR/bin" find /archive/blaze-backup/bravo
  run_blaze
  assert_failure 1
  run grep -F 'ERROR /archive/blaze-backup/bravo: could not list what kb-bravo sent;' "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -F '/archive/blaze-backup/bravo: could not list what kb-bravo sent;' "$MAIL"
  assert_success
  run grep -E ' alpha blaze FAILED ' "$ROOT/var/log/blaze-wildfire.log"
  assert_success
  [[ "$(stat -c '%U:%G %a' "$copy")" == "$owner" ]]
  # The night's own archives are written all the same.
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" ]]
}

@test "a sort that fails while ordering a kind's arrivals leaves every ledger as it was, prunes nothing, and fails the run" {
  blaze_sandbox alpha
  # With a working sort the 60-day copy is pruned: past 30 days, and not among the 3 newest.
  for days in 1 2 3; do old_copy "$ARCHIVE" alpha-etc- .tar.bz2 "$days" >/dev/null; done
  old=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 60)
  received=$(old_copy "$ROOT/archive/blaze-backup/bravo" bravo-etc- .tar.bz2 90)
  ledgers=$(cd "$ROOT/var/lib/kindling/arrivals" && sha256sum -- *)
  # Before the check, the failed sort left prune_copies an empty list, and it rewrote each
  # ledger with it: every copy's arrival lost, its age to start again from the next night.
  failing_command "$BATS_TEST_TMPDIR/bin" sort -k1,1nr
  run_blaze
  assert_failure 1
  [[ -f "$old" && -f "$received" ]]
  assert_equal "$(cd "$ROOT/var/lib/kindling/arrivals" && sha256sum -- *)" "$ledgers"
  run grep -F "ERROR /archive/blaze-backup/alpha/alpha-etc-*.tar.bz2: could not sort the arrivals of /var/lib/kindling/arrivals/alpha-etc-.tar.bz2; the ledger is left as it was" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -F 'could not sort the arrivals of /var/lib/kindling/arrivals/bravo-etc-.tar.bz2' "$MAIL"
  assert_success
}

@test "--help documents the options and every exit code; an unknown option exits 2" {
  blaze_sandbox alpha
  run_blaze --help
  assert_success
  assert_output --partial 'Usage: blaze [-n|--dry-run] [-v|--verbose] [-h|--help]'
  assert_output --partial '/mnt/src/etc/ -> alpha-etc-<Mon-DD-YYYY>.tar.bz2'
  for code in '0    done' '1    failed, in whole or in part' '2    bad usage' \
    '3    another run of the same script holds its lock' '130  stopped by SIGINT, 143 stopped by SIGTERM'; do
    assert_output --partial "$code"
  done
  run_blaze --frobnicate
  assert_failure 2
  assert_stderr --partial 'blaze: unknown argument --frobnicate'
}

@test "--dry-run prints each step and the space it expects to need, and changes nothing" {
  blaze_sandbox alpha
  old=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 1 200000)
  old_copy "$ARCHIVE" alpha-etc- .tar.bz2 2 >/dev/null
  old_copy "$ARCHIVE" alpha-etc- .tar.bz2 3 >/dev/null
  ancient=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 45)
  before=$(find "$ROOT" "$MNT" -printf '%p %s %T@\n' | sort)
  run_blaze --dry-run
  assert_success
  assert_output --partial "Compressor: lbzip2"
  # The etc estimate is the size of its last copy, larger than the inventory's 64K.
  assert_output --partial "archive /mnt/src/etc -> /archive/blaze-backup/alpha/alpha-etc-$TODAY.tar.bz2 (about 195.4KiB)"
  assert_output --partial "archive /mnt/src/cron -> /archive/blaze-backup/alpha/alpha-cron-$TODAY.tar.bz2 (about 4.0KiB)"
  assert_output --regexp 'Space: about [0-9.]+KiB expected \([0-9.]+MiB with headroom\), [0-9.]+[KMGT]iB free in /archive: fits'
  assert_output --partial "would prune /archive/blaze-backup/alpha/${ancient##*/} (arrived $(date -u -d '45 days ago' +%F), more than 30 days before the newest)"
  assert_output --partial 'Take the lock /run/lock/kindling-blaze.lock'
  [[ "$(find "$ROOT" "$MNT" -printf '%p %s %T@\n' | sort)" == "$before" ]]
  [[ ! -e "$MAIL" ]]
}

@test "retention prunes copies that arrived more than 30 days before the newest arrival, keeps the 3 newest of each kind even when old, and prunes nothing of a kind whose archive failed" {
  blaze_sandbox alpha
  keep10=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 10)
  keep29=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 29)
  prune31=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 31)
  prune60=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 60)
  # The cron source is gone tonight: its archive fails, so its old copies all stay.
  rm -rf "$SRC/cron"
  cron40=$(old_copy "$ARCHIVE" alpha-cron- .tar.bz2 40)
  cron90=$(old_copy "$ARCHIVE" alpha-cron- .tar.bz2 90)
  # Copies bravo sends here (network retention, counted from the newest arrival of bravo's
  # copies; the 3 newest stay whatever their age).
  received="$ROOT/archive/blaze-backup/bravo"
  bravo40=$(old_copy "$received" bravo-etc- .tar.bz2 40)
  bravo50=$(old_copy "$received" bravo-etc- .tar.bz2 50)
  bravo80=$(old_copy "$received" bravo-etc- .tar.bz2 80)
  bravo90=$(old_copy "$received" bravo-etc- .tar.bz2 90)
  dump5=$(old_copy "$received" bravo-postgresql-appdb- .dump 5)
  dump44=$(old_copy "$received" bravo-postgresql-appdb- .dump 44)
  dump45=$(old_copy "$received" bravo-postgresql-appdb- .dump 45)
  dump46=$(old_copy "$received" bravo-postgresql-appdb- .dump 46)
  touch -d '100 days ago' "$received/bravo-etc-notes.txt" "$received/.bravo-etc-$(blaze_date '100 days ago').tar.bz2.partial"
  delta1=$(old_copy "$ROOT/archive/blaze-backup/delta" delta-etc- .tar.zst 1)
  delta35=$(old_copy "$ROOT/archive/blaze-backup/delta" delta-etc- .tar.zst 35)
  delta36=$(old_copy "$ROOT/archive/blaze-backup/delta" delta-etc- .tar.zst 36)
  delta37=$(old_copy "$ROOT/archive/blaze-backup/delta" delta-etc- .tar.zst 37)
  run_blaze
  assert_failure 1
  for kept in "$keep10" "$keep29" "$cron40" "$cron90" "$bravo40" "$bravo50" "$bravo80" "$dump5" \
    "$dump44" "$dump45" "$delta1" "$delta35" "$delta36" \
    "$received/bravo-etc-notes.txt" "$received/.bravo-etc-$(blaze_date '100 days ago').tar.bz2.partial"; do
    [[ -f "$kept" ]] || fail "$kept was pruned"
  done
  for pruned in "$prune31" "$prune60" "$bravo90" "$dump46" "$delta37"; do
    [[ ! -e "$pruned" ]] || fail "$pruned was kept"
  done
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" && ! -e "$ARCHIVE/alpha-cron-$TODAY.tar.bz2" ]]
  run grep -F "WARN cron: nothing pruned, since tonight's copy failed or looks wrong" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -F "ERROR cron: the source folder /mnt/src/cron does not exist" "$MAIL"
  assert_success
}

@test "a failing tar (a file root may not read) fails its item: exit 1, no archive or partial file, the earlier copy untouched, the failure mailed, the other items written" {
  blaze_sandbox alpha
  earlier=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 1 5000)
  ancient=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 60)
  sum=$(sha256sum "$earlier")
  printf 'secret\n' >"$SRC/etc/unreadable"
  chmod 000 "$SRC/etc/unreadable"
  # Without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, root obeys file modes like anyone:
  # tar writes the rest of the archive and exits 2 at the end.
  run --separate-stderr sandbox_run "$ROOT" setpriv --bounding-set=-dac_override,-dac_read_search /usr/local/bin/blaze
  assert_failure 1
  run list_dir "$ARCHIVE"
  assert_output "$(printf '%s\n' "${ancient##*/}" "${earlier##*/}" "alpha-cron-$TODAY.tar.bz2" "alpha-manifest-$TODAY.sha256" "alpha-userlocalbin-$TODAY.tar.bz2" | LC_ALL=C sort)"
  # The manifest lists what was written tonight, not the failed etc.
  run cut -d ' ' -f 3 "$ARCHIVE/alpha-manifest-$TODAY.sha256"
  assert_output "$(printf '%s\n' "alpha-cron-$TODAY.tar.bz2" "alpha-userlocalbin-$TODAY.tar.bz2")"
  [[ "$(sha256sum "$earlier")" == "$sum" ]]
  run cat "$MAIL"
  assert_line '=== sendmail -t -i'
  assert_line 'To: blaze-wildfire'
  assert_line 'Subject: blaze on alpha: 1 of 3 item(s) failed'
  assert_output --partial 'etc: tar or lbzip2 failed (status 2)'
  assert_output --regexp "ERROR etc: tar: etc/unreadable: Cannot open: Permission denied"
}

@test "a second blaze started while one runs is refused by the lock with exit 3 and a mail, and the first run completes" {
  blaze_sandbox alpha
  make_slow_source 24M
  SANDBOX_PIDFILE="$BATS_TEST_TMPDIR/pid" sandbox_run "$ROOT" /usr/local/bin/blaze 2>/dev/null &
  first=$!
  wait_for_partial
  run_blaze
  assert_failure 3
  assert_stderr --partial "another blaze run holds /run/lock/kindling-blaze.lock; this run stops"
  run grep -c '^Subject: blaze on alpha did not run: another blaze still holds the lock$' "$MAIL"
  assert_output 1
  wait "$first"
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" ]]
  run tail -n 1 "$ROOT/var/log/blaze-wildfire.log"
  assert_output --regexp 'OK start=.* ok=3 failed=0 '
}

@test "SIGTERM in the middle of an archive stops blaze with 143, leaves no partial file and nothing under a final name, and the next run succeeds" {
  blaze_sandbox alpha
  earlier=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 1 5000)
  make_slow_source 64M
  SANDBOX_PIDFILE="$BATS_TEST_TMPDIR/pid" sandbox_run "$ROOT" /usr/local/bin/blaze 2>/dev/null &
  background=$!
  wait_for_partial
  kill -TERM "$(cat "$BATS_TEST_TMPDIR/pid")"
  sent=$SECONDS
  status=0
  wait "$background" || status=$?
  [[ "$status" == 143 ]] || fail "blaze exited with $status"
  # It stops at once, not when the archive would have been done, and takes its tar
  # and compressor with it.
  ((SECONDS - sent <= 5)) || fail "blaze took $((SECONDS - sent)) s to stop"
  run pgrep -f -- '--directory=/mnt/src --anchored -- etc'
  assert_failure
  run list_dir "$ARCHIVE"
  assert_output "${earlier##*/}"
  run grep -c 'ERROR stopped by SIGTERM; removing unfinished files' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  run grep -c '^Subject: blaze on alpha was stopped by SIGTERM$' "$MAIL"
  assert_output 1
  run tail -n 1 "$ROOT/var/log/blaze-wildfire.log"
  assert_output --regexp 'FAILED reason=interrupted start='
  # The lock died with the run.
  rm "$SRC/etc/big.bin"
  run_blaze
  assert_success
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" ]]
}

@test "a full /archive (a 3 MiB tmpfs) fails the item that does not fit with a clear error, loses no earlier copy, and still writes the items that fit" {
  blaze_sandbox alpha
  head -c 4M /dev/urandom >"$SRC/etc/big.bin"
  SANDBOX_TMPFS=(/archive:3m)
  # The earlier copies live on the small file system, so they are made inside the sandbox.
  inner='set -e
    dir=/archive/blaze-backup/alpha
    mkdir -p "$dir"
    head -c 100000 /mnt/src/etc/big.bin >"$dir/alpha-etc-$1.tar.bz2"
    touch -d "1 day ago" "$dir/alpha-etc-$1.tar.bz2"
    [[ -z "$2" ]] || truncate -s "$2" "$dir/alpha-cron-$1.tar.bz2"
    sum=$(sha256sum "$dir/alpha-etc-$1.tar.bz2")
    status=0
    /usr/local/bin/blaze || status=$?
    [[ "$(sha256sum "$dir/alpha-etc-$1.tar.bz2")" == "$sum" ]] && echo "earlier copy intact"
    ls -A "$dir"
    exit "$status"'
  yesterday=$(blaze_date '1 day ago')
  run --separate-stderr sandbox_run "$ROOT" bash -c "$inner" inner "$yesterday" ''
  assert_failure 1
  assert_line 'earlier copy intact'
  refute_line --partial '.partial'
  refute_line "alpha-etc-$TODAY.tar.bz2"
  assert_line "alpha-cron-$TODAY.tar.bz2"
  assert_line "alpha-userlocalbin-$TODAY.tar.bz2"
  assert_stderr --regexp 'ERROR etc: .*No space left on device'
  assert_stderr --partial 'ERROR etc: tar or lbzip2 failed'
  assert_stderr --partial 'ERROR etc: the file system of /archive is full'
  # When the last copy of a kind shows it cannot fit, nothing is even started.
  run --separate-stderr sandbox_run "$ROOT" bash -c "$inner" inner "$yesterday" 2500K
  assert_failure 1
  assert_line 'earlier copy intact'
  assert_stderr --regexp "ERROR cron: not enough free space in /archive for alpha-cron-$TODAY.tar.bz2: about 3.[0-9]MiB needed, [0-9.]+[KM]iB free; nothing written"
}

@test "without lbzip2 or pbzip2, plain bzip2 writes the same .tar.bz2 format" {
  blaze_sandbox alpha
  SANDBOX_HIDE=()
  for program in lbzip2 pbzip2; do
    path=$(command -v "$program") && SANDBOX_HIDE+=("$path")
  done
  run_blaze
  assert_success
  run grep -c 'INFO started: archives dated .*, compressed with bzip2$' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  run bzip2 -t "$ARCHIVE/alpha-etc-$TODAY.tar.bz2"
  assert_success
  assert_restores "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" "$SRC/etc"
}

@test "a zstd host (delta) writes .tar.zst archives that zstd verifies and that restore to the same trees" {
  blaze_sandbox delta
  run_blaze
  assert_success
  run list_dir "$ARCHIVE"
  assert_output "$(printf 'delta-cron-%s.tar.zst\ndelta-etc-%s.tar.zst\ndelta-manifest-%s.sha256\ndelta-userlocalbin-%s.tar.zst' "$TODAY" "$TODAY" "$TODAY" "$TODAY")"
  run zstd -q -t "$ARCHIVE/delta-etc-$TODAY.tar.zst"
  assert_success
  assert_restores "$ARCHIVE/delta-etc-$TODAY.tar.zst" "$SRC/etc" zstd
}

@test "an archive far smaller than the last copy of its kind, or of an empty folder, is kept but reported and mailed, and its kind is not pruned" {
  blaze_sandbox alpha
  big=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 1 200000)
  ancient=$(old_copy "$ARCHIVE" alpha-etc- .tar.bz2 60)
  rm -f "$SRC/cron/root"
  run_blaze
  assert_success
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" && -f "$ancient" && -f "$big" ]]
  assert_stderr --regexp "WARN etc: suspicious: [0-9.]+B, less than 50% of the previous copy ${big##*/} \(195.4KiB\)"
  assert_stderr --partial 'WARN cron: suspicious: /mnt/src/cron is empty'
  run grep -c '^Subject: blaze on alpha: 2 suspicious item(s)$' "$MAIL"
  assert_output 1
}

@test "a file that grows while tar reads it gives an archive that is kept, but reported and mailed" {
  blaze_sandbox alpha
  make_slow_source 24M
  # A log being written during the backup, bounded to a minute.
  (for _ in $(seq 6000); do echo line >>"$SRC/etc/big.bin"; sleep 0.01; done) &
  writer=$!
  run_blaze
  kill "$writer"
  wait "$writer" || true
  assert_success
  [[ -f "$ARCHIVE/alpha-etc-$TODAY.tar.bz2" ]]
  assert_stderr --partial 'WARN etc: tar: etc/big.bin: file changed as we read it'
  assert_stderr --partial 'WARN etc: suspicious: tar saw files change while it read them; the archive is complete but may be inconsistent'
  run grep -c '^Subject: blaze on alpha: 1 suspicious item(s)$' "$MAIL"
  assert_output 1
}

@test "blaze refuses to write when /archive is not a mounted file system" {
  blaze_sandbox alpha
  # Under the sandbox's /archive is the machine's own folder, which must not be a mount.
  if mountpoint -q /archive; then
    fail "/archive is a mount point on this machine; this test needs it to be a plain folder"
  fi
  [[ ! -e /archive/blaze-backup/alpha ]]
  run --separate-stderr sandbox_run "$ROOT" bash -c 'umount /archive && exec /usr/local/bin/blaze'
  assert_failure 2
  assert_stderr --partial 'ERROR /archive is not mounted (see /etc/fstab); nothing written'
  [[ ! -e /archive/blaze-backup/alpha ]]
  run grep -c '^Subject: blaze on alpha could not run: /archive is not mounted' "$MAIL"
  assert_output 1
}
