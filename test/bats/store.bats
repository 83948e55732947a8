#!/usr/bin/env bats
# The write-once store and its quotas, attacked for real (issue 11): the three hosts of
# wf-fleet.yaml in network namespaces, each with its own sshd (helpers/wf-fleet.bash). bravo
# plays a compromised sender: with its real key it sends hand-made rsync requests to alpha's
# kindling-receive. Each test shows that alpha refused, said why, and that every copy alpha
# holds is unchanged byte for byte.
load common
load helpers/wf-fleet

# bravo's and charlie's root key, as wildfire uses it (known host keys required).
PEER_SSH='ssh -i /var/lib/kindling/ssh/id_ed25519 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/kindling/ssh/known_hosts -o ConnectTimeout=3'

setup_file() {
  wf_fleet_up
  local archive
  archive="$(fleet_dir bravo)/archive/blaze-backup/bravo"
  printf 'etc of the 20th\n' >"$archive/bravo-etc-Nov-20-2026.tar.bz2"
  printf 'cron of the 20th\n' >"$archive/bravo-cron-Nov-20-2026.tar.bz2"
  mkdir -p "$(fleet_dir bravo)/mnt/repo/f42"
  printf 'package a\n' >"$(fleet_dir bravo)/mnt/repo/f42/a.rpm"
  # The mounted, marked repository wildfire requires (a bind mount here).
  touch "$(fleet_dir bravo)/mnt/repo/.kindling-repository"
  fleet_exec bravo mount --bind /mnt/repo /mnt/repo
  printf 'charlie etc\n' >"$(fleet_dir charlie)/archive/blaze-backup/charlie/charlie-etc-Nov-20-2026.tar.bz2"
  fleet_exec bravo wildfire
  fleet_exec charlie wildfire
}

teardown_file() {
  wf_fleet_down
}

# The account SENDER logs into on alpha (its own): account_on_alpha SENDER
account_on_alpha() {
  printf 'kb-%s\n' "$1"
}

# Runs COMMAND on alpha in a shell as ACCOUNT, as an escape from kindling-receive (an rsync
# server bug) would: as_account ACCOUNT COMMAND
as_account() {
  fleet_exec alpha su -s /bin/bash "$1" -c "$2"
}

# Prints "path size sha256 mtime" of every file under a host's /archive, and every entry
# that is not a file or folder, sorted: archive_state HOST
archive_state() {
  local root
  root="$(fleet_dir "$1")/archive"
  (cd "$root" && find . -mindepth 1 -printf '%P %y\n' | LC_ALL=C sort | while read -r f type; do
    if [[ "$type" == f ]]; then
      printf '%s %s %s %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %Y "$f")"
    else
      printf '%s %s\n' "$f" "$type"
    fi
  done)
}

# Runs rsync on bravo with bravo's key against alpha's store: bravo_store ARGS...
# (the last argument is the source on bravo; the destination is bravo's folder on alpha).
bravo_store() {
  run fleet_exec bravo rsync -e "$PEER_SSH" --rsync-path=store "$@" "$(account_on_alpha bravo)@alpha:"
}

@test "wildfire stored bravo's and charlie's copies on alpha (the baseline of the attacks)" {
  run archive_state alpha
  assert_line --regexp '^blaze-backup/bravo/bravo-etc-Nov-20-2026.tar.bz2 16 '
  assert_line --regexp '^blaze-backup/charlie/charlie-etc-Nov-20-2026.tar.bz2 12 '
}

