#!/usr/bin/env bats
# Every end of wildfire and kindling-fetch is reported: a run that stops before its own
# summary (lock held, not ready, killed) still appends one FAILED line to the aggregated
# log, and its cause to its own log. The generated scripts of alpha (wf-fleet.yaml: the aggregator, so its
# reports are appended locally) run for real in a private mount and network namespace
# (helpers/host-sandbox.bash); a slow rsync stand-in first in PATH keeps a run busy until
# it is killed.
load common
load helpers/host-sandbox
bats_require_minimum_version 1.5.0

setup_file() {
  sandbox_generate_wf_fleet
}

setup() {
  ROOT="$BATS_TEST_TMPDIR/root"
  REPORTS="$ROOT/var/log/blaze-wildfire.log"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/wildfire"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/kindling-fetch"
  mkdir -p "$ROOT/archive/blaze-backup/alpha" "$BATS_TEST_TMPDIR/bin"
  echo alpha >"$ROOT/etc/sysconfig/blaze"
  sandbox_sendmail_recorder "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/mail"
  SANDBOX_PATH_PREFIX="$BATS_TEST_TMPDIR/bin"
}

# Holds the lock of SCRIPT in the sandbox for SECONDS, in the background: hold_lock SCRIPT SECONDS
hold_lock() {
  # The sleep itself holds the lock, so that killing HOLDER releases it.
  (
    exec 8>>"$ROOT/run/lock/kindling-$1.lock"
    flock 8
    exec sleep "$2"
  ) &
  HOLDER=$!
  while [[ ! -e "$ROOT/run/lock/kindling-$1.lock" ]]; do sleep 0.1; done
  sleep 0.3
}

# Runs COMMAND in the sandbox with an rsync that hangs, and sends SIGNAL to the whole run
# (as cron's shutdown or an administrator's kill does) once rsync started: killed SIGNAL COMMAND
killed() {
  local signal=$1 pid pgid
  shift
  printf '#!/bin/bash\ntouch %q\nexec sleep 60\n' "$BATS_TEST_TMPDIR/rsync-started" >"$BATS_TEST_TMPDIR/bin/rsync"
  chmod 0755 "$BATS_TEST_TMPDIR/bin/rsync"
  SANDBOX_PIDFILE="$BATS_TEST_TMPDIR/pid"
  sandbox_run "$ROOT" "$@" &
  local runner=$!
  local tries=0
  while [[ ! -e "$BATS_TEST_TMPDIR/rsync-started" ]] && ((tries++ < 100)); do sleep 0.1; done
  pid=$(cat "$SANDBOX_PIDFILE")
  pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
  kill -"$signal" -- "-$pgid"
  wait "$runner"
}

@test "wildfire that finds its lock taken reports that it did not run" {
  hold_lock wildfire 20
  run sandbox_run "$ROOT" /usr/local/bin/wildfire
  kill "$HOLDER" 2>/dev/null || true
  assert_failure 3
  run cat "$REPORTS"
  assert_output --regexp '^[0-9T:-]+Z alpha wildfire FAILED status=3 did not run: another wildfire run holds /run/lock/kindling-wildfire.lock; this run stops$'
  run grep -c 'ERROR another wildfire run holds' "$ROOT/var/log/wildfire-sync.log"
  assert_output 1
}

@test "wildfire on a host not set up reports why it could not run" {
  rm -r "$ROOT/archive/blaze-backup"
  run sandbox_run "$ROOT" /usr/local/bin/wildfire
  assert_failure 2
  run grep ' alpha wildfire ' "$REPORTS"
  assert_output --regexp 'Z alpha wildfire FAILED status=2 could not run: /archive/blaze-backup/alpha does not exist; run setup \(and blaze\) first$'
}

@test "wildfire killed by TERM or INT in the middle of a copy reports that it was stopped" {
  run killed TERM /usr/local/bin/wildfire
  assert_failure 143
  run grep ' alpha wildfire ' "$REPORTS"
  assert_output --regexp 'Z alpha wildfire FAILED status=143 stopped: stopped by SIGTERM$'
  rm -f "$REPORTS" "$BATS_TEST_TMPDIR/rsync-started"
  run killed INT /usr/local/bin/wildfire
  assert_failure 130
  run grep -c ' alpha wildfire FAILED status=130 stopped: stopped by SIGINT$' "$REPORTS"
  assert_output 1
}

@test "a dry run of wildfire that finds the lock taken reports nothing" {
  hold_lock wildfire 20
  run sandbox_run "$ROOT" /usr/local/bin/wildfire --dry-run
  kill "$HOLDER" 2>/dev/null || true
  assert_failure 3
  [[ ! -e "$REPORTS" ]]
}

@test "kindling-fetch that finds its lock taken, or is killed, reports it once" {
  hold_lock kindling-fetch 20
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  kill "$HOLDER" 2>/dev/null || true
  assert_failure 3
  run cat "$REPORTS"
  assert_output --regexp '^[0-9T:-]+Z alpha kindling-fetch FAILED status=3 did not run: another kindling-fetch run holds /run/lock/kindling-kindling-fetch.lock; this run stops$'
  rm "$REPORTS"
  mkdir -p "$BATS_TEST_TMPDIR/srv/kindling/dist/alpha"
  SANDBOX_BINDS=("$BATS_TEST_TMPDIR/srv:/srv")
  run killed TERM /usr/local/bin/kindling-fetch
  assert_failure 143
  run cat "$REPORTS"
  assert_output --regexp '^[0-9T:-]+Z alpha kindling-fetch FAILED status=143 stopped: stopped by SIGTERM$'
  # Its staging folder is gone too.
  run find "$ROOT/var/lib/kindling" -name 'fetch.*'
  assert_output ''
}

@test "a local install by setup (kindling-fetch --from) that fails reports nothing" {
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch --from /nonexistent
  assert_failure 1
  [[ ! -e "$REPORTS" ]]
}
