#!/usr/bin/env bats
# The generated blaze of an RBDHOST (fixture host charlie): the repository /mnt/koji/
# and the day's archives go to every drive labelled cdot-backup-NNN.
#
# The drive is an ext4 file system in a loop device (losetup) labelled cdot-backup-001,
# next to a second one labelled other-disk that blaze must leave alone. Where the kernel
# gives no loop device (or KINDLING_TEST_NO_LOOP=1), the tests say so and use a
# labelled-device fixture instead: a tmpfs whose source is named /dev/cdot-fixture-001,
# a blkid first in PATH that reports it with the label, and a mount first in PATH that
# bind-mounts it; blaze's own code path (find by label, mount, check with findmnt, write,
# prune, unmount) is the same.
#
# Each test runs in one sandbox: the drive is mounted at a staging folder to be filled,
# unmounted (loop) or kept as the bind source (fixture), blaze runs, and the drive is
# mounted again to be inspected; the sandbox prints what the assertions read.
load common
load helpers/blaze

setup_file() {
  blaze_generate_fixture
}

# Attaches the two drive images, or prepares the fixture. Sets DRIVE_MODE (loop or
# fixture), DRIVE_DEVICE and OTHER_DEVICE.
attach_drives() {
  local image="$BATS_TEST_TMPDIR/drive.img" other="$BATS_TEST_TMPDIR/other.img"
  DRIVE_MODE=loop
  truncate -s 48M "$image" "$other"
  mkfs.ext4 -q -L cdot-backup-001 "$image"
  mkfs.ext4 -q -L other-disk "$other"
  if [[ "${KINDLING_TEST_NO_LOOP:-0}" == 1 ]] || ! DRIVE_DEVICE=$(losetup --find --show -- "$image" 2>/dev/null); then
    DRIVE_MODE=fixture
  elif ! OTHER_DEVICE=$(losetup --find --show -- "$other" 2>/dev/null); then
    losetup -d "$DRIVE_DEVICE"
    DRIVE_MODE=fixture
  fi
  if [[ "$DRIVE_MODE" == fixture ]]; then
    echo "# no loop device here: the removable-drive tests use the labelled-device fixture" >&3
    DRIVE_DEVICE=/dev/cdot-fixture-001
    OTHER_DEVICE=/dev/other-fixture-002
    write_fixture_tools
  fi
}

# The fixture's blkid and mount, first in the sandbox's PATH.
write_fixture_tools() {
  cat >"$BATS_TEST_TMPDIR/bin/blkid" <<EOF
#!/bin/bash
printf 'DEVNAME=%s\nLABEL=cdot-backup-001\nTYPE=ext4\n\nDEVNAME=%s\nLABEL=other-disk\nTYPE=ext4\n' '$DRIVE_DEVICE' '$OTHER_DEVICE'
EOF
  cat >"$BATS_TEST_TMPDIR/bin/mount" <<'EOF'
#!/bin/bash
# mount -o OPTIONS -- DEVICE MOUNT_POINT, as blaze calls it: the fixture drive is bound.
if [[ "${*: -2:1}" == /dev/cdot-fixture-001 ]]; then
  exec /usr/bin/mount --bind /run/kindling/stage "${*: -1}"
fi
exec /usr/bin/mount "$@"
EOF
  chmod 0755 "$BATS_TEST_TMPDIR/bin/blkid" "$BATS_TEST_TMPDIR/bin/mount"
}

teardown() {
  if [[ "${DRIVE_MODE:-}" == loop ]]; then
    losetup -d "$DRIVE_DEVICE" 2>/dev/null || true
    [[ -z "${OTHER_DEVICE:-}" ]] || losetup -d "$OTHER_DEVICE" 2>/dev/null || true
  fi
}