@test "every rsync option outside wildfire's own is refused, logged to the sender, and changes nothing" {
  local before option
  before=$(archive_state alpha)
  fleet_exec bravo bash -c 'mkdir -p /tmp/attack && printf "forged\n" >/tmp/attack/bravo-etc-Nov-20-2026.tar.bz2
    printf "new\n" >/tmp/attack/bravo-new-Nov-21-2026.tar.bz2'
  # Each row: the client's options that put the attack into the server's command line.
  local -a attacks=(
    '-M--log-file=bravo-etc-Nov-20-2026.tar.bz2'
    '-M--log-file-format=%f'
    '--partial-dir=.p'
    '--temp-dir=.'
    '-b'
    '--backup-dir=old'
    '--suffix=.old -b'
    '--delay-updates'
    '--link-dest=.'
    '--compare-dest=.'
    '--copy-dest=.'
    '-M--files-from=bravo-cron-Nov-20-2026.tar.bz2'
    '-M--filter=merge_bravo-cron-Nov-20-2026.tar.bz2'
    '-M-f-_*'
    '--delete'
    '--delete-after'
    '--remove-source-files'
    '-l'
    '--links'
    '-D'
    '--devices'
    '--specials'
    '-H'
    '--inplace'
    '--append'
    '--append-verify'
    '-M--usermap=*:root'
    '-I'
    '-c'
    '-a'
    '-M--max-size=10G'
    '-M--ignore-existing'
    '-M--sender'
    '-z'
  )
  for option in "${attacks[@]}"; do
    # shellcheck disable=SC2086 # each row is the options' words
    bravo_store -rt $option /tmp/attack/
    assert_failure
    assert_output --partial 'refused: store from bravo: '
    assert_equal "$(archive_state alpha)" "$before"
  done
  # A destination other than its folder, and words wildfire never sends.
  run fleet_exec bravo rsync -rt -e "$PEER_SSH" --rsync-path=store /tmp/attack/ "$(account_on_alpha bravo)@alpha:sub"
  assert_failure
  assert_output --partial 'refused: store from bravo: the destination must be its folder'
  run fleet_exec bravo rsync -rt -e "$PEER_SSH" --rsync-path=store /tmp/attack/ "$(account_on_alpha bravo)@alpha:../charlie/"
  assert_failure
  assert_output --partial 'refused: store from bravo: characters wildfire never sends'
  run fleet_exec bravo $PEER_SSH "$(account_on_alpha bravo)@alpha" 'store --server -tre.iLsfxCIvu . .\ x'
  assert_failure 1
  assert_output --partial 'characters wildfire never sends'
  assert_equal "$(archive_state alpha)" "$before"
}

@test "a name already stored is never changed, even by wildfire's own options with a newer copy" {
  local before
  before=$(archive_state alpha)
  fleet_exec bravo bash -c 'mkdir -p /tmp/newer && printf "rewritten\n" >/tmp/newer/bravo-etc-Nov-20-2026.tar.bz2
    touch -d "2030-01-01" /tmp/newer/bravo-etc-Nov-20-2026.tar.bz2'
  bravo_store -rt /tmp/newer/
  assert_success
  assert_equal "$(archive_state alpha)" "$before"
}

@test "a symlink, a fifo, a device and a hard link are not stored, sent as wildfire sends or otherwise" {
  local before
  before=$(archive_state alpha)
  fleet_exec bravo bash -c 'set -e; mkdir -p /tmp/special; cd /tmp/special
    ln -sf /etc/shadow bravo-link-Nov-21-2026.tar.bz2
    mkfifo bravo-fifo-Nov-21-2026.tar.bz2
    mknod bravo-null-Nov-21-2026.tar.bz2 c 1 3'
  # wildfire's options (-rt): rsync skips what is not a regular file.
  bravo_store -rt /tmp/special/
  assert_success
  assert_equal "$(archive_state alpha)" "$before"
  # With the options that would keep them, the request is refused.
  local option
  for option in -l -D --specials -a -H; do
    bravo_store -rt "$option" /tmp/special/
    assert_failure
    assert_output --partial 'is not allowed (write-once store)'
  done
  assert_equal "$(archive_state alpha)" "$before"
  # Two names of one file arrive as two independent files.
  fleet_exec bravo bash -c 'mkdir -p /tmp/hard && printf "one\n" >/tmp/hard/bravo-h1-Nov-21-2026.tar.bz2
    ln -f /tmp/hard/bravo-h1-Nov-21-2026.tar.bz2 /tmp/hard/bravo-h2-Nov-21-2026.tar.bz2'
  bravo_store -rt /tmp/hard/
  assert_success
  run stat -c %h "$(fleet_dir alpha)/archive/blaze-backup/bravo/bravo-h1-Nov-21-2026.tar.bz2"
  assert_output 1
  run find "$(fleet_dir alpha)/archive" ! -type f ! -type d
  assert_output ''
}

