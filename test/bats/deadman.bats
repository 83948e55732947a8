#!/usr/bin/env bats
# The dead-man's switch: the generated kindling-deadman of alpha (the aggregator of
# wf-fleet.yaml) reads the aggregated log for real in a private mount namespace
# (helpers/host-sandbox.bash) and mails the alias, through a recording sendmail, when a host
# of the fleet has not reported a blaze or wildfire run within 26 hours.
load common
load helpers/host-sandbox

setup_file() {
  "${KINDLING[@]}" generate -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
}

setup() {
  ROOT="$BATS_TEST_TMPDIR/root"
  MAIL="$BATS_TEST_TMPDIR/mail"
  LOG="$ROOT/var/log/blaze-wildfire.log"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/kindling-deadman"
  sandbox_sendmail_recorder "$BATS_TEST_TMPDIR/bin" "$MAIL"
  SANDBOX_PATH_PREFIX="$BATS_TEST_TMPDIR/bin"
}

# Appends a report line as kindling-receive writes it, HOURS hours ago:
# report HOURS_AGO HOST SCRIPT TEXT
report() {
  printf '%s %s %s %s\n' "$(date -u -d "$1 hours ago" '+%Y-%m-%dT%H:%M:%SZ')" "$2" "$3" "$4" >>"$LOG"
}

@test "no mail when every host reported a blaze or wildfire run within 26 hours" {
  report 30 alpha blaze 'OK old'
  report 2 alpha blaze 'OK'
  report 25 bravo wildfire 'FAILED copied to alpha; failed: charlie'
  report 1 charlie blaze 'OK'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  [[ ! -e "$MAIL" ]]
  run grep -c 'INFO every host (3) reported within 26 hours' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
}

@test "a host silent for more than 26 hours, or never heard of, is mailed to the alias" {
  report 2 alpha wildfire 'OK'
  report 27 bravo blaze 'OK'
  # Only a fetch or a dead-man line is no proof that the night's backup ran.
  report 1 bravo kindling-fetch 'OK scripts current'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -c '^To: blaze-wildfire$' "$MAIL"
  assert_output 1
  run grep -c '^Subject: kindling-deadman on alpha: 2 host(s) silent for more than 26 hours$' "$MAIL"
  assert_output 1
  run grep -E '^  no report within 26 hours: ' "$MAIL"
  assert_output --regexp "bravo: last report [0-9T:-]+Z, 27 hours ago"
  assert_output --partial 'charlie: never reported'
  refute_output --partial 'alpha'
}

@test "a rotated aggregated log still counts, and a missing one means nobody reported" {
  report 3 alpha blaze 'OK'
  report 3 charlie blaze 'OK'
  mv "$LOG" "$LOG.1"
  report 1 bravo wildfire 'OK'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  rm "$LOG" "$LOG.1"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -c '^  no report within 26 hours: [a-z]*: never reported$' "$MAIL"
  assert_output 3
}

@test "the aggregator's crontab runs the check daily, and elsewhere the script only says where it runs" {
  run grep -E 'kindling-deadman$' "$BATS_FILE_TMPDIR/dist/alpha/crontab"
  assert_output '0 12 * * * /usr/local/bin/kindling-deadman'
  run grep -c kindling-deadman "$BATS_FILE_TMPDIR/dist/bravo/crontab"
  assert_output 0
  run bash "$BATS_FILE_TMPDIR/dist/bravo/kindling-deadman"
  assert_success
  assert_output --partial "runs on the aggregator, alpha, not on bravo"
}
