#!/usr/bin/env bats
# The history of the repository on a repository copy host (fixture host echo): charlie's
# account mirrors the repository into /archive/repo-backup/incoming/, and echo's blaze, as
# root, makes a dated snapshot of it each night: hard links to incoming's files, which it
# makes root's and read-only (the repository is held once, plus what changed), pruned by
# charlie's network retention (2 days, at least 1). Nights are runs of the
# real blaze in a sandbox (helpers/blaze.bash) under faketime, one day apart.
load common
load helpers/blaze

setup_file() {
  blaze_generate_fixture
}

# The uid incoming's files belong to: the sender's account, never root.
readonly SENDER_UID=4242

# Fills echo's incoming folder with a small repository owned by the sender: 20 packages
# (one set-user-ID), repodata and the marker file.
make_incoming() {
  INCOMING="$ROOT/archive/repo-backup/incoming"
  mkdir -p "$INCOMING/pkg" "$INCOMING/repodata"
  local n
  for n in $(seq -w 1 20); do head -c 3000 /dev/urandom >"$INCOMING/pkg/$n.rpm"; done
  chmod 4755 "$INCOMING/pkg/20.rpm"
  printf '<repomd rev="0"/>\n' >"$INCOMING/repodata/repomd.xml"
  touch "$INCOMING/.kindling-repository"
  touch -d '2026-01-01 12:00' "$INCOMING"/pkg/*.rpm
  chown -R "$SENDER_UID:$SENDER_UID" "$INCOMING"
}

# Writes stdin to incoming's NAME as the sender's rsync does: a new file of the sender's,
# renamed over the name (never written into the file there): arrive NAME
arrive() {
  local temporary="$INCOMING/${1%/*}/.${1##*/}.tmp"
  cat >"$temporary"
  chown "$SENDER_UID:$SENDER_UID" "$temporary"
  mv "$temporary" "$INCOMING/$1"
}

# Runs echo's blaze N days from now: blaze_night N. NO_FAKE_STAT: the clock moves, the files'
# times do not (libfaketime would otherwise shift the times rsync reads and sets).
blaze_night() {
  run --separate-stderr sandbox_run "$ROOT" env NO_FAKE_STAT=1 faketime -f "+${1}d" \
    /usr/local/bin/blaze
}

# Keeps a copy of what incoming holds tonight, to compare a snapshot with: keep_night N
keep_night() {
  cp -a "$INCOMING" "$BATS_TEST_TMPDIR/night-$1"
}

# The snapshot of the night N days from now: snapshot N
snapshot() {
  printf '%s\n' "$ROOT/archive/repo-backup/$(date -d "+$1 days" +%F)"
}

# Prints "path size mtime sha256" of every file under DIR (not its owner or mode): tree DIR
tree() {
  (cd "$1" && find . -type f -printf '%P %s %T@\n' | LC_ALL=C sort | while read -r f size mtime; do
    printf '%s %s %s %s\n' "$f" "$size" "$mtime" "$(sha256sum <"$f" | cut -d' ' -f1)"
  done)
}

# Asserts that the snapshot of night N holds what incoming held that night: assert_snapshot N
assert_snapshot() {
  local snap
  snap=$(snapshot "$1")
  [[ -d "$snap" ]] || fail "no snapshot ${snap##*/} for night $1"
  assert_equal "$(tree "$snap")" "$(tree "$BATS_TEST_TMPDIR/night-$1")"
}

# A sandbox for echo whose first night made a snapshot of a fresh incoming; FIRST_SNAPSHOT is
# that snapshot's tree: first_snapshot
first_snapshot() {
  blaze_sandbox echo
  make_incoming
  blaze_night 0
  assert_success
  FIRST_SNAPSHOT=$(tree "$(snapshot 0)")
}

inode() {
  stat -c %i -- "$1"
}