@test "a flood of report lines from bravo waits in its spool, and root's merge appends 8 a night" {
  local log i accepted=0 refused=0
  log="$(fleet_dir alpha)/var-log/blaze-wildfire.log"
  for i in $(seq 1 12); do
    if fleet_exec bravo sh -c "echo 'blaze OK flood $i' | $PEER_SSH $(account_on_alpha bravo)@alpha report" 2>/dev/null; then
      accepted=$((accepted + 1))
    else
      refused=$((refused + 1))
    fi
  done
  # wildfire's summary of the night waits in the spool too: 8 wait, the rest is refused.
  assert_equal "$accepted" 7
  assert_equal "$refused" 5
  run fleet_exec bravo sh -c "echo 'blaze OK one more' | $PEER_SSH $(account_on_alpha bravo)@alpha report"
  assert_failure 1
  assert_output --partial 'refused: report from bravo: 8 lines wait for the merge already'
  # Nothing reaches the aggregated log until root merges (cron: every 5 minutes).
  run grep -c ' bravo ' "$log"
  assert_output 0
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -c ' bravo ' "$log"
  assert_output 8
  run grep ' bravo ' "$log"
  assert_line --regexp '^[0-9T:-]+Z bravo blaze OK flood 1$'
  # The spool is free again, but root counts the night: more lines are taken and dropped.
  run fleet_exec bravo sh -c "echo 'blaze OK one more' | $PEER_SSH $(account_on_alpha bravo)@alpha report"
  assert_success
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -c ' bravo ' "$log"
  assert_output 8
  run grep -c 'report from bravo: 1 line(s) past 8' "$(fleet_dir alpha)/var-log/blaze-backup.log"
  assert_output 1
  # charlie's lines are its own.
  run fleet_exec charlie sh -c "echo 'blaze OK charlie' | $PEER_SSH $(account_on_alpha charlie)@alpha report"
  assert_success
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -c ' charlie blaze OK charlie$' "$log"
  assert_output 1
}

@test "a peer filling a target: a file over the budget is not stored, then the full folder refuses; charlie still stores" {
  # bravo's budget on alpha: (64K+4K+4K+64K) × (30 + 2) × 1.25 = 5570560 bytes.
  run fleet_exec alpha grep -x '  \[bravo\]=5570560' /usr/local/bin/kindling-receive
  assert_success
  fleet_exec bravo bash -c 'mkdir -p /tmp/big /tmp/fill1 /tmp/fill2 /tmp/fill3
    head -c 6000000 /dev/zero >/tmp/big/bravo-big-Nov-22-2026.tar.bz2
    head -c 3000000 /dev/zero >/tmp/fill1/bravo-f1-Nov-22-2026.tar.bz2
    head -c 3000000 /dev/zero >/tmp/fill2/bravo-f2-Nov-22-2026.tar.bz2
    head -c 3000000 /dev/zero >/tmp/fill3/bravo-f3-Nov-22-2026.tar.bz2'
  local folder
  folder="$(fleet_dir alpha)/archive/blaze-backup/bravo"
  bravo_store -rt /tmp/big/
  assert_output --partial 'bravo-big-Nov-22-2026.tar.bz2 is over max-size'
  [[ ! -e "$folder/bravo-big-Nov-22-2026.tar.bz2" ]]
  bravo_store -rt /tmp/fill1/
  assert_success
  [[ -e "$folder/bravo-f1-Nov-22-2026.tar.bz2" ]]
  # 3 MB stored, 2.5 MB left: the next 3 MB file does not fit.
  bravo_store -rt /tmp/fill2/
  assert_output --partial 'is over max-size'
  [[ ! -e "$folder/bravo-f2-Nov-22-2026.tar.bz2" ]]
  # At the budget (alpha's own admin put a copy there, say): refused whole, with a reason.
  head -c 3000000 /dev/zero >"$folder/bravo-f3-Nov-22-2026.tar.bz2"
  bravo_store -rt /tmp/fill3/
  assert_failure
  assert_output --regexp 'refused: store from bravo: its folder on alpha holds [0-9]+ bytes, at or over its budget of 5570560 bytes'
  rm -f "$folder/bravo-f3-Nov-22-2026.tar.bz2"
  # charlie's folder has its own budget: charlie's wildfire still stores.
  printf 'charlie cron\n' >"$(fleet_dir charlie)/archive/blaze-backup/charlie/charlie-cron-Nov-22-2026.tar.bz2"
  run fleet_exec charlie wildfire
  assert_success
  [[ -e "$(fleet_dir alpha)/archive/blaze-backup/charlie/charlie-cron-Nov-22-2026.tar.bz2" ]]
}

