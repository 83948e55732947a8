#!/usr/bin/env bats
# The forecast's pruning (src/forecast/prune.ts) against the generated blaze's own: six
# nights of the real blaze in a sandbox (helpers/blaze.bash), night N run under faketime
# N - 1 days ahead (blaze ages copies from their arrival, as its own clock records it), and
# the files and bytes left each night compared with kindling forecast.
load common
load helpers/blaze

PRUNE_FIXTURE="$REPO_ROOT/test/fixtures/forecast/prune-hosts.yaml"
readonly NIGHTS=6
readonly KINDS=(etc cron userlocalbin)
# Bytes of each copy bravo sends to alpha.
readonly RECEIVED_BYTES=1000
# Bytes each of alpha's own archives is cut to after its night: tar's headers make archives of
# the same sources differ by a few per cent from run to run, and the forecast takes one size
# a kind. Smaller than any real archive, so tonight's is never "far smaller than the last".
readonly OWN_BYTES=200

setup_file() {
  "${KINDLING[@]}" generate -i "$PRUNE_FIXTURE" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
}

# The stored name of bravo's night N copy: a date no real night uses (blaze ages copies
# from their arrival; names only match kinds).
night_name() {
  printf 'Jan-%02d-2001' "$1"
}

# Prints "OWN_FILES OWN_BYTES RECEIVED_FILES RECEIVED_BYTES" of what alpha holds now.
holdings() {
  local own received
  own=$(find "$ARCHIVE" -maxdepth 1 -name 'alpha-*.tar.bz2' -printf '%s\n')
  received=$(find "$RECEIVED" -maxdepth 1 -name 'bravo-*.tar.bz2' -printf '%s\n')
  printf '%s %s %s %s\n' "$(grep -c . <<<"$own")" "$(awk '{ s += $1 } END { print s + 0 }' <<<"$own")" \
    "$(grep -c . <<<"$received")" "$(awk '{ s += $1 } END { print s + 0 }' <<<"$received")"
}

@test "over six nights, blaze leaves exactly the copies and bytes the forecast says: own copies 2 days, bravo's 3 days, counted from the newest arrival" {
  blaze_sandbox alpha
  RECEIVED="$ROOT/archive/blaze-backup/bravo"
  mkdir -p "$RECEIVED"
  local night kind today observed=()
  for ((night = 1; night <= NIGHTS; night++)); do
    for kind in "${KINDS[@]}"; do
      head -c "$RECEIVED_BYTES" /dev/urandom >"$RECEIVED/bravo-$kind-$(night_name "$night").tar.bz2"
    done
    run --separate-stderr sandbox_run "$ROOT" faketime -f "+$((night - 1))d" /usr/local/bin/blaze
    assert_success
    today=$(blaze_date "$((night - 1)) days")
    for kind in "${KINDS[@]}"; do
      truncate -s "$OWN_BYTES" "$ARCHIVE/alpha-$kind-$today.tar.bz2"
    done
    observed+=("$(holdings)")
  done
  # The forecast, told the sizes in blaze's report line format (sizes=).
  {
    printf '2026-11-20T02:00:09Z alpha blaze OK start=x duration=9s ok=3 failed=0 suspicious=0 sizes=etc:%s,cron:%s,userlocalbin:%s\n' \
      "$OWN_BYTES" "$OWN_BYTES" "$OWN_BYTES"
    printf '2026-11-20T02:10:09Z bravo blaze OK start=x duration=9s ok=3 failed=0 suspicious=0 sizes=etc:%s,cron:%s,userlocalbin:%s\n' \
      "$RECEIVED_BYTES" "$RECEIVED_BYTES" "$RECEIVED_BYTES"
  } >"$BATS_TEST_TMPDIR/aggregated.log"
  run --separate-stderr "${KINDLING[@]}" forecast -i "$PRUNE_FIXTURE" --from-log "$BATS_TEST_TMPDIR/aggregated.log" \
    --nights "$NIGHTS" --json alpha
  assert_success
  # Per night from the forecast: own files (one per kind and copy), own bytes, received files
  # (three kinds a copy) and received bytes.
  local forecast
  # shellcheck disable=SC2016 # JavaScript, not shell
  forecast=$(node -e '
    const host = JSON.parse(require("fs").readFileSync(0, "utf8")).hosts[0];
    const own = host.contributors.filter((c) => c.kind === "own");
    const received = host.contributors.find((c) => c.label === "copies from bravo");
    for (let i = 0; i < host.usedBytes.length; i++) {
      const ownBytes = own.reduce((sum, c) => sum + c.bytes[i], 0);
      const ownFiles = own.reduce((sum, c) => sum + c.bytes[i] / c.bytes[0], 0);
      console.log(`${ownFiles} ${ownBytes} ${(received.bytes[i] / received.bytes[0]) * 3} ${received.bytes[i]}`);
    }' <<<"$output")
  assert_equal "$(printf '%s\n' "${observed[@]}")" "$forecast"
  # And by hand: 3 kinds × (1, 2, 3, 3, 3, 3) own copies; 3 kinds × (1, 2, 3, 4, 4, 4) of bravo's,
  # the newest night's and those of the last 2 (own) or 3 (bravo's) days.
  assert_equal "$(printf '%s\n' "${observed[@]}" | cut -d' ' -f1,3 | paste -sd' ')" '3 3 6 6 9 9 9 12 9 12 9 12'
  assert_equal "$(list_dir "$ARCHIVE" | grep -c -e '\.tar\.bz2$')" 9
  for night in 4 5 6; do
    assert_equal "$(list_dir "$ARCHIVE" | grep -c -e "-$(blaze_date "$((night - 1)) days")\.tar\.bz2$")" 3
  done
  assert_equal "$(list_dir "$RECEIVED" | grep -c -e '-Jan-0[3456]-2001')" 12
}
