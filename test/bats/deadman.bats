#!/usr/bin/env bats
# The dead-man's switch: the generated kindling-deadman of alpha (the aggregator of
# wf-fleet.yaml) reads the aggregated log for real in a private mount namespace
# (helpers/host-sandbox.bash) and mails the alias, through a recording sendmail, when a host
# of the fleet has no successful blaze or wildfire run within 26 hours.
load common
load helpers/host-sandbox

setup_file() {
  sandbox_generate_wf_fleet
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

# Reports an OK blaze and wildfire run of each HOST, HOURS hours ago: nights HOURS_AGO HOST...
nights() {
  local hours=$1 host
  shift
  for host in "$@"; do
    report "$hours" "$host" blaze 'OK 3 item(s) written'
    report "$hours" "$host" wildfire 'OK copied to alpha; failed: none'
  done
}

@test "no mail when every host ran blaze and wildfire successfully within 26 hours" {
  nights 30 alpha bravo charlie
  nights 2 alpha charlie
  nights 25 bravo
  report 1 bravo wildfire 'FAILED copied to alpha; failed: charlie'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  [[ ! -e "$MAIL" ]]
  run grep -c 'INFO every host (3) ran blaze and wildfire within 26 hours' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
}

@test "a host silent for more than 26 hours is mailed; a fetch line is no sign of life" {
  nights 2 alpha charlie
  nights 27 bravo
  # Only a fetch or a dead-man line is no proof that the night's backup ran.
  report 1 bravo kindling-fetch 'OK scripts current'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -c '^To: blaze-wildfire$' "$MAIL"
  assert_output 1
  run grep -c '^Subject: kindling-deadman on alpha: 2 run(s) without success for 26 hours$' "$MAIL"
  assert_output 1
  run grep -E '^  no successful run within 26 hours: ' "$MAIL"
  assert_output --regexp "bravo blaze: last successful run [0-9T:-]+Z, 27 hours ago"
  assert_output --regexp "bravo wildfire: last successful run [0-9T:-]+Z, 27 hours ago"
  refute_output --partial 'alpha'
  refute_output --partial 'charlie'
}

@test "an aggregated log that cannot be read is mailed as such, and no host is judged on what was read" {
  nights 30 alpha bravo charlie
  nights 2 alpha bravo charlie
  failing_command "$BATS_TEST_TMPDIR/bin" cat /var/log/blaze-wildfire.log
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -c '^Subject: kindling-deadman on alpha: cannot read the aggregated log$' "$MAIL"
  assert_output 1
  run grep -F 'ERROR cannot read the aggregated log /var/log/blaze-wildfire.log; no host judged' "$ROOT/var/log/blaze-backup.log"
  assert_success
  # Read as empty, the log made every host look unheard: newly expected (and no mail at all),
  # or never reported (a wrong mail).
  run grep -c 'never reported\|without success' "$MAIL" "$ROOT/var/log/blaze-backup.log"
  assert_output "$(printf '%s:0\n' "$MAIL" "$ROOT/var/log/blaze-backup.log")"
}

@test "a host failing every night is reported as failing, with its last error" {
  nights 2 alpha charlie
  nights 50 bravo
  report 26 bravo blaze 'FAILED 1 of 3 item(s): /archive is not mounted'
  report 2 bravo blaze 'FAILED 2 of 3 item(s): no space left on /archive'
  report 2 bravo wildfire 'OK copied to alpha, charlie; failed: none'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -E '^  no successful run within 26 hours: ' "$MAIL"
  assert_output --regexp '^  no successful run within 26 hours: bravo blaze: failing, last error [0-9T:-]+Z: FAILED 2 of 3 item\(s\): no space left on /archive$'
  # A host that never succeeded is failing too, not "never reported".
  rm "$MAIL" "$LOG"
  nights 2 alpha charlie
  report 3 bravo blaze 'FAILED 3 of 3 item(s)'
  report 3 bravo wildfire 'FAILED copied to none; failed: alpha, charlie'
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -c '^  no successful run within 26 hours: bravo [a-z]*: failing, last error ' "$MAIL"
  assert_output 2
}

@test "rotated logs count in both naming styles, plain or gzipped" {
  local -a files=(.1 .2.gz -20261127 -20261128.gz)
  local style
  for style in "${files[@]}"; do
    rm -f "$LOG"* "$MAIL"
    nights 3 alpha bravo charlie
    if [[ "$style" == *.gz ]]; then gzip -c "$LOG" >"$LOG$style" && rm "$LOG"; else mv "$LOG" "$LOG$style"; fi
    report 1 alpha kindling-fetch 'OK scripts current'
    run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
    assert_equal "$style: $status" "$style: 0"
  done
  # Lines spread over both styles at once, the newest success wins.
  rm -f "$LOG"*
  nights 30 alpha bravo charlie
  mv "$LOG" "$LOG.1"
  nights 4 alpha bravo
  gzip -c "$LOG" >"$LOG-20261128.gz" && rm "$LOG"
  nights 1 charlie
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
}

@test "a host with no report is silent until 26 hours after the switch first expected it" {
  nights 2 alpha bravo
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  [[ ! -e "$MAIL" ]]
  run cat "$ROOT/var/lib/kindling/deadman-expected"
  assert_output --regexp '^charlie [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
  # A day later (the record is still in its window): silent, the record unchanged.
  local recorded
  recorded=$(cat "$ROOT/var/lib/kindling/deadman-expected")
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
  assert_equal "$(cat "$ROOT/var/lib/kindling/deadman-expected")" "$recorded"
  # Past the first night and its slack, a host still unheard of is mailed.
  printf 'charlie %s\n' "$(date -u -d '27 hours ago' '+%Y-%m-%dT%H:%M:%SZ')" >"$ROOT/var/lib/kindling/deadman-expected"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_failure 1
  run grep -E '^  no successful run within 26 hours: ' "$MAIL"
  assert_output --regexp '^  no successful run within 26 hours: charlie: never reported \(expected since [0-9T:-]+Z\)$'
  # Once it reports, the record no longer matters.
  rm "$MAIL"
  nights 1 charlie
  run sandbox_run "$ROOT" /usr/local/bin/kindling-deadman
  assert_success
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