@test "store is refused at alpha's free-space floor, and alpha's own blaze still runs" {
  # A 1 GiB + 8 MiB archive volume on alpha (the floor is 1 GiB), set up as setup does.
  fleet_exec alpha bash -c 'set -e; mkdir -p /tmp/kbin; cp -a /usr/local/bin/{blaze,kindling-*,restore,setup,wildfire} /tmp/kbin/
    mount -t tmpfs -o mode=0755 wf-kbin /usr/local/bin; cp -a /tmp/kbin/. /usr/local/bin/
    mount -t tmpfs -o size=1032M,mode=0755 wf-small-archive /archive
    install -d -m 0755 /archive/blaze-backup
    install -d -m 0700 /archive/blaze-backup/alpha
    install -d -o root -g kb-bravo -m 1770 /archive/blaze-backup/bravo
    install -d -o root -g kb-charlie -m 1770 /archive/blaze-backup/charlie'
  fleet_exec bravo bash -c 'mkdir -p /tmp/floor1 /tmp/floor2
    head -c 4000000 /dev/urandom >/tmp/floor1/bravo-x1-Nov-23-2026.tar.bz2
    printf "small\n" >/tmp/floor2/bravo-x2-Nov-23-2026.tar.bz2'
  # 8 MiB above the floor: the room is the smaller of the budget and that.
  bravo_store -rt /tmp/floor1/
  assert_success
  # Fill alpha to 4 KiB under the floor.
  fleet_exec alpha bash -c 'avail=$(df -B1 --output=avail /archive | tail -n 1)
    fallocate -l $((avail - 1073741824 + 4096)) /archive/filler'
  bravo_store -rt /tmp/floor2/
  assert_failure
  assert_output --regexp 'refused: store from bravo: /archive on alpha has [0-9]+ bytes free, at or under its floor of 1073741824'
  run fleet_exec alpha test -e /archive/blaze-backup/bravo/bravo-x2-Nov-23-2026.tar.bz2
  assert_failure
  # alpha's blaze writes its own night into the room the floor kept.
  run fleet_exec alpha blaze
  assert_success
  run fleet_exec alpha bash -c 'ls /archive/blaze-backup/alpha/'
  assert_output --partial 'alpha-etc-'
  fleet_exec alpha umount /archive
  fleet_exec alpha umount /usr/local/bin
}

@test "store into an unmounted /archive is refused and writes nothing" {
  fleet_exec alpha bash -c 'mkdir -p /tmp/kept-archive && mount --bind /archive /tmp/kept-archive && umount /archive'
  fleet_exec bravo bash -c 'mkdir -p /tmp/unmounted && printf "x\n" >/tmp/unmounted/bravo-u-Nov-24-2026.tar.bz2'
  bravo_store -rt /tmp/unmounted/
  local status_after=$status output_after=$output
  run fleet_exec alpha find /archive -mindepth 1
  local bare=$output
  fleet_exec alpha bash -c 'mount --bind /tmp/kept-archive /archive && umount /tmp/kept-archive'
  assert_equal "$status_after" 12
  [[ "$output_after" == *'refused: store from bravo: /archive is not mounted on alpha'* ]]
  assert_equal "$bare" ''
}

