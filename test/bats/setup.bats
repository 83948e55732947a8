#!/usr/bin/env bats
# The generated setup of alpha (wf-fleet.yaml: admin host and aggregator), run for real as
# root on a fresh host of the fleet library (private /etc, root crontab, /archive,
# /usr/local/bin, /var/lib/kindling; helpers/wf-fleet.bash): what it creates, that a second
# run changes nothing, that --dry-run changes nothing, and what it leaves alone.
bats_require_minimum_version 1.5.0
load common
load helpers/wf-fleet

setup_file() {
  wf_hosts_up alpha
  "${KINDLING[@]}" generate -i "$(wf_fixture)" -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
  wf_copy_in alpha "$BATS_FILE_TMPDIR/dist" dist
  # Root already has jobs of its own.
  fleet_exec alpha sh -c 'printf "MAILTO=root\n15 4 * * * /usr/bin/true # rotate\n" | crontab -u root -'
}

teardown_file() {
  fleet_down
}

# Prints everything setup may touch on alpha: users, files with content, folders and files
# with owner, mode, size and mtime, root's crontab.
system_state() {
  fleet_exec alpha bash -c '
    getent passwd kb-bravo kb-charlie || true
    getent group kb-bravo kb-charlie || true
    stat -c "%n %s %Y" /etc/passwd /etc/group /etc/shadow /etc/aliases /etc/fstab
    for file in /etc/aliases /etc/fstab /etc/sysconfig/blaze; do echo "== $file"; cat "$file" 2>/dev/null || true; done
    echo "== crontab"; crontab -u root -l 2>/dev/null || true
    find /var/lib/kindling /archive /var/log/blaze-backup /var/log/blaze-wildfire.log /etc/sysconfig /usr/local/bin \
      /var/spool/cron/crontabs -xdev -printf "%p %u:%g %m %s %T@\n" 2>/dev/null | LC_ALL=C sort
    find /var/lib/kindling /usr/local/bin -xdev -type f -exec sha256sum {} + | LC_ALL=C sort
  '
}

@test "setup --dry-run on a fresh host says what it would change and changes nothing" {
  local before
  before=$(system_state)
  run fleet_exec alpha bash /tmp/dist/setup --dry-run
  assert_success
  assert_line 'would create the account kb-bravo (home /var/lib/kindling/home/kb-bravo)'
  assert_line 'would create the account kb-charlie (home /var/lib/kindling/home/kb-charlie)'
  assert_line 'would add to /etc/fstab: /dev/mapper/alpha-archive /archive ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2'
  assert_line "would merge the kindling block into root's crontab"
  assert_line --regexp '^setup: dry run, [0-9]+ change\(s\) would be made$'
  assert_equal "$(system_state)" "$before"
}

