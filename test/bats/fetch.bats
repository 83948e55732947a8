#!/usr/bin/env bats
# The generated kindling-fetch of alpha (the admin host of wf-fleet.yaml, which copies its
# own set from /srv/kindling/dist/alpha/ without ssh), run for real in a private mount
# namespace (helpers/host-sandbox.bash): what it installs, and what it refuses. The same
# checks over ssh through the admin host's kindling-receive are in fetch-remote.bats;
# signed sets are in sign.bats.
load common
load helpers/wf-fetch

setup_file() {
  local inventory="$BATS_FILE_TMPDIR/second.yaml"
  "${KINDLING[@]}" generate -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" -o "$BATS_FILE_TMPDIR/first" >/dev/null 2>&1
  # A second generation that differs visibly: alpha copies to charlie too.
  sed 's/^    targets: \[bravo\]$/    targets: [bravo, charlie]/' "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" >"$inventory"
  "${KINDLING[@]}" generate -i "$inventory" -o "$BATS_FILE_TMPDIR/second" >/dev/null 2>&1
}

setup() {
  FIRST="$BATS_FILE_TMPDIR/first/alpha"
  SECOND="$BATS_FILE_TMPDIR/second/alpha"
  fetch_sandbox
  # The last good set: the first generation, installed as setup installs it.
  serve "$FIRST"
  sandbox_run "$ROOT" bash /srv/kindling/dist/alpha/kindling-fetch
}

# Prints "name sha256" of every installed script, sorted.
installed_scripts() {
  (cd "$BIN" && sha256sum -- * | awk '{ print $2, $1 }')
}

# Prints "name sha256" of the scripts of the host folder DIR: scripts_of DIR
scripts_of() {
  local name
  for name in blaze kindling-deadman kindling-fetch kindling-receive restore setup wildfire; do
    printf '%s %s\n' "$name" "$(sha256sum <"$1/$name" | cut -d' ' -f1)"
  done
}

# Asserts that the installed scripts are the first generation's, and that the rejection
# was logged, reported and mailed: assert_kept_last_good REASON_PATTERN
assert_kept_last_good() {
  assert_equal "$(installed_scripts)" "$(scripts_of "$FIRST")"
  run grep -E "kindling-fetch\[[0-9]+\] ERROR .*$1" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -c ' alpha kindling-fetch FAILED the set was rejected' "$ROOT/var/log/blaze-wildfire.log"
  assert_output 1
  run grep -c '^Subject: kindling-fetch on alpha: the set was rejected' "$MAIL"
  assert_output 1
}

@test "kindling-fetch installs every script of the set root-owned with mode 0755, and a second run installs nothing" {
  serve "$SECOND"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch --verbose
  assert_success
  assert_output --partial 'INFO installed'
  assert_equal "$(installed_scripts)" "$(scripts_of "$SECOND")"
  run stat -c '%n %U:%G %a' -- "$BIN"/*
  assert_output "$(printf '%s root:root 755\n' "$BIN"/blaze "$BIN"/kindling-deadman "$BIN"/kindling-fetch \
    "$BIN"/kindling-receive "$BIN"/restore "$BIN"/setup "$BIN"/wildfire)"
  # No temporary file is left beside the scripts.
  run ls -A "$BIN"
  assert_output "$(printf '%s\n' blaze kindling-deadman kindling-fetch kindling-receive restore setup wildfire)"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch --verbose
  assert_success
  assert_output --partial 'every script is current; nothing to install'
  # setup()'s first install, and these two runs.
  run grep -c ' alpha kindling-fetch OK scripts current' "$ROOT/var/log/blaze-wildfire.log"
  assert_output 3
  [[ ! -e "$MAIL" ]]
}

@test "a truncated download is rejected and the last good scripts stay" {
  serve "$SECOND"
  truncate -s 1000 "$SERVED/wildfire"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good 'do not match SHA256SUMS .*wildfire: FAILED'
}

@test "an altered download is rejected and the last good scripts stay" {
  serve "$SECOND"
  sed -i 's/^readonly TARGETS=.*/readonly TARGETS=(mallory)/' "$SERVED/wildfire"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good 'do not match SHA256SUMS'
}

@test "a download with a missing file is rejected and the last good scripts stay" {
  serve "$SECOND"
  rm "$SERVED/blaze"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good 'do not match SHA256SUMS .*blaze: FAILED open or read'
}