@test "three nights of snapshots: each holds that night's repository, root's and read-only, unchanged files one inode in incoming and every snapshot; charlie's retention prunes them" {
  blaze_sandbox echo
  make_incoming
  keep_night 0
  blaze_night 0
  assert_success
  # Night 1: a package changes, one is added, one removed (1 of 25: within 10 %).
  head -c 3000 /dev/urandom | arrive pkg/01.rpm
  head -c 3000 /dev/urandom | arrive pkg/21.rpm
  rm "$INCOMING/pkg/02.rpm"
  keep_night 1
  blaze_night 1
  assert_success
  # Night 2: the repodata changes.
  printf '<repomd rev="2"/>\n' | arrive repodata/repomd.xml
  keep_night 2
  blaze_night 2
  assert_success
  for night in 0 1 2; do assert_snapshot "$night"; done
  local s0 s1 s2
  s0=$(snapshot 0) s1=$(snapshot 1) s2=$(snapshot 2)
  # Unchanged: one inode in incoming and every snapshot.
  assert_equal "$(inode "$s0/pkg/03.rpm")" "$(inode "$INCOMING/pkg/03.rpm")"
  assert_equal "$(inode "$s1/pkg/03.rpm")" "$(inode "$s0/pkg/03.rpm")"
  assert_equal "$(inode "$s2/pkg/03.rpm")" "$(inode "$s0/pkg/03.rpm")"
  assert_equal "$(inode "$s2/pkg/01.rpm")" "$(inode "$s1/pkg/01.rpm")"
  assert_equal "$(inode "$s2/pkg/21.rpm")" "$(inode "$INCOMING/pkg/21.rpm")"
  assert_equal "$(inode "$s2/pkg/21.rpm")" "$(inode "$s1/pkg/21.rpm")"
  # Changed: a new file that night.
  [[ "$(inode "$s1/pkg/01.rpm")" != "$(inode "$s0/pkg/01.rpm")" ]] || fail "changed file still linked"
  [[ "$(inode "$s2/repodata/repomd.xml")" != "$(inode "$s1/repodata/repomd.xml")" ]] || fail "changed file still linked"
  [[ ! -e "$s1/pkg/02.rpm" && -f "$s0/pkg/02.rpm" ]] || fail "a removed package is not kept in the snapshot before"
  # Root's files (and folders) without write, set-user-ID or set-group-ID bits; incoming's
  # files too (they are the same), its folders still the sender's.
  run find "$s0" "$s1" "$s2" \( ! -uid 0 -o ! -gid 0 \)
  assert_output ''
  run find "$s0" "$s1" "$s2" "$INCOMING" -type f \( -perm /6222 -o ! -uid 0 \)
  assert_output ''
  run find "$INCOMING" -type d ! -uid "$SENDER_UID"
  assert_output ''
  run grep -c "INFO repository-snapshot: wrote /archive/repo-backup/" "$ROOT/var/log/blaze-backup.log"
  assert_output 3
  # Nights 3 and 4, nothing new: charlie's 2 network days keep the snapshots of nights 2-4.
  blaze_night 3
  assert_success
  blaze_night 4
  assert_success
  run ls "$ROOT/archive/repo-backup"
  assert_output "$(printf '%s\n' "$(basename "$(snapshot 2)")" "$(basename "$(snapshot 3)")" "$(basename "$(snapshot 4)")" incoming)"
  # Night 2's snapshot is whole although the snapshots it shares files with are gone.
  assert_snapshot 2
  assert_equal "$(inode "$(snapshot 4)/pkg/03.rpm")" "$(inode "$s2/pkg/03.rpm")"
  run grep -c "INFO pruned /archive/repo-backup/" "$ROOT/var/log/blaze-backup.log"
  assert_output 2
  run cut -d' ' -f2 "$ROOT/var/lib/kindling/arrivals/repository-snapshots"
  assert_output "$(for n in 4 3 2; do basename "$(snapshot "$n")"; done)"
}

@test "incoming without the marker file: no snapshot, the run FAILED with the reason (log, mail), the last snapshot as it was" {
  first_snapshot
  rm "$INCOMING/.kindling-repository"
  blaze_night 1
  assert_failure 1
  [[ ! -e "$(snapshot 1)" ]] || fail "a snapshot was made of an unmarked incoming"
  assert_equal "$(tree "$(snapshot 0)")" "$FIRST_SNAPSHOT"
  run grep -F "ERROR repository-snapshot: refused: /archive/repo-backup/incoming has no marker file .kindling-repository" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -E 'INFO finished with status 1: [0-9]+ ok, 1 failed' "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -E '^Subject: blaze on echo: 1 of [0-9]+ item\(s\) failed$' "$MAIL"
  assert_success
  run grep -F '  repository-snapshot: refused: /archive/repo-backup/incoming has no marker file' "$MAIL"
  assert_success
}

@test "incoming that lost half its files: the snapshot is refused with the numbers, and the last snapshot stays byte-identical" {
  first_snapshot
  rm "$INCOMING"/pkg/0[1-9].rpm "$INCOMING"/pkg/1[0-2].rpm
  blaze_night 1
  assert_failure 1
  [[ ! -e "$(snapshot 1)" ]] || fail "a snapshot was made"
  run ls -A "$ROOT/archive/repo-backup"
  assert_output "$(printf '%s\n' "$(basename "$(snapshot 0)")" incoming)"
  assert_equal "$(tree "$(snapshot 0)")" "$FIRST_SNAPSHOT"
  # 25 entries in night 0's snapshot (the folder itself, 2 folders, 22 files); 12 would go.
  run grep -F "ERROR repository-snapshot: refused: mirroring /archive/repo-backup/incoming/ onto $(snapshot 0 | sed "s|^$ROOT||")/ would delete 12 of its 25 files (48 %), more than the 10 % one night may delete" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -F '  repository-snapshot: refused: mirroring /archive/repo-backup/incoming/ onto' "$MAIL"
  assert_output --partial 'would delete 12 of its 25 files (48 %)'
  # When the packages are back (under the same names), the next night's snapshot is made.
  rm -rf "$INCOMING"
  make_incoming
  blaze_night 2
  assert_success
  [[ -d "$(snapshot 2)" ]]
}