@test "setup creates the peers' accounts, folders, key, files, authorized_keys, scripts and crontab, keeping root's other jobs" {
  run fleet_exec alpha bash /tmp/dist/setup
  assert_success
  assert_line --regexp '^setup: [0-9]+ change\(s\) made$'
  # Both values the inventory needs from the host, in the inventory's own terms.
  assert_line "This host's kindling key, for the inventory (hosts.alpha.sshPublicKey):"
  assert_line --regexp '^  ssh-ed25519 [A-Za-z0-9+/]+$'
  assert_line --regexp "^This host's ssh host key(, for the inventory \(hosts\.alpha\.sshHostKey\):| ?: /etc/ssh/ssh_host_ed25519_key\.pub is missing)$"
  run fleet_exec alpha getent passwd kb-bravo kb-charlie
  assert_line --regexp '^kb-bravo:x:[0-9]+:[0-9]+::/var/lib/kindling/home/kb-bravo:/bin/sh$'
  assert_line --regexp '^kb-charlie:x:[0-9]+:[0-9]+::/var/lib/kindling/home/kb-charlie:/bin/sh$'
  run fleet_exec alpha stat -c '%n %U:%G %a' /var/lib/kindling /var/lib/kindling/ssh /var/lib/kindling/ssh/id_ed25519 \
    /var/lib/kindling/home/kb-bravo /var/lib/kindling/home/kb-bravo/.ssh /var/lib/kindling/home/kb-bravo/.ssh/authorized_keys \
    /archive/blaze-backup /archive/blaze-backup/alpha /archive/blaze-backup/bravo /archive/blaze-backup/charlie \
    /archive/repo-backup /var/log/blaze-backup /var/log/blaze-wildfire.log /etc/sysconfig/blaze /usr/local/bin/wildfire
  assert_output "$(printf '%s\n' \
    '/var/lib/kindling root:root 755' '/var/lib/kindling/ssh root:root 700' '/var/lib/kindling/ssh/id_ed25519 root:root 600' \
    '/var/lib/kindling/home/kb-bravo root:root 755' '/var/lib/kindling/home/kb-bravo/.ssh root:root 755' \
    '/var/lib/kindling/home/kb-bravo/.ssh/authorized_keys root:root 644' \
    '/archive/blaze-backup root:root 755' '/archive/blaze-backup/alpha root:root 700' \
    '/archive/blaze-backup/bravo root:kb-bravo 1770' '/archive/blaze-backup/charlie root:kb-charlie 1770' \
    '/archive/repo-backup root:root 755' '/var/log/blaze-backup root:root 755' \
    '/var/log/blaze-wildfire.log root:root 644' '/etc/sysconfig/blaze root:root 644' \
    '/usr/local/bin/wildfire root:root 755')"
  assert_equal "$(fleet_exec alpha cat /etc/sysconfig/blaze)" alpha
  run fleet_exec alpha grep -c '^blaze-wildfire: ops@example.org$' /etc/aliases
  assert_output 1
  run fleet_exec alpha grep -c '^/dev/mapper/alpha-archive /archive ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2$' /etc/fstab
  assert_output 1
  run fleet_exec alpha findmnt --verify --tab-file /etc/fstab
  assert_success
  # No key is in the inventory yet: authorized_keys says so and lets nobody in.
  run fleet_exec alpha grep -v '^#' /var/lib/kindling/home/kb-bravo/.ssh/authorized_keys
  assert_output ''
  # The aggregator's report spools: root's, sticky, each writable by its caller's account only.
  run fleet_exec alpha stat -c '%n %U:%G %a' /var/spool/kindling/reports /var/spool/kindling/merging \
    /var/spool/kindling/reports/bravo /var/spool/kindling/reports/charlie
  assert_output "$(printf '%s\n' '/var/spool/kindling/reports root:root 755' '/var/spool/kindling/merging root:root 700' \
    '/var/spool/kindling/reports/bravo root:kb-bravo 1770' '/var/spool/kindling/reports/charlie root:kb-charlie 1770')"
  # known_hosts (root-only folder) names the one peer alpha connects to, bravo, and trusts
  # no key until the inventory has bravo's; it is the file of dist/alpha/.
  run fleet_exec alpha stat -c '%U:%G %a' /var/lib/kindling/ssh/known_hosts
  assert_output 'root:root 644'
  run fleet_exec alpha cat /var/lib/kindling/ssh/known_hosts
  assert_output "$(cat "$BATS_FILE_TMPDIR/dist/alpha/known_hosts")"
  assert_line '# bravo (bravo): no sshHostKey in the inventory yet'
  refute_line --regexp '^[^#]'
  run fleet_exec alpha crontab -u root -l
  assert_output "$(printf 'MAILTO=root\n15 4 * * * /usr/bin/true # rotate\n'; cat "$BATS_FILE_TMPDIR/dist/alpha/crontab")"
  run fleet_exec alpha cmp /tmp/dist/kindling-fetch /usr/local/bin/kindling-fetch
  assert_success
}

@test "a second setup run reports no change and leaves the system state identical" {
  local before
  before=$(system_state)
  run fleet_exec alpha bash /tmp/dist/setup
  assert_success
  assert_line --index 0 'setup: no changes; alpha is set up'
  assert_equal "$(system_state)" "$before"
}

@test "setup puts back its own crontab block and a changed mode, and keeps the jobs around them" {
  fleet_exec alpha sh -c 'crontab -u root -l | sed "s/^0 2 \* \* \* /5 3 * * * /" | { echo "0 1 * * * /usr/bin/true # first"; cat; } | crontab -u root -'
  fleet_exec alpha chmod 0777 /archive/blaze-backup
  run fleet_exec alpha bash /tmp/dist/setup
  assert_success
  assert_line 'set /archive/blaze-backup to root:root 0755 (was root:root 777)'
  assert_line "merge the kindling block into root's crontab"
  run fleet_exec alpha crontab -u root -l
  assert_output "$(printf '0 1 * * * /usr/bin/true # first\nMAILTO=root\n15 4 * * * /usr/bin/true # rotate\n'; cat "$BATS_FILE_TMPDIR/dist/alpha/crontab")"
  run fleet_exec alpha stat -c %a /archive/blaze-backup
  assert_output 755
}