@test "a download without SHA256SUMS, with a file it does not list, or with a script it does not list is rejected" {
  serve "$SECOND"
  rm "$SERVED/SHA256SUMS"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_equal "$(installed_scripts)" "$(scripts_of "$FIRST")"
  run grep -c 'ERROR the set has no SHA256SUMS' "$ROOT/var/log/blaze-backup.log"
  assert_output 1

  serve "$SECOND"
  printf '#!/bin/sh\nid\n' >"$SERVED/extra"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  run grep -c 'ERROR the set holds extra, which SHA256SUMS does not list' "$ROOT/var/log/blaze-backup.log"
  assert_output 1

  # A set that drops a script from SHA256SUMS (and from the folder) is incomplete.
  serve "$SECOND"
  rm "$SERVED/restore"
  sed -i '/  restore$/d' "$SERVED/SHA256SUMS"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  run grep -c 'ERROR SHA256SUMS does not list the script restore' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  assert_equal "$(installed_scripts)" "$(scripts_of "$FIRST")"
}

@test "a set whose listing fails (find on a failing disk) is rejected and the last good scripts stay" {
  serve "$SECOND"
  # The listing is what proves the set holds no file SHA256SUMS does not list.
  failing_command "$BATS_TEST_TMPDIR/bin" find -print0
  printf 'not listed\n' >"$SERVED/extra"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good 'cannot list the downloaded set in '
}

@test "a script that does not parse is rejected even when SHA256SUMS matches it" {
  serve "$SECOND"
  printf 'if then\n' >>"$SERVED/wildfire"
  (cd "$SERVED" && sha256sum -- $(awk '{ print $2 }' SHA256SUMS) >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good 'the script wildfire does not parse'
}

@test "after a rejected fetch, the crontab line still runs the last good blaze and wildfire" {
  serve "$SECOND"
  truncate -s 0 "$SERVED/blaze"
  local command
  command=$(awk '/^[0-9]+ [0-9]+ \* \* \* / { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print; exit }' "$FIRST/crontab")
  assert_equal "$command" '/usr/local/bin/kindling-fetch; /usr/local/bin/blaze; /usr/local/bin/wildfire'
  # cron runs the line with /bin/sh; the network namespace has no route, so wildfire's
  # copy to bravo fails fast, which is not what this test is about.
  run sandbox_run "$ROOT" /bin/sh -c "$command"
  assert_equal "$(installed_scripts)" "$(scripts_of "$FIRST")"
  run grep -c 'kindling-fetch\[[0-9]*\] ERROR the set was rejected' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  # blaze ran (its own log lines), then the last good wildfire (first generation: one target).
  run grep -c ' alpha blaze\[[0-9]*\] ' "$ROOT/var/log/blaze-backup.log"
  refute_output 0
  run grep -c ' alpha wildfire\[[0-9]*\] INFO start: targets bravo$' "$ROOT/var/log/wildfire-sync.log"
  assert_output 1
}

@test "after a verified fetch the new set's setup applies the rest of the set, and says what it changed" {
  # The second set adds charlie to alpha's targets: alpha's known_hosts gains charlie.
  run grep -c 'charlie' "$ROOT/var/lib/kindling/ssh/known_hosts"
  assert_output 0
  serve "$SECOND"
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch --verbose
  assert_success
  assert_output --partial 'INFO setup: write /var/lib/kindling/ssh/known_hosts'
  # The file as generated (dist/alpha/known_hosts), which now names charlie.
  run cmp "$ROOT/var/lib/kindling/ssh/known_hosts" "$SECOND/known_hosts"
  assert_success
  run grep -c '^# charlie (charlie): no sshHostKey in the inventory yet$' "$SECOND/known_hosts"
  assert_output 1
  run grep -E ' alpha kindling-fetch OK scripts current; configuration: [1-9][0-9]* change\(s\)$' \
    "$ROOT/var/log/blaze-wildfire.log"
  assert_success
  # The next fetch of the same set finds nothing to change.
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_success
  run tail -n 1 "$ROOT/var/log/blaze-wildfire.log"
  assert_output --regexp ' alpha kindling-fetch OK scripts current; configuration: no changes$'
}

@test "a set whose setup cannot run through is rejected whole: no script installed, nothing applied" {
  local known_hosts
  known_hosts=$(cat "$ROOT/var/lib/kindling/ssh/known_hosts")
  serve "$SECOND"
  sed -i 's/^main "\$@"$/echo "broken on purpose" >\&2; exit 1/' "$SERVED/setup"
  (cd "$SERVED" && sha256sum -- $(awk '{ print $2 }' SHA256SUMS) >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
  run sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
  assert_failure 1
  assert_kept_last_good "the set's setup fails its dry run \(exit 1\): broken on purpose"
  assert_equal "$(cat "$ROOT/var/lib/kindling/ssh/known_hosts")" "$known_hosts"
}