@test "each sender stores as its own account into a sticky folder: temporary name, then rename; blaze takes each copy" {
  local folder
  folder="$(fleet_dir alpha)/archive/blaze-backup/bravo"
  run fleet_exec alpha stat -c '%U:%G %a' /archive/blaze-backup/bravo /archive/blaze-backup/charlie /archive/blaze-backup
  assert_output $'root:kb-bravo 1770\nroot:kb-charlie 1770\nroot:root 755'
  # wildfire's store: rsync writes a hidden temporary and renames it, as kb-bravo.
  printf 'cron of the 25th\n' >"$(fleet_dir bravo)/archive/blaze-backup/bravo/bravo-cron-Nov-25-2026.tar.bz2"
  run fleet_exec bravo wildfire
  assert_success
  run fleet_exec alpha stat -c '%U:%G' /archive/blaze-backup/bravo/bravo-cron-Nov-25-2026.tar.bz2
  assert_output 'kb-bravo:kb-bravo'
  run find "$folder" -name '.*'
  assert_output ''
  # alpha's blaze takes every arrived copy: root's, the sender's group, read-only.
  run fleet_exec alpha blaze
  assert_success
  run fleet_exec alpha bash -c "stat -c '%U:%G %a' /archive/blaze-backup/bravo/* | sort -u"
  assert_output 'root:kb-bravo 440'
  # A copy blaze took is still never rewritten, and bravo's restore still reads its copies.
  local before
  before=$(archive_state alpha)
  fleet_exec bravo bash -c 'mkdir -p /tmp/again && printf "other\n" >/tmp/again/bravo-cron-Nov-25-2026.tar.bz2'
  bravo_store -rt /tmp/again/
  assert_success
  assert_equal "$(archive_state alpha)" "$before"
  run fleet_exec bravo rsync -e "$PEER_SSH" --rsync-path=copies "$(account_on_alpha bravo)@alpha:bravo-cron-Nov-25-2026.tar.bz2" /tmp/read-back
  assert_success
  run fleet_exec bravo cat /tmp/read-back
  assert_output 'cron of the 25th'
}

@test "an escape as kb-bravo reaches no other sender's copies, cannot touch its own once taken, nor the aggregated log" {
  fleet_exec alpha blaze >/dev/null 2>&1 || true
  local before charlie_copy=/archive/blaze-backup/charlie/charlie-etc-Nov-20-2026.tar.bz2
  local own=/archive/blaze-backup/bravo/bravo-etc-Nov-20-2026.tar.bz2
  before=$(archive_state alpha)
  # Another sender's folder: not listed, not read, not written.
  run as_account kb-bravo 'ls /archive/blaze-backup/charlie'
  assert_failure
  assert_output --partial 'Permission denied'
  run as_account kb-bravo "cat $charlie_copy"
  assert_failure
  run as_account kb-bravo "rm -f $charlie_copy"
  assert_failure
  run as_account kb-bravo 'printf x >/archive/blaze-backup/charlie/bravo-was-here'
  assert_failure
  run as_account kb-bravo 'ls /archive/blaze-backup/alpha'
  assert_failure
  # Its own copies, once blaze took them: readable, but not deleted, renamed, rewritten or appended.
  run as_account kb-bravo "cat $own"
  assert_success
  assert_output 'etc of the 20th'
  for attack in "rm -f $own" "mv $own $own.x" "printf x >>$own" "printf x >$own" \
    "chmod 0666 $own" "touch -d 2099-01-01 $own" "ln -sf /etc/shadow $own"; do
    run as_account kb-bravo "$attack"
    assert_failure
  done
  # The aggregated log and root's report counts are root's.
  run as_account kb-bravo 'printf "forged\n" >>/var/log/blaze-wildfire.log'
  assert_failure
  run as_account kb-bravo 'ls /var/spool/kindling/reports/charlie'
  assert_failure
  run stat -c '%U:%G %a' "$(fleet_dir alpha)/var-log/blaze-wildfire.log"
  assert_output 'root:root 644'
  assert_equal "$(archive_state alpha)" "$before"
  # What it can still do: add a new name to its own folder (taken by the next blaze).
  run as_account kb-bravo 'printf new >/archive/blaze-backup/bravo/bravo-new-Nov-26-2026.tar.bz2'
  assert_success
}

