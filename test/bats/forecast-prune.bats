#!/usr/bin/env bats
# The forecast's pruning (src/forecast/prune.ts) against the generated blaze's own: six
# nights of the real blaze in a sandbox (helpers/blaze.bash), its copies aged between runs
# with touch -d, and the files and bytes left each night compared with kindling forecast.
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

# The stored name of night N's copy: a date no real night uses, so names never collide
# with tonight's (prune_kind reads ages from modification times, names only match kinds).
night_name() {
  printf 'Jan-%02d-2001' "$1"
}

# Dates every stored copy of night K (1..N-1) at REFERENCE - (N - K) days, and tonight's
# received copies at REFERENCE: age_copies N REFERENCE
age_copies() {
  local night=$1 reference=$2 k kind dir
  for ((k = 1; k <= night; k++)); do
    for kind in "${KINDS[@]}"; do
      for dir in "$ARCHIVE/alpha-$kind" "$RECEIVED/bravo-$kind"; do
        [[ -e "$dir-$(night_name "$k").tar.bz2" ]] || continue
        touch -d "@$((reference - (night - k) * 86400))" "$dir-$(night_name "$k").tar.bz2"
      done
    done
  done
}

# Prints "OWN_FILES OWN_BYTES RECEIVED_FILES RECEIVED_BYTES" of what alpha holds now.
holdings() {
  local own received
  own=$(find "$ARCHIVE" -maxdepth 1 -name 'alpha-*.tar.bz2' -printf '%s\n')
  received=$(find "$RECEIVED" -maxdepth 1 -name 'bravo-*.tar.bz2' -printf '%s\n')
  printf '%s %s %s %s\n' "$(grep -c . <<<"$own")" "$(awk '{ s += $1 } END { print s + 0 }' <<<"$own")" \
    "$(grep -c . <<<"$received")" "$(awk '{ s += $1 } END { print s + 0 }' <<<"$received")"
}

@test "over six nights, blaze leaves exactly the copies and bytes the forecast says: own copies 2 days, bravo's 3 days, counted from the newest" {
  blaze_sandbox alpha
  RECEIVED="$ROOT/archive/blaze-backup/bravo"
  mkdir -p "$RECEIVED"
  local night reference kind observed=()
  for ((night = 1; night <= NIGHTS; night++)); do
    # Later than tonight's archives will be: their age is then a whole number of days minus seconds.
    reference=$(($(date +%s) + 120))
    for kind in "${KINDS[@]}"; do
      head -c "$RECEIVED_BYTES" /dev/urandom >"$RECEIVED/bravo-$kind-$(night_name "$night").tar.bz2"
    done
    age_copies "$night" "$reference"
    run_blaze
    assert_success
    for kind in "${KINDS[@]}"; do
      mv "$ARCHIVE/alpha-$kind-$TODAY.tar.bz2" "$ARCHIVE/alpha-$kind-$(night_name "$night").tar.bz2"
      truncate -s "$OWN_BYTES" "$ARCHIVE/alpha-$kind-$(night_name "$night").tar.bz2"
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
  assert_equal "$(list_dir "$ARCHIVE" | grep -c -e '-2001\.tar\.bz2$')" 9
  assert_equal "$(list_dir "$ARCHIVE" | grep -c -e '-Jan-0[456]-2001')" 9
  assert_equal "$(list_dir "$RECEIVED" | grep -c -e '-Jan-0[3456]-2001')" 12
}