@test "before the first mirror arrives (incoming empty, no snapshot yet), blaze makes no snapshot and the run is OK" {
  blaze_sandbox echo
  mkdir -p "$ROOT/archive/repo-backup/incoming"
  blaze_night 0
  assert_success
  run ls -A "$ROOT/archive/repo-backup"
  assert_output incoming
  run grep -c 'INFO repository-snapshot: nothing has arrived in /archive/repo-backup/incoming yet; no snapshot' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
}


# Runs COMMAND in echo's sandbox (where incoming is /archive/repo-backup/incoming) as the
# sender's account: its uid, no other group: as_sender COMMAND
as_sender() {
  sandbox_run "$ROOT" setpriv --reuid="$SENDER_UID" --regid="$SENDER_UID" --clear-groups \
    -- bash -c "$1"
}

@test "after the take-over the sender cannot write into a file a snapshot holds; it can unlink or replace a name, and the snapshot keeps the bytes" {
  first_snapshot
  local s0 kept
  s0=$(snapshot 0)
  kept=$(sha256sum <"$INCOMING/pkg/03.rpm")
  local incoming=/archive/repo-backup/incoming
  # The sender reaches and reads the file (so a refusal below is the file's own)...
  run as_sender "sha256sum <$incoming/pkg/03.rpm"
  assert_success
  assert_output "$kept"
  # ... but cannot write into it, make it writable again or truncate another.
  run as_sender "printf tampered >>$incoming/pkg/03.rpm"
  assert_failure
  assert_output --partial 'Permission denied'
  run as_sender "chmod u+w $incoming/pkg/03.rpm"
  assert_failure
  assert_output --partial 'Operation not permitted'
  run as_sender "truncate -s 0 $incoming/pkg/04.rpm"
  assert_failure
  assert_output --partial 'Permission denied'
  # Unlinking a name and renaming a new file over another (what rsync does) still work.
  run as_sender "rm $incoming/pkg/03.rpm && printf new >$incoming/pkg/.05.rpm.tmp \
    && mv $incoming/pkg/.05.rpm.tmp $incoming/pkg/05.rpm"
  assert_success
  [[ ! -e "$INCOMING/pkg/03.rpm" ]] || fail "the sender could not unlink a name"
  assert_equal "$(sha256sum <"$s0/pkg/03.rpm")" "$kept"
  assert_equal "$(tree "$s0")" "$FIRST_SNAPSHOT"
  # The next night takes the new file over too, and links it.
  blaze_night 1
  assert_success
  assert_equal "$(stat -c '%u %g %A' "$INCOMING/pkg/05.rpm")" '0 0 -r--r--r--'
  assert_equal "$(inode "$(snapshot 1)/pkg/05.rpm")" "$(inode "$INCOMING/pkg/05.rpm")"
  [[ ! -e "$(snapshot 1)/pkg/03.rpm" ]] || fail "an unlinked name is in the new snapshot"
}

@test "the snapshots hold the repository once: du of the snapshot folder is incoming's plus the changed files' old bytes and the snapshots' folders" {
  first_snapshot
  # Night 1: 01 changes (3000 bytes), 02 goes (3000 bytes): the old bytes of both stay.
  head -c 3000 /dev/urandom | arrive pkg/01.rpm
  rm "$INCOMING/pkg/02.rpm"
  blaze_night 1
  assert_success
  local all incoming folders
  all=$(du -s --bytes "$ROOT/archive/repo-backup" | cut -f1)
  incoming=$(du -s --bytes "$INCOMING" | cut -f1)
  folders=$(find "$ROOT/archive/repo-backup" -path "$INCOMING" -prune -o -type d -printf '%s\n' | awk '{ s += $1 } END { print s }')
  assert_equal "$((all - incoming - folders))" 6000
  # The newest snapshot is incoming itself, file for file.
  run bash -c "cd '$(snapshot 1)' && find . -type f -printf '%P %i\n' | LC_ALL=C sort"
  assert_output "$(cd "$INCOMING" && find . -type f -printf '%P %i\n' | LC_ALL=C sort)"
}
