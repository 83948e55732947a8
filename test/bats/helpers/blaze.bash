# Shared set-up of the blaze*.bats files: a sandbox (helpers/host-sandbox.bash) per test,
# with the fixture hosts of test/fixtures/inventories/blaze-hosts.yaml generated once per
# file, scratch sources bind-mounted over /mnt, and a sendmail recorder first in PATH.
bats_require_minimum_version 1.5.0
load helpers/host-sandbox

BLAZE_FIXTURE="$REPO_ROOT/test/fixtures/inventories/blaze-hosts.yaml"

# Generates the fixture hosts' dist/ into $BATS_FILE_TMPDIR/dist (call from setup_file).
blaze_generate_fixture() {
  "${KINDLING[@]}" generate -i "$BLAZE_FIXTURE" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
}

# Today's archive date as blaze writes it: blaze_date [DATE-EXPRESSION]
blaze_date() {
  LC_ALL=C date -d "${1:-now}" +%b-%d-%Y
}

# Prepares a sandbox for HOST's blaze: ROOT, scratch sources, recorder. Sets ROOT, SRC,
# MNT, MAIL, ARCHIVE (the host's backup folder as seen from outside), TODAY.
# blaze_sandbox HOST [BLAZE_FILE]
blaze_sandbox() {
  local host=$1 file=${2:-$BATS_FILE_TMPDIR/dist/$1/blaze}
  ROOT="$BATS_TEST_TMPDIR/root"
  MNT="$BATS_TEST_TMPDIR/mnt"
  SRC="$MNT/src"
  MAIL="$BATS_TEST_TMPDIR/mail"
  ARCHIVE="$ROOT/archive/blaze-backup/$host"
  TODAY=$(blaze_date)
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$file"
  sandbox_sendmail_recorder "$BATS_TEST_TMPDIR/bin" "$MAIL"
  mkdir -p "$SRC/etc/conf.d" "$SRC/cron" "$SRC/bin" "$ARCHIVE"
  printf 'listen = 8080\n' >"$SRC/etc/app.conf"
  printf 'level = debug\n' >"$SRC/etc/conf.d/log.conf"
  printf '20 2 * * * /usr/local/bin/blaze\n' >"$SRC/cron/root"
  printf '#!/bin/sh\necho tool\n' >"$SRC/bin/tool"
  chmod 0755 "$SRC/bin/tool"
  SANDBOX_BINDS=("$MNT:/mnt")
  SANDBOX_PATH_PREFIX="$BATS_TEST_TMPDIR/bin"
}

# Runs the sandboxed blaze with ARGS (bats `run`, stderr apart): run_blaze ARGS...
run_blaze() {
  run --separate-stderr sandbox_run "$ROOT" /usr/local/bin/blaze "$@"
}

# Writes an earlier copy FILE of SIZE bytes (random), dated DAYS days ago and recorded in
# blaze's arrival ledger as arrived then (retention ages copies from their arrival):
# old_copy DIR PREFIX SUFFIX DAYS [SIZE]
old_copy() {
  local file
  file="$1/$2$(blaze_date "$4 days ago")$3"
  mkdir -p "$1"
  head -c "${5:-100}" /dev/urandom >"$file"
  touch -d "$4 days ago" "$file"
  record_arrival "$file" "$(date -d "$4 days ago" +%s)"
  printf '%s\n' "$file"
}

# Records FILE in blaze's arrival ledger of its kind as arrived at EPOCH (as a run of blaze
# that first saw it then would have): record_arrival FILE EPOCH
record_arrival() {
  local name=${1##*/} kind
  kind=$(sed -E 's/[A-Z][a-z]{2}-[0-3][0-9]-[0-9]{4}//' <<<"$name")
  mkdir -p "$ROOT/var/lib/kindling/arrivals"
  printf '%s %s\n' "$2" "$name" >>"$ROOT/var/lib/kindling/arrivals/$kind"
}

# Lists the files of DIR, hidden ones included, one name a line: list_dir DIR
list_dir() {
  find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort
}

# Extracts ARCHIVE into DIR with DECOMPRESSOR (default bzip2) and compares the member
# tree with SOURCE: names, contents, symlinks, modes and modification times.
# assert_restores ARCHIVE SOURCE [DECOMPRESSOR]
assert_restores() {
  local archive=$1 source=$2 program=${3:-bzip2} out
  out=$(mktemp -d "$BATS_TEST_TMPDIR/restore.XXXXXX")
  "$program" -dc <"$archive" | tar -xpf - -C "$out"
  run diff -r --no-dereference "$out/${source##*/}" "$source"
  assert_success
  run diff <(cd "$out/${source##*/}" && find . -printf '%p %m %y %T@ %l\n' | LC_ALL=C sort) \
    <(cd "$source" && find . -printf '%p %m %y %T@ %l\n' | LC_ALL=C sort)
  assert_success
}