# Runs, in one sandbox: PREPARE (bash, on the drive mounted at $DRIVE and the other disk
# at $OTHER), blaze (with WRAPPER words before it, if any), then INSPECT (bash, on the
# drive at $DRIVE again). Prints "blaze status N" and "drive mounted after blaze: yes|no".
# drive_session PREPARE INSPECT [WRAPPER...]
drive_session() {
  local prepare=$1 inspect=$2
  shift 2
  # shellcheck disable=SC2016 # expanded by the sandbox's bash
  local session='
    set -eu
    mode=$1 device=$2 other=$3 prepare=$4 inspect=$5
    shift 5
    DRIVE=/run/kindling/stage OTHER=/run/kindling/other
    export DRIVE OTHER
    mkdir -p "$DRIVE" "$OTHER"
    if [[ "$mode" == loop ]]; then
      /usr/bin/mount "$device" "$DRIVE"
      /usr/bin/mount "$other" "$OTHER"
    else
      /usr/bin/mount -t tmpfs -o size=48m "$device" "$DRIVE"
      /usr/bin/mount -t tmpfs -o size=8m "$other" "$OTHER"
    fi
    bash -euc "$prepare"
    [[ "$mode" == fixture ]] || /usr/bin/umount "$DRIVE" "$OTHER"
    status=0
    "$@" /usr/local/bin/blaze || status=$?
    echo "blaze status $status"
    # Mounted anywhere but at the staging folder (where the fixture stays mounted)?
    if findmnt -n -o TARGET --source "$device" | grep -qvx "$DRIVE"; then
      echo "drive mounted after blaze: yes"
    else
      echo "drive mounted after blaze: no"
    fi
    if findmnt -n -o TARGET --source "$other" | grep -qvx "$OTHER"; then
      echo "other disk mounted after blaze: yes"
    fi
    if [[ "$mode" == loop ]]; then
      /usr/bin/mount "$device" "$DRIVE"
      /usr/bin/mount "$other" "$OTHER"
    fi
    bash -euc "$inspect"'
  run --separate-stderr sandbox_run "$ROOT" bash -c "$session" session \
    "$DRIVE_MODE" "$DRIVE_DEVICE" "$OTHER_DEVICE" "$prepare" "$inspect" "$@"
}

# A small repository in /mnt/koji, as on the seed's REPOHOST chile: a mount point of its
# own in the sandbox (a bind mount) holding the marker file an admin creates once.
make_repository() {
  mkdir -p "$MNT/koji/packages/noarch" "$MNT/koji/repodata"
  head -c 200K /dev/urandom >"$MNT/koji/packages/noarch/tool-1.0-1.noarch.rpm"
  printf '<repomd/>\n' >"$MNT/koji/repodata/repomd.xml"
  touch -d '2012-02-27 12:00' "$MNT/koji/packages/noarch/tool-1.0-1.noarch.rpm"
  touch "$MNT/koji/.kindling-repository"
  SANDBOX_BINDS+=("$MNT/koji:/mnt/koji")
}

# Fills the repository with COUNT more packages: add_packages COUNT
add_packages() {
  local n
  for n in $(seq -w 1 "$1"); do printf 'package %s\n' "$n" >"$MNT/koji/packages/noarch/p$n.rpm"; done
}

