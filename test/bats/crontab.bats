#!/usr/bin/env bats
# The generated crontab and fstab of every host, checked by the real parsers: Debian cron's
# `crontab` (syntax check with -n, and a real install for root inside a private mount
# namespace, so the machine's own crontabs are untouched) and util-linux's
# `findmnt --verify`. setup's merging into an existing crontab is in setup.bats.
load common

setup_file() {
  "${KINDLING[@]}" generate -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" -o "$BATS_FILE_TMPDIR/wf" >/dev/null 2>&1
}

# Prints every generated crontab (seed fleet, 20-host fixture, wf fixture).
all_crontabs() {
  printf '%s\n' "$REPO_ROOT"/test/golden/seed/*/crontab "$REPO_ROOT"/test/golden/fleet20/*/crontab "$BATS_FILE_TMPDIR"/wf/*/crontab
}

@test "every generated crontab passes Debian cron's own syntax check" {
  local file count=0
  while IFS= read -r file; do
    run crontab -n "$file"
    assert_success
    count=$((count + 1))
  done < <(all_crontabs)
  ((count >= 30))
}

@test "the same check refuses a broken line, so it can fail" {
  { cat "$REPO_ROOT/test/golden/seed/iraq/crontab"; printf '61 8 * * * /usr/local/bin/blaze\n'; } >"$BATS_TEST_TMPDIR/broken"
  run crontab -n "$BATS_TEST_TMPDIR/broken"
  assert_failure
  assert_output --partial 'bad minute'
}

@test "crontab installs iraq's block as root's crontab and lists it back unchanged" {
  run unshare --mount --propagation private -- bash -c '
    set -e
    mount -t tmpfs -o mode=0755 kindling-crontab-test /var/spool/cron
    install -d -o root -g crontab -m 1730 /var/spool/cron/crontabs
    crontab -u root "$1"
    crontab -u root -l | diff - "$1"
    stat -c "%U %a" /var/spool/cron/crontabs/root
  ' _ "$REPO_ROOT/test/golden/seed/iraq/crontab"
  assert_success
  assert_output 'root 600'
}

@test "each crontab runs fetch, blaze and wildfire at the host's start time in its time zone, and the aggregator's also the dead-man's switch and the merge of the reports" {
  run grep -v '^#' "$REPO_ROOT/test/golden/seed/iraq/crontab"
  assert_output "$(printf '%s\n' 'CRON_TZ=America/Toronto' \
    '30 8 * * * /usr/local/bin/kindling-fetch; /usr/local/bin/blaze; /usr/local/bin/wildfire' \
    '0 12 * * * /usr/local/bin/kindling-deadman' '*/5 * * * * /usr/local/bin/kindling-deadman --merge-reports')"
  run grep -v '^#' "$REPO_ROOT/test/golden/seed/chile/crontab"
  assert_output "$(printf '%s\n' 'CRON_TZ=UTC' \
    '35 1 * * * /usr/local/bin/kindling-fetch; /usr/local/bin/blaze; /usr/local/bin/wildfire')"
  run grep -c '^# BEGIN kindling\|^# END kindling$' "$REPO_ROOT/test/golden/seed/scotland/crontab"
  assert_output 2
}

@test "every generated fstab line passes findmnt --verify and mounts the seed's device on /archive" {
  local host
  for host in australia chile hongkong iraq ireland romania scotland; do
    run findmnt --verify --tab-file "$REPO_ROOT/test/golden/seed/$host/fstab"
    assert_success
    assert_output --partial '0 parse errors, 0 errors'
  done
  run grep -v '^#' "$REPO_ROOT/test/golden/seed/romania/fstab"
  assert_output '/dev/mapper/yoda-archive /archive ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2'
  printf '/dev/mapper/x-archive\n' >"$BATS_TEST_TMPDIR/bad"
  run findmnt --verify --tab-file "$BATS_TEST_TMPDIR/bad"
  assert_failure
}