# The /archive line setup writes now, and the one releases before the nofail change wrote.
readonly PLANNED_FSTAB_LINE='/dev/mapper/alpha-archive /archive ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2'
readonly EARLIER_FSTAB_LINE='/dev/mapper/alpha-archive /archive ext4 defaults 0 2'

# Puts LINE in place of alpha's /archive line of fstab: fstab_archive_line LINE
fstab_archive_line() {
  fleet_exec alpha sed -i "s|^[^#][^ ]* /archive .*|$1|" /etc/fstab
  run fleet_exec alpha grep -c -x -F -- "$1" /etc/fstab
  assert_output 1
}

# Prints the backups setup made of alpha's fstab, one a line.
fstab_backups() {
  fleet_exec alpha find /etc -maxdepth 1 -name 'fstab.before-kindling-*'
}

@test "setup replaces the /archive line an earlier kindling wrote (no nofail), keeping a backup; a dry run says so first" {
  local before replaced
  fstab_archive_line "$EARLIER_FSTAB_LINE"
  before=$(fleet_exec alpha cat /etc/fstab)
  local replace="replace the /archive line of an earlier kindling in /etc/fstab ('${EARLIER_FSTAB_LINE}') by: ${PLANNED_FSTAB_LINE}"
  run fleet_exec alpha bash /tmp/dist/setup --dry-run
  assert_success
  assert_line "would ${replace}"
  assert_equal "$(fleet_exec alpha cat /etc/fstab)" "$before"
  assert_equal "backups: $(fstab_backups)" "backups: "

  run fleet_exec alpha bash /tmp/dist/setup
  assert_success
  assert_line "$replace"
  # Only that line changed; the file as it was is kept beside it.
  replaced=${before//"$EARLIER_FSTAB_LINE"/"$PLANNED_FSTAB_LINE"}
  assert_not_equal "$replaced" "$before"
  assert_equal "$(fleet_exec alpha cat /etc/fstab)" "$replaced"
  run fstab_backups
  assert_equal "${#lines[@]}" 1
  assert_equal "$(fleet_exec alpha cat "${lines[0]}")" "$before"
  run fleet_exec alpha stat -c '%U:%G %a' /etc/fstab
  assert_output 'root:root 644'
  run fleet_exec alpha findmnt --verify --tab-file /etc/fstab
  assert_success
  run fleet_exec alpha grep -F "kept /etc/fstab as it was in /etc/fstab.before-kindling-" /var/log/blaze-backup.log
  assert_success
  fleet_exec alpha sh -c 'rm -f /etc/fstab.before-kindling-*'
}

@test "setup leaves its current /archive line as it is: no change, no backup" {
  fstab_archive_line "$PLANNED_FSTAB_LINE"
  local before
  before=$(fleet_exec alpha stat -c '%Y %s' /etc/fstab; fleet_exec alpha cat /etc/fstab)
  run fleet_exec alpha bash /tmp/dist/setup
  assert_success
  assert_line --index 0 'setup: no changes; alpha is set up'
  refute_output --partial fstab
  assert_equal "$(fleet_exec alpha stat -c '%Y %s' /etc/fstab; fleet_exec alpha cat /etc/fstab)" "$before"
  assert_equal "backups: $(fstab_backups)" "backups: "
}

@test "setup leaves an administrator's own /archive line alone, with a warning" {
  local line before
  # Another device, and the earlier kindling line with one field changed by hand.
  for line in '/dev/sdz1 /archive xfs noatime 0 0' '/dev/mapper/alpha-archive /archive ext4 defaults 0 0'; do
    fstab_archive_line "$line"
    before=$(fleet_exec alpha cat /etc/fstab)
    run --separate-stderr fleet_exec alpha bash /tmp/dist/setup
    assert_success
    assert_line --index 0 'setup: no changes; alpha is set up'
    # shellcheck disable=SC2154 # bats sets stderr
    assert_regex "$stderr" " alpha setup\[[0-9]+\] WARN /etc/fstab mounts /archive as '${line}', not as planned \('${PLANNED_FSTAB_LINE}'\); it is not a line kindling wrote, so it stays as it is: "
    assert_equal "$(fleet_exec alpha cat /etc/fstab)" "$before"
    assert_equal "backups: $(fstab_backups)" "backups: "
  done
  run fleet_exec alpha grep -c -F "WARN /etc/fstab mounts /archive as '/dev/sdz1 /archive xfs noatime 0 0'" /var/log/blaze-backup.log
  assert_output 1
}

# Runs alpha's setup with PROGRAM hidden (/dev/null mounted over it): setup_without PROGRAM
setup_without() {
  fleet_exec alpha unshare --mount --propagation private \
    sh -c 'mount --bind /dev/null "$1" && exec bash /tmp/dist/setup' _ "$1"
}

@test "setup refuses (2) and changes nothing when rrsync is missing" {
  local before
  before=$(system_state)
  run setup_without /usr/bin/rrsync
  assert_failure 2
  assert_output --partial 'setup: /usr/bin/rrsync is missing (every transfer needs it):'
  assert_output --partial 'apt-get install rsync'
  assert_output --partial 'nothing was changed'
  refute_output --partial 'no changes'
  assert_equal "$(system_state)" "$before"
}

@test "setup refuses (2) under Debian's cron when the system zone is not the host's" {
  local before
  before=$(system_state)
  # Without the test fleet's crond (its tests run the block with CRON_TZ), Debian's cron
  # runs root's crontab, and alpha's system zone is UTC, not America/Toronto.
  run setup_without /usr/local/sbin/crond
  assert_failure 2
  assert_output --partial 'this cron ignores CRON_TZ, and the system zone is UTC,'
  assert_output --partial '(timedatectl set-timezone America/Toronto) or install cronie'
  assert_equal "$(system_state)" "$before"
}

@test "setup stops (2) when /archive is not mounted and its device is absent, creating nothing on the root file system" {
  run fleet_exec alpha unshare --mount --propagation private sh -c '
    umount /archive && [ -z "$(ls -A /archive)" ] || exit 99
    bash /tmp/dist/setup; status=$?
    echo "status $status"; echo "archive: $(ls -A /archive)"'
  assert_line 'status 2'
  assert_line 'archive: '
  assert_output --partial '/archive is not mounted and its device /dev/mapper/alpha-archive is not attached:'
  assert_output --partial 'no folder under /archive on the root file system'
}

@test "setup mounts /archive from its fstab line when the device is there, then makes the folders on it" {
  local image
  image="$(fleet_dir alpha)/tmp/archive.img"
  # No /archive line yet (an earlier test left a foreign one): setup adds it, then mounts.
  fleet_exec alpha sed -i '\| /archive |d' /etc/fstab
  truncate -s 8M "$image"
  mkfs.ext4 -q -F "$image"
  # The planned device, /dev/mapper/alpha-archive, appears as a link to a loop device, in a
  # private /dev of this mount namespace only (the host's /dev is the machine's).
  run fleet_exec alpha unshare --mount --propagation private bash -c '
    set -e
    umount /archive
    device=$(losetup --find --show "$1")
    trap "umount /archive 2>/dev/null; losetup -d $device" EXIT
    mkdir -p /tmp/dev
    mount -t tmpfs -o size=1m kindling-dev /tmp/dev
    cp -a /dev/null /dev/zero /dev/random /dev/urandom "$device" /tmp/dev/
    mkdir /tmp/dev/mapper
    ln -s "$device" /tmp/dev/mapper/alpha-archive
    mount --bind /tmp/dev /dev
    bash /tmp/dist/setup >/tmp/setup.out 2>&1 || { cat /tmp/setup.out; exit 1; }
    cat /tmp/setup.out
    findmnt -n -o SOURCE,OPTIONS /archive
    stat -c "%n %U %a" /archive/blaze-backup/alpha
  ' _ /tmp/archive.img
  assert_success
  assert_line 'add to /etc/fstab: /dev/mapper/alpha-archive /archive ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2'
  assert_line 'mount /archive (/dev/mapper/alpha-archive)'
  assert_line --regexp '^/dev/loop[0-9]+ rw,'
  assert_line '/archive/blaze-backup/alpha root 700'
}
