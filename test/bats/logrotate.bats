#!/usr/bin/env bats
# The generated /etc/logrotate.d/kindling (wf-fleet.yaml: alpha is the aggregator), checked
# by logrotate -d and run for real (logrotate -f, its state file in the test's folder) in a
# private mount namespace (helpers/host-sandbox.bash, whose /var/log is the test's): numbered
# as Debian's logrotate.conf names rotated logs, and dated (dateext) as Fedora's does. After
# each rotation the aggregated log is root's again (no peer's account may write it; root's
# merge appends), and the dead-man's switch still finds every host's runs in the rotated logs.
load common
load helpers/host-sandbox
bats_require_minimum_version 1.5.0

setup_file() {
  sandbox_generate_wf_fleet
}

setup() {
  ROOT="$BATS_TEST_TMPDIR/root"
  LOGS="$ROOT/var/log"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/kindling-deadman"
  sandbox_sendmail_recorder "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/mail"
  SANDBOX_PATH_PREFIX="$BATS_TEST_TMPDIR/bin"
  mkdir -p "$ROOT/usr/local/bin/conf"
  cp "$BATS_FILE_TMPDIR/dist/alpha/logrotate" "$ROOT/usr/local/bin/conf/kindling"
  # The logs as the scripts and setup leave them.
  install -m 0600 /dev/null "$LOGS/blaze-backup.log"
  install -m 0600 /dev/null "$LOGS/wildfire-sync.log"
  install -m 0644 /dev/null "$LOGS/blaze-wildfire.log"
}

# Appends an OK blaze and wildfire line of every host of the fleet to the aggregated log.
nights() {
  local host
  for host in alpha bravo charlie; do
    printf '%s %s blaze OK\n%s %s wildfire OK\n' "$(date -u -d '3 hours ago' '+%Y-%m-%dT%H:%M:%SZ')" "$host" \
      "$(date -u -d '3 hours ago' '+%Y-%m-%dT%H:%M:%SZ')" "$host" >>"$LOGS/blaze-wildfire.log"
  done
  echo "line of blaze" >>"$LOGS/blaze-backup.log"
  echo "line of wildfire" >>"$LOGS/wildfire-sync.log"
}

# Forces a rotation in the sandbox with MAIN_CONF (which includes kindling's file), at the
# time FAKETIME_OFFSET (faketime's "+Nd", or empty): rotate MAIN_CONF [OFFSET]
rotate() {
  local -a clock=()
  [[ -z "${2:-}" ]] || clock=(faketime -f "$2")
  sandbox_run "$ROOT" "${clock[@]}" /usr/sbin/logrotate -f -s /usr/local/bin/conf/state "/usr/local/bin/conf/$1"
}

# Prints "NAME OWNER:GROUP MODE" of every file in the sandbox's /var/log.
log_files() {
  find "$LOGS" -maxdepth 1 -type f -printf '%f %u:%g %m\n' | LC_ALL=C sort
}

@test "logrotate -d accepts the generated file of the aggregator and of another host" {
  local host
  for host in alpha bravo; do
    run --separate-stderr /usr/sbin/logrotate -d -s "$BATS_TEST_TMPDIR/state" "$BATS_FILE_TMPDIR/dist/$host/logrotate"
    assert_success
    [[ "$stderr" != *error* ]]
    [[ "$stderr" == *'rotating pattern: /var/log/blaze-backup.log /var/log/wildfire-sync.log'* ]]
  done
  [[ "$stderr" != *blaze-wildfire.log* ]]
  run --separate-stderr /usr/sbin/logrotate -d -s "$BATS_TEST_TMPDIR/state" "$BATS_FILE_TMPDIR/dist/alpha/logrotate"
  [[ "$stderr" == *'rotating pattern: /var/log/blaze-wildfire.log'* ]]
}

@test "numbered rotation (Debian) keeps owners and modes, and root (the merge) can still append" {
  printf 'include /usr/local/bin/conf/kindling\n' >"$ROOT/usr/local/bin/conf/main"
  nights
  run rotate main
  assert_success
  nights
  run rotate main
  assert_success
  run log_files
  assert_output "$(printf '%s\n' 'blaze-backup.log root:root 600' 'blaze-backup.log.1 root:root 600' \
    'blaze-backup.log.2.gz root:root 600' 'blaze-wildfire.log root:root 644' \
    'blaze-wildfire.log.1 root:root 644' 'blaze-wildfire.log.2.gz root:root 644' \
    'wildfire-sync.log root:root 600' 'wildfire-sync.log.1 root:root 600' 'wildfire-sync.log.2.gz root:root 600')"
  run sandbox_run "$ROOT" sh -c 'echo appended >>/var/log/blaze-wildfire.log'
  assert_success
  assert_equal "$(cat "$LOGS/blaze-wildfire.log")" appended
  # The switch finds the runs in the rotated .1 (and .2.gz).
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
}

@test "dated rotation (Fedora's dateext) keeps owners and modes, and the switch reads -DATE and -DATE.gz" {
  printf 'dateext\ninclude /usr/local/bin/conf/kindling\n' >"$ROOT/usr/local/bin/conf/main"
  nights
  run rotate main '-2d'
  assert_success
  nights
  run rotate main '-1d'
  assert_success
  local older newer
  older=$(date -d '2 days ago' +%Y%m%d)
  newer=$(date -d 'yesterday' +%Y%m%d)
  run log_files
  assert_line "blaze-wildfire.log root:root 644"
  assert_line "blaze-wildfire.log-${older}.gz root:root 644"
  assert_line "blaze-wildfire.log-${newer} root:root 644"
  assert_line "blaze-backup.log-${newer} root:root 600"
  run sandbox_run "$ROOT" sh -c 'echo appended >>/var/log/blaze-wildfire.log'
  assert_success
  # Only the compressed older file holds alpha's runs now: the switch reads it.
  sed -i '/ alpha /d' "$LOGS/blaze-wildfire.log-${newer}"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  run cat "$LOGS/blaze-backup.log"
  assert_output --partial 'every host (3) ran blaze and wildfire within 26 hours'
}
