# Shared set-up of every .bats file: bats-support and bats-assert from node_modules
# (the test runner sets BATS_LIB_PATH to it), and the repository's root.
bats_load_library bats-support
bats_load_library bats-assert

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
export REPO_ROOT
KINDLING=(node "$REPO_ROOT/build/cli.js")

# Changes the byte at OFFSET of FILE to its complement, so that the file surely differs
# afterwards: writing a fixed byte there leaves the file as it was whenever that byte was
# already in place (one run in 256 of an archive whose bytes vary): corrupt_byte FILE OFFSET
corrupt_byte() {
  local file=$1 offset=$2 byte
  byte=$(od -An -tu1 -j "$offset" -N 1 -- "$file" | tr -d ' ')
  [[ "$byte" =~ ^[0-9]+$ ]] || return 1
  printf '%b' "\\0$(printf '%03o' $((255 - byte)))" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# Writes DIR/NAME, a stand-in for the system's NAME (to come first in a sandbox's PATH) that
# fails as a failing disk would make it fail, printing nothing to stdout, when one of its
# arguments is MATCH, and runs the real NAME otherwise: failing_command DIR NAME MATCH
failing_command() {
  local dir=$1 name=$2 match=$3 real
  real=$(command -v "$name") || return 1
  mkdir -p -- "$dir"
  cat >"$dir/$name" <<STANDIN
#!/bin/bash
for argument in "\$@"; do
  if [[ "\$argument" == '$match' ]]; then
    printf '%s: %s: Input/output error\n' '$name' '$match' >&2
    exit 1
  fi
done
exec '$real' "\$@"
STANDIN
  chmod 0755 "$dir/$name"
}