@test "charlie mirrors the repository and the day's archives to the drive labelled cdot-backup-001, keeps 3 days of dated copies, and unmounts it" {
  blaze_sandbox charlie
  attach_drives
  make_repository
  days=()
  for n in 0 1 2 3 4 5; do days+=("$(date -d "$n days ago" +%F)"); done
  # Five earlier days on the drive; yesterday's holds the same package (a hard link is
  # expected), and an interrupted copy of two days ago is left over.
  prepare="
    base=\$DRIVE/kindling/charlie
    for day in ${days[*]:1}; do mkdir -p \"\$base/\$day/repository\" && echo \$day >\"\$base/\$day/day\"; done
    mkdir -p \"\$base/${days[1]}/repository/packages/noarch\" \"\$base/.${days[2]}.partial\"
    cp -a /mnt/koji/packages/noarch/tool-1.0-1.noarch.rpm \"\$base/${days[1]}/repository/packages/noarch/\"
    echo untouched >\"\$OTHER/marker\""
  inspect="
    base=\$DRIVE/kindling/charlie
    ls -A \"\$base\" | sed 's/^/on drive: /'
    diff -r /mnt/koji \"\$base/${days[0]}/repository\" && echo 'repository mirrored'
    for archive in /archive/blaze-backup/charlie/*-$TODAY.tar.bz2; do
      cmp \"\$archive\" \"\$base/${days[0]}/blaze-backup/\${archive##*/}\" && echo \"copied \${archive##*/}\"
    done
    [[ \$(stat -c %i \"\$base/${days[0]}/repository/packages/noarch/tool-1.0-1.noarch.rpm\") == \$(stat -c %i \"\$base/${days[1]}/repository/packages/noarch/tool-1.0-1.noarch.rpm\") ]] && echo 'unchanged file linked to the day before'
    ls -A \"\$OTHER\" | sed 's/^/on other disk: /'"
  drive_session "$prepare" "$inspect"
  assert_success
  assert_line 'blaze status 0'
  assert_line 'drive mounted after blaze: no'
  refute_line 'other disk mounted after blaze: yes'
  # Today and the two days before: three days of dated copies, nothing temporary.
  assert_equal "$(grep '^on drive: ' <<<"$output")" "$(printf 'on drive: %s\n' "${days[2]}" "${days[1]}" "${days[0]}")"
  assert_line 'repository mirrored'
  for kind in cron etc userlocalbin; do
    assert_line "copied charlie-$kind-$TODAY.tar.bz2"
  done
  assert_line 'unchanged file linked to the day before'
  assert_equal "$(grep '^on other disk: ' <<<"$output" | grep -v lost+found)" 'on other disk: marker'
  run grep -E "INFO drive-cdot-backup-001: ($DRIVE_DEVICE is mounted at /run/kindling/removable/cdot-backup-001|wrote /run/kindling/removable/cdot-backup-001/kindling/charlie/${days[0]} )" "$ROOT/var/log/blaze-backup.log"
  assert_equal "${#lines[@]}" 2
  run grep -c 'other' "$ROOT/var/log/blaze-backup.log"
  assert_output 0
}

@test "with no labelled drive attached, charlie logs it and the run still succeeds" {
  blaze_sandbox charlie
  make_repository
  found=$(blkid -c /dev/null -o export 2>/dev/null | grep -E '^LABEL=cdot-backup-[0-9]{3}$' || true)
  [[ -z "$found" ]] || fail "a drive labelled like cdot-backup-NNN is attached to this machine ($found); detach it to run this test"
  run_blaze
  assert_success
  run grep -c 'INFO no drive labelled like ^cdot\\-backup\\-\[0-9\]{3}\$ is attached; nothing to mirror' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  [[ ! -e "$MAIL" ]]
}

@test "a listing of the attached drives that fails fails the run with the reason, instead of 'no drive attached'" {
  blaze_sandbox charlie
  make_repository
  # The listing's sort (sort -k 2) fails; the status of what feeds the loop must reach the run.
  failing_command "$BATS_TEST_TMPDIR/bin" sort -k
  run_blaze
  assert_failure 1
  run grep -c 'ERROR cannot list the attached drives (blkid or sort failed); nothing mirrored' "$ROOT/var/log/blaze-backup.log"
  assert_output 1
  run grep -c 'no drive labelled like' "$ROOT/var/log/blaze-backup.log"
  assert_output 0
  run grep -c '^  cannot list the attached drives' "$MAIL"
  assert_output 1
}

@test "a failure while writing to the drive fails the run, leaves no dated copy for today, keeps the earlier ones, and still unmounts the drive" {
  blaze_sandbox charlie
  attach_drives
  make_repository
  printf 'secret\n' >"$MNT/koji/repodata/unreadable.xml"
  chmod 000 "$MNT/koji/repodata/unreadable.xml"
  yesterday=$(date -d '1 day ago' +%F)
  today=$(date +%F)
  prepare="mkdir -p \$DRIVE/kindling/charlie/$yesterday/repository && echo kept >\$DRIVE/kindling/charlie/$yesterday/kept"
  inspect="ls -A \$DRIVE/kindling/charlie | sed 's/^/on drive: /'; cat \$DRIVE/kindling/charlie/$yesterday/kept"
  # Without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, rsync cannot read the file (exit 23).
  drive_session "$prepare" "$inspect" setpriv --bounding-set=-dac_override,-dac_read_search
  assert_success
  assert_line 'blaze status 1'
  assert_line 'drive mounted after blaze: no'
  assert_line "on drive: $yesterday"
  refute_line "on drive: $today"
  assert_line 'kept'
  run grep -F "ERROR drive-cdot-backup-001: rsync of /mnt/koji/ failed; /run/kindling/removable/cdot-backup-001/kindling/charlie/$today not written" "$MAIL"
  assert_success
}

# The drive holds yesterday's copy of a repository of 20 packages; PREPARE_MORE (bash) runs
# after it is written. Prints the drive's listing and yesterday's copy's tree after blaze.
# yesterday_session PREPARE_MORE
yesterday_session() {
  local yesterday
  yesterday=$(date -d '1 day ago' +%F)
  prepare="
    mkdir -p \$DRIVE/kindling/charlie/$yesterday
    cp -a /mnt/koji \$DRIVE/kindling/charlie/$yesterday/repository
    $1"
  inspect="
    ls -A \$DRIVE/kindling/charlie | sed 's/^/on drive: /'
    cd \$DRIVE/kindling/charlie/$yesterday/repository && find . -type f -printf 'kept: %P %s\n' | sort
    find . -type f -exec sha256sum {} + | sort | sha256sum | sed 's/^/kept sums: /'"
  drive_session "$prepare" "$inspect"
}

@test "a repository that is not a mount point (the mount failed: an empty folder) is refused: the run FAILED with the reason, the drive untouched" {
  blaze_sandbox charlie
  attach_drives
  make_repository
  # The mount is gone: /mnt/koji is the bare folder of /mnt (here with the marker still in it).
  SANDBOX_BINDS=("$MNT:/mnt")
  yesterday=$(date -d '1 day ago' +%F)
  prepare="mkdir -p \$DRIVE/kindling/charlie/$yesterday/repository && echo kept >\$DRIVE/kindling/charlie/$yesterday/kept"
  inspect="ls -A \$DRIVE/kindling/charlie | sed 's/^/on drive: /'; cat \$DRIVE/kindling/charlie/$yesterday/kept"
  drive_session "$prepare" "$inspect"
  assert_success
  assert_line 'blaze status 1'
  assert_line "on drive: $yesterday"
  assert_equal "$(grep -c '^on drive: ' <<<"$output")" 1
  assert_line 'kept'
  run grep -F "ERROR drive-cdot-backup-001: refused: /mnt/koji is not a mount point: the repository is not mounted there; nothing written to $DRIVE_DEVICE" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -F 'drive-cdot-backup-001: refused: /mnt/koji is not a mount point' "$MAIL"
  assert_success
}

@test "a mounted repository without the marker file is refused, and the drive is not even mounted" {
  blaze_sandbox charlie
  attach_drives
  make_repository
  rm "$MNT/koji/.kindling-repository"
  drive_session "echo untouched >\$DRIVE/note" "ls -A \$DRIVE | sed 's/^/on drive: /'"
  assert_success
  assert_line 'blaze status 1'
  assert_equal "$(grep '^on drive: ' <<<"$output" | grep -v lost+found)" 'on drive: note'
  run grep -F "ERROR drive-cdot-backup-001: refused: /mnt/koji has no marker file .kindling-repository: not the repository" "$ROOT/var/log/blaze-backup.log"
  assert_success
  run grep -c "mounted at /run/kindling/removable" "$ROOT/var/log/blaze-backup.log"
  assert_output 0
}

@test "a repository that lost more than 10 % of yesterday's files is not mirrored: the numbers are reported, yesterday's copy is byte-identical, no copy for today" {
  blaze_sandbox charlie
  attach_drives
  make_repository
  add_packages 20
  local sums
  sums=$(cd "$MNT/koji" && find . -type f -exec sha256sum {} + | sort | sha256sum)
  # Yesterday's copy is the repository as it is now; tonight 5 of its 27 entries are gone.
  yesterday_session "rm /mnt/koji/packages/noarch/p0[1-5].rpm"
  assert_success
  assert_line 'blaze status 1'
  assert_equal "$(grep -c '^on drive: ' <<<"$output")" 1
  assert_equal "$(grep -c '^kept: ' <<<"$output")" 23
  assert_line "kept sums: $sums"
  run grep -F "ERROR drive-cdot-backup-001: refused: mirroring /mnt/koji/ onto /run/kindling/removable/cdot-backup-001/kindling/charlie/$(date -d '1 day ago' +%F)/repository/ would delete 5 of its 27 files (18 %), more than the 10 % one night may delete" "$ROOT/var/log/blaze-backup.log"
  assert_success
}