@test "an escaped account's forged spool: lines are appended as its own caller, links and floods are dropped" {
  local log spool=/var/spool/kindling/reports/bravo
  log="$(fleet_dir alpha)/var-log/blaze-wildfire.log"
  # What earlier tests left in the spool is merged first; then root's count starts afresh.
  fleet_exec alpha kindling-deadman --merge-reports
  fleet_exec alpha rm -rf /var/lib/kindling/report-counts
  # A line that claims to be charlie's, a link to root's shadow, a fifo, 30 more lines.
  as_account kb-bravo "printf '2026-11-29T01:00:00Z charlie blaze OK forged\n' >$spool/report.1
    ln -s /etc/shadow $spool/report.2
    mkfifo $spool/report.3
    for i in \$(seq 10 40); do printf '2026-11-29T01:00:00Z blaze OK flood %d\n' \$i >$spool/report.\$i; done"
  local shadow
  shadow=$(fleet_exec alpha sha256sum /etc/shadow)
  fleet_exec alpha kindling-deadman --merge-reports
  # The line that names charlie is not a valid report (the caller is the folder's, never the
  # line's); of the flood, 8 lines are bravo's tonight.
  run grep -c 'forged' "$log"
  assert_output 0
  run grep -c '^2026-11-29T01:00:00Z bravo blaze OK flood ' "$log"
  assert_output 8
  assert_equal "$(fleet_exec alpha sha256sum /etc/shadow)" "$shadow"
  run fleet_exec alpha find "$spool" -mindepth 1
  assert_output ''
  run grep -E 'report from bravo: ([0-9]+ spooled file\(s\) not a valid report|[0-9]+ line\(s\) past 8)' "$(fleet_dir alpha)/var-log/blaze-backup.log"
  assert_success
}

@test "a key pasted into another peer's account is refused by kindling-receive" {
  local keys=/var/lib/kindling/home/kb-charlie/.ssh/authorized_keys
  fleet_exec alpha bash -c "cp $keys /tmp/charlie-keys && grep 'kindling-receive bravo' /var/lib/kindling/home/kb-bravo/.ssh/authorized_keys >>$keys"
  run fleet_exec bravo sh -c "echo 'blaze OK wrong account' | $PEER_SSH kb-charlie@alpha report"
  fleet_exec alpha cp /tmp/charlie-keys "$keys"
  assert_failure 1
  assert_output --partial 'refused: bravo may not log in to alpha as kb-charlie (its account here: kb-bravo)'
  run fleet_exec bravo rsync -rt -e "$PEER_SSH" --rsync-path=store /tmp/ kb-charlie@alpha:
  assert_failure
}

@test "setup locks an account it made that the plan no longer has, and removes its key; its copies stay" {
  # kb-gone: the account of a peer since removed from the inventory, with bravo's key.
  fleet_exec alpha bash -c 'set -e
    useradd --system --user-group --home-dir /var/lib/kindling/home/kb-gone --no-create-home --shell /bin/sh --password "*" kb-gone
    install -d -m 0755 /var/lib/kindling/home/kb-gone /var/lib/kindling/home/kb-gone/.ssh
    sed "s/kindling-receive bravo/kindling-receive gone/" /var/lib/kindling/home/kb-bravo/.ssh/authorized_keys >/var/lib/kindling/home/kb-gone/.ssh/authorized_keys
    install -d -o root -g kb-gone -m 1770 /archive/blaze-backup/gone
    printf "old copy\n" >/archive/blaze-backup/gone/gone-etc-Nov-01-2026.tar.bz2'
  # It logs in (kindling-receive then refuses the unknown caller).
  run fleet_exec bravo sh -c "echo 'blaze OK' | $PEER_SSH kb-gone@alpha report"
  assert_failure 1
  assert_output --partial 'refused: gone may not log in to alpha'
  run fleet_exec alpha setup --dry-run
  assert_success
  assert_output --partial 'would remove the authorized_keys of kb-gone (no longer in the plan)'
  assert_output --partial 'would lock the account kb-gone (no longer in the plan)'
  run fleet_exec alpha setup
  assert_success
  assert_output --partial 'lock the account kb-gone (no longer in the plan)'
  run fleet_exec alpha setup
  assert_success
  assert_output --partial 'setup: no changes'
  run fleet_exec bravo sh -c "echo 'blaze OK' | $PEER_SSH kb-gone@alpha report"
  assert_failure 255
  run fleet_exec alpha cat /archive/blaze-backup/gone/gone-etc-Nov-01-2026.tar.bz2
  assert_output 'old copy'
  # The planned accounts are untouched: bravo still reports.
  run fleet_exec bravo sh -c "echo 'blaze OK still in' | $PEER_SSH kb-bravo@alpha report"
  assert_success
}
