#!/usr/bin/env bats
# The nightly chain across hosts, for real: three hosts of wf-fleet.yaml in network
# namespaces, each with its own sshd, set up by the generated setup (helpers/wf-fleet.bash).
# bravo's wildfire copies to alpha and charlie and mirrors its repository to charlie; every
# connection lands in the target's kindling-receive. Also here, because they need the same
# fleet: the authorized_keys restriction, kindling-fetch over ssh from the admin host, and
# restore reading copies back from a target.
load common
load helpers/wf-fleet

# bravo's root key, as wildfire uses it (known host keys required).
BRAVO_SSH='ssh -i /var/lib/kindling/ssh/id_ed25519 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/kindling/ssh/known_hosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=3'

setup_file() {
  wf_fleet_up
  local archive work
  archive="$(fleet_dir bravo)/archive/blaze-backup/bravo"
  work="$BATS_FILE_TMPDIR/archives"
  # Two nights of etc (a file that changed between them), a cron and a bigger
  # userlocalbin archive, and blaze's hidden temporary file of a third night.
  mkdir -p "$work/19/etc" "$work/20/etc" "$work/20/cron" "$work/20/bin"
  printf 'version 1\n' >"$work/19/etc/wf-version"
  printf 'version 2\n' >"$work/20/etc/wf-version"
  printf '20 2 * * * true\n' >"$work/20/cron/root"
  head -c 3000000 /dev/urandom >"$work/20/bin/tool"
  tar -C "$work/19" -cjf "$archive/bravo-etc-Nov-19-2026.tar.bz2" etc
  tar -C "$work/20" -cjf "$archive/bravo-etc-Nov-20-2026.tar.bz2" etc
  tar -C "$work/20" -cjf "$archive/bravo-cron-Nov-20-2026.tar.bz2" cron
  tar -C "$work/20" -cf - bin | bzip2 -1 >"$archive/bravo-userlocalbin-Nov-20-2026.tar.bz2"
  touch -d '2026-11-19 02:15' "$archive/bravo-etc-Nov-19-2026.tar.bz2"
  # Each night's manifest, as bravo's blaze writes it (restore --from checks copies with it).
  (cd "$archive" && sha256sum bravo-etc-Nov-19-2026.tar.bz2 >bravo-manifest-Nov-19-2026.sha256 \
    && sha256sum bravo-{etc,cron,userlocalbin}-Nov-20-2026.tar.bz2 >bravo-manifest-Nov-20-2026.sha256)
  printf 'half written' >"$archive/.bravo-etc-Nov-21-2026.tar.bz2.partial"
  mkdir -p "$(fleet_dir bravo)/mnt/repo/f42/x86_64"
  printf 'package a\n' >"$(fleet_dir bravo)/mnt/repo/f42/x86_64/a.rpm"
  printf 'package b\n' >"$(fleet_dir bravo)/mnt/repo/f42/x86_64/b.rpm"
  # 18 more packages: one package a night is a small share of the repository, as in life
  # (a night may delete at most 10 % of a copy's files).
  local n
  for n in $(seq -w 1 18); do printf 'base %s\n' "$n" >"$(fleet_dir bravo)/mnt/repo/f42/x86_64/base-$n.rpm"; done
  # The repository is a mount of its own on bravo (a bind mount here) with the marker file.
  touch "$(fleet_dir bravo)/mnt/repo/.kindling-repository"
  fleet_exec bravo mount --bind /mnt/repo /mnt/repo
  printf 'charlie etc\n' >"$(fleet_dir charlie)/archive/blaze-backup/charlie/charlie-etc-Nov-20-2026.tar.bz2"
}

teardown_file() {
  wf_fleet_down
}

# Prints "path size sha256 mtime" of every file under a host's /archive (as seen from
# outside), sorted: archive_files HOST
archive_files() {
  local root
  root="$(fleet_dir "$1")/archive"
  (cd "$root" && find . -type f -printf '%P\n' | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s %s %s %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %Y "$f")"
  done)
}

# Prints the same for bravo's own copies, as they should appear under blaze-backup/bravo/.
bravo_copies() {
  archive_files bravo | grep '^blaze-backup/bravo/bravo-'
}

# Runs bravo's wildfire and keeps the log lines of that run in RUN_LOG. These tests run many
# nights in one day: bravo's spool on alpha is merged and root's count of its report lines
# (at most 8 a night, tested in store.bats) starts afresh for each run.
# Prints the path of alpha's aggregated log after root's merge of the spooled reports (as its
# cron job every 5 minutes would have done by then).
aggregated_log() {
  fleet_exec alpha kindling-deadman --merge-reports >/dev/null
  printf '%s\n' "$(fleet_dir alpha)/var-log/blaze-wildfire.log"
}

run_wildfire() {
  local before
  fleet_exec alpha kindling-deadman --merge-reports
  fleet_exec alpha rm -f /var/lib/kindling/report-counts/bravo
  before=$(wc -l 2>/dev/null <"$(fleet_dir bravo)/var-log/wildfire-sync.log" || echo 0)
  run fleet_exec bravo wildfire "$@"
  RUN_LOG=$(tail -n "+$((before + 1))" "$(fleet_dir bravo)/var-log/wildfire-sync.log")
}

@test "wildfire copies bravo's backups into /archive/blaze-backup/bravo/ on alpha and charlie, and nowhere else" {
  run_wildfire
  assert_success
  # Same names, sizes, contents and modification times (retention counts from them);
  # blaze's hidden temporary file is not sent.
  assert_equal "$(archive_files alpha | grep -v '^blaze-backup/bravo/')" ""
  assert_equal "$(archive_files alpha)" "$(bravo_copies)"
  assert_equal "$(archive_files charlie | grep -v '^blaze-backup/charlie/\|^repo-backup/')" "$(bravo_copies)"
  assert_equal "$(bravo_copies | wc -l)" 6
  run stat -c '%u:%g %a' "$(fleet_dir alpha)/archive/blaze-backup/bravo"
  assert_output "0:$(fleet_exec alpha id -g kb-bravo) 1770"
  run grep -c 'INFO finished: copied to alpha, charlie, repository@charlie; failed: none' <<<"$RUN_LOG"
  assert_output 1
}

@test "bravo's summary line reaches alpha's aggregated log under bravo's name, through root's merge" {
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -cE '^[0-9T:-]+Z bravo wildfire OK copied to alpha, charlie, repository@charlie; failed: none repository=[1-9][0-9]*$' \
    "$(aggregated_log)"
  assert_output 1
}

@test "a second wildfire run with nothing new transfers no file (rsync --stats)" {
  run_wildfire
  assert_success
  run grep -c 'Number of regular files transferred: 0$' <<<"$RUN_LOG"
  assert_output 3
  run grep -c 'Total transferred file size: 0 bytes$' <<<"$RUN_LOG"
  assert_output 3
  run grep -c 'Number of regular files transferred: [1-9]' <<<"$RUN_LOG"
  assert_output 0
}

@test "the repository is mirrored into charlie's /archive/repo-backup/incoming/ as bravo's account, deletions included" {
  local copy
  copy="$(fleet_dir charlie)/archive/repo-backup/incoming"
  [[ -f "$copy/.kindling-repository" ]]
  assert_equal "$(cat "$copy/f42/x86_64/b.rpm")" 'package b'
  run stat -c %u "$copy/f42/x86_64/a.rpm"
  assert_output "$(fleet_exec charlie id -u kb-bravo)"
  rm "$(fleet_dir bravo)/mnt/repo/f42/x86_64/b.rpm"
  printf 'package c\n' >"$(fleet_dir bravo)/mnt/repo/f42/x86_64/c.rpm"
  run_wildfire
  assert_success
  run ls "$copy/f42/x86_64"
  assert_output "$(printf '%s\n' a.rpm base-{01..18}.rpm c.rpm)"
}

@test "an incoming whose files charlie's blaze took over (root's, read-only) takes the mirror twice, exit 0: a changed file arrives as a new inode, the snapshot's stays byte for byte, unchanged files untouched" {
  local incoming snapshot before_unchanged before_snapshot
  incoming="$(fleet_dir charlie)/archive/repo-backup/incoming"
  snapshot="$(fleet_dir charlie)/archive/repo-backup/2026-01-01"
  # What charlie's blaze does each night (blaze-repository.bats runs the real one): a
  # snapshot of hard links to incoming's files, which become root's and read-only.
  rsync --recursive --links --times --link-dest="$incoming" "$incoming/" "$snapshot/"
  find "$snapshot" -type f -exec chown root:root {} + -exec chmod a-w,ug-s {} +
  assert_equal "$(find "$incoming" -type f \( ! -uid 0 -o -perm /6222 \))" ''
  before_unchanged=$(stat -c '%i %u %a %Y %Z' "$incoming/f42/x86_64/base-01.rpm")
  before_snapshot=$(stat -c '%i %s %Y' "$snapshot/f42/x86_64/a.rpm"; sha256sum <"$snapshot/f42/x86_64/a.rpm")
  printf 'package a, version 2\n' >"$(fleet_dir bravo)/mnt/repo/f42/x86_64/a.rpm"
  # Twice: the first mirror sends the change, the second finds nothing new. Neither may
  # fail on root's files (rsync's chmod or utime of a file it does not own: exit 23).
  local night
  for night in 1 2; do
    run_wildfire
    assert_success
    assert_equal "night ${night}: $(grep -cE 'Operation not permitted|rsync exit 23' <<<"$RUN_LOG")" "night ${night}: 0"
    assert_equal "night ${night}: $(grep -c 'INFO finished: copied to alpha, charlie, repository@charlie; failed: none' <<<"$RUN_LOG")" "night ${night}: 1"
  done
  # The changed file: a new inode in incoming (the sender's), the snapshot's old one as it was.
  assert_equal "$(cat "$incoming/f42/x86_64/a.rpm")" 'package a, version 2'
  [[ "$(stat -c %i "$incoming/f42/x86_64/a.rpm")" != "$(stat -c %i "$snapshot/f42/x86_64/a.rpm")" ]] \
    || fail "the changed file was written into the snapshot's inode"
  assert_equal "$(stat -c %u "$incoming/f42/x86_64/a.rpm")" "$(fleet_exec charlie id -u kb-bravo)"
  assert_equal "$(stat -c '%i %s %Y' "$snapshot/f42/x86_64/a.rpm"; sha256sum <"$snapshot/f42/x86_64/a.rpm")" "$before_snapshot"
  assert_equal "$(cat "$snapshot/f42/x86_64/a.rpm")" 'package a'
  # An unchanged file: same inode, owner, mode, modification and change times (no chmod, no
  # utime: --times left it alone).
  assert_equal "$(stat -c '%i %u %a %Y %Z' "$incoming/f42/x86_64/base-01.rpm")" "$before_unchanged"
  rm -rf -- "$snapshot"
}

# Prints "path size sha256 mtime" of every file of charlie's repository copy.
repository_copy() {
  archive_files charlie | grep '^repo-backup/' || true
}

# A sendmail on bravo that keeps each mail in bravo's /tmp/mail, for a refusal's mail;
# forget_mail removes it again.
record_mail() {
  fleet_exec bravo sh -c 'printf "#!/bin/sh\ncat >>/tmp/mail\n" >/usr/local/sbin/sendmail
    chmod 0755 /usr/local/sbin/sendmail; rm -f /tmp/mail'
}
forget_mail() {
  fleet_exec bravo rm -f /usr/local/sbin/sendmail /tmp/mail
}

@test "bravo's repository not mounted (its folder still full): wildfire sends none of it, exits 1, and the refusal is logged, reported and mailed; charlie's copy is byte-identical" {
  local before repo
  repo="$(fleet_dir bravo)/mnt/repo"
  before=$(repository_copy)
  fleet_exec bravo umount /mnt/repo
  # A change on the unmounted folder must not travel.
  mv "$repo/f42/x86_64/a.rpm" "$BATS_TEST_TMPDIR/a.rpm"
  record_mail
  run_wildfire
  local status_was=$status mail
  mail=$(cat "$(fleet_dir bravo)/tmp/mail" 2>/dev/null || true)
  forget_mail
  mv "$BATS_TEST_TMPDIR/a.rpm" "$repo/f42/x86_64/a.rpm"
  fleet_exec bravo mount --bind /mnt/repo /mnt/repo
  assert_equal "$status_was" 1
  assert_equal "$(repository_copy)" "$before"
  run grep -c 'ERROR repository: refused: /mnt/repo is not a mount point: the repository is not mounted there; nothing sent to charlie' <<<"$RUN_LOG"
  assert_output 1
  # The LAN copies still go; the summary names the refusal.
  run grep -cE '^[0-9T:-]+Z bravo wildfire FAILED copied to alpha, charlie; failed: repository@charlie \(refused: /mnt/repo is not a mount point: the repository is not mounted there\)$' \
    "$(aggregated_log)"
  assert_output 1
  run grep -c '^Subject: wildfire on bravo: 1 copy(ies) failed$' <<<"$mail"
  assert_output 1
  run grep -c '  repository: refused: /mnt/repo is not a mount point' <<<"$mail"
  assert_output 1
}

@test "bravo's repository mount empty (a blank file system at /mnt/repo): refused for the missing marker; charlie's copy is byte-identical" {
  local before
  before=$(repository_copy)
  fleet_exec bravo mount -t tmpfs -o size=1m kfl-empty-repo /mnt/repo
  run_wildfire
  local status_was=$status
  fleet_exec bravo umount /mnt/repo
  assert_equal "$status_was" 1
  assert_equal "$(repository_copy)" "$before"
  run grep -c 'ERROR repository: refused: /mnt/repo has no marker file .kindling-repository: not the repository' <<<"$RUN_LOG"
  assert_output 1
}

@test "a night that would delete more than 10 % of charlie's copy is refused with the numbers and sends nothing; raised in the inventory, the same night goes through" {
  local repo n before
  repo="$(fleet_dir bravo)/mnt/repo/f42/x86_64"
  for n in $(seq -w 1 20); do printf 'package p%s\n' "$n" >"$repo/p$n.rpm"; done
  run_wildfire
  assert_success
  run grep -c 'INFO repository to charlie: deletes 0 of 24 file(s)' <<<"$RUN_LOG"
  assert_output 1
  before=$(repository_copy)
  rm "$repo"/p0[1-9].rpm "$repo"/p10.rpm
  run_wildfire
  assert_failure 1
  assert_equal "$(repository_copy)" "$before"
  # 44 entries on charlie: the folders ., f42, x86_64, the marker, a, c, base-01-18, p01-p20.
  run grep -c 'ERROR repository to charlie: refused: would delete 10 of its 44 files (22 %), more than the 10 % one night may delete (raise repository.maxDeletePercent in the inventory if it is meant); nothing sent' <<<"$RUN_LOG"
  assert_output 1
  run grep -cE '^[0-9T:-]+Z bravo wildfire FAILED copied to alpha, charlie; failed: repository@charlie \(refused: would delete 10 of its 44 files \(22 %\), .*\) repository=[0-9]+$' \
    "$(aggregated_log)"
  assert_output 1
  # The inventory raises the share for bravo's repository: its next wildfire mirrors the deletion.
  local inventory="$BATS_TEST_TMPDIR/inventory.yaml"
  cp "$WF_INVENTORY" "$inventory"
  wf_yaml_set "$inventory" hosts.bravo.repository '{"path": "/mnt/repo/", "estimatedSize": "1M", "maxDeletePercent": 50}'
  wf_generate "$inventory" "$BATS_TEST_TMPDIR/dist"
  fleet_put bravo "$BATS_TEST_TMPDIR/dist/bravo/wildfire" /usr/local/bin/wildfire 0755
  run_wildfire
  local raised=$status listed
  listed=$(ls "$(fleet_dir charlie)/archive/repo-backup/incoming/f42/x86_64")
  # Back to the repository of the other tests (through the raised share), and bravo's wildfire.
  rm "$repo"/p*.rpm
  run_wildfire
  local cleaned=$status
  fleet_put bravo "$WF_DIST/bravo/wildfire" /usr/local/bin/wildfire 0755
  assert_equal "$raised" 0
  assert_equal "$listed" "$(printf '%s\n' a.rpm base-{01..18}.rpm c.rpm p1{1..9}.rpm p20.rpm)"
  assert_equal "$cleaned" 0
}

@test "wildfire --dry-run connects but sends nothing, and --help says what it does" {
  printf 'new\n' >"$(fleet_dir bravo)/archive/blaze-backup/bravo/bravo-cron-Nov-21-2026.tar.bz2"
  run_wildfire --dry-run
  assert_success
  [[ ! -e "$(fleet_dir alpha)/archive/blaze-backup/bravo/bravo-cron-Nov-21-2026.tar.bz2" ]]
  run grep -c 'INFO dry run finished: copied to alpha, charlie, repository@charlie' <<<"$RUN_LOG"
  assert_output 1
  run fleet_exec bravo wildfire --help
  assert_success
  assert_line --index 0 'Usage: wildfire [-n|--dry-run] [-v|--verbose] [-h|--help]'
  assert_output --partial 'alpha charlie'
  run fleet_exec bravo wildfire --bogus
  assert_failure 2
}

@test "bravo's key cannot write into charlie's folder on alpha, by any command" {
  local before verb
  before=$(archive_files alpha | grep '^blaze-backup/charlie/' || true)
  # (report is not rsync: it is tried with forged lines in its own test.)
  for verb in store copies dist repository; do
    run fleet_exec bravo rsync -e "$BRAVO_SSH" --rsync-path="$verb" /etc/hostname "kb-bravo@alpha:../charlie/"
    assert_failure
  done
  run fleet_exec bravo rsync -e "$BRAVO_SSH" --rsync-path=store /etc/hostname "kb-bravo@alpha:/archive/blaze-backup/charlie/"
  assert_failure
  assert_equal "$(archive_files alpha | grep '^blaze-backup/charlie/' || true)" "$before"
}

@test "bravo's key can neither delete nor rewrite bravo's own copies on alpha" {
  local before
  before=$(archive_files alpha)
  fleet_exec bravo mkdir -p /tmp/empty /tmp/forged
  run fleet_exec bravo rsync -r --delete -e "$BRAVO_SSH" --rsync-path=store /tmp/empty/ kb-bravo@alpha:
  assert_failure
  assert_output --partial 'refused: store from bravo: option --delete is not allowed (write-once store)'
  run fleet_exec bravo rsync -r --remove-source-files -e "$BRAVO_SSH" --rsync-path=copies kb-bravo@alpha:bravo-cron-Nov-20-2026.tar.bz2 /tmp/
  assert_failure
  fleet_exec bravo sh -c 'echo forged >/tmp/forged/bravo-etc-Nov-20-2026.tar.bz2'
  run fleet_exec bravo rsync -r -I -e "$BRAVO_SSH" --rsync-path=store /tmp/forged/ kb-bravo@alpha:
  assert_failure
  assert_output --partial 'refused: store from bravo: option -rIe'
  run fleet_exec bravo rsync -rt -e "$BRAVO_SSH" --rsync-path=store /tmp/forged/ kb-bravo@alpha:
  assert_success
  assert_equal "$(archive_files alpha)" "$before"
}

@test "bravo's key reads back bravo's own copies and scripts, but not charlie's" {
  run fleet_exec bravo rsync --list-only -e "$BRAVO_SSH" --rsync-path=copies kb-bravo@alpha:
  assert_success
  assert_output --partial 'bravo-etc-Nov-19-2026.tar.bz2'
  run fleet_exec bravo rsync --list-only -e "$BRAVO_SSH" --rsync-path=copies kb-bravo@alpha:../charlie/
  assert_failure
  refute_output --partial 'charlie-etc'
  run fleet_exec bravo rsync --list-only -e "$BRAVO_SSH" --rsync-path=dist kb-bravo@alpha:
  assert_success
  assert_output --partial 'SHA256SUMS'
  run fleet_exec bravo rsync --list-only -e "$BRAVO_SSH" --rsync-path=dist kb-bravo@alpha:../charlie/
  assert_failure
}

@test "bravo's key runs no shell and no command outside kindling-receive's verbs" {
  run fleet_exec bravo $BRAVO_SSH kb-bravo@alpha 'cat /etc/shadow'
  assert_failure 1
  assert_output --partial "refused: bravo may not run 'cat /etc/shadow' on alpha as kb-bravo"
  run fleet_exec bravo $BRAVO_SSH kb-bravo@alpha 'rsync --server --sender -e.Lsfx . /'
  assert_failure 1
  run fleet_exec bravo $BRAVO_SSH kb-bravo@alpha
  assert_failure
  run fleet_exec bravo $BRAVO_SSH kb-bravo@alpha 'store --server -e.Lsfx . /etc/; id'
  assert_failure
  # charlie is bravo's target, not its aggregator: no report there.
  run fleet_exec bravo sh -c "echo 'blaze OK' | $BRAVO_SSH kb-bravo@charlie report"
  assert_failure 1
}

@test "a report from bravo is recorded as bravo's: it cannot speak for charlie nor add a second line" {
  local log before
  log="$(fleet_dir alpha)/var-log/blaze-wildfire.log"
  fleet_exec alpha kindling-deadman --merge-reports
  fleet_exec alpha rm -f /var/lib/kindling/report-counts/bravo
  before=$(wc -l <"$log")
  run fleet_exec bravo sh -c "printf 'blaze OK forged\ncharlie blaze OK\n' | $BRAVO_SSH kb-bravo@alpha report"
  assert_success
  fleet_exec alpha kindling-deadman --merge-reports
  run tail -n "+$((before + 1))" "$log"
  assert_output --regexp '^[0-9T:-]+Z bravo blaze OK forged$'
  run fleet_exec bravo sh -c "printf 'rm -rf /\n' | $BRAVO_SSH kb-bravo@alpha report"
  assert_failure 1
  run fleet_exec bravo sh -c "printf 'blaze \033[2J\n' | $BRAVO_SSH kb-bravo@alpha report"
  assert_failure 1
  fleet_exec alpha kindling-deadman --merge-reports
  assert_equal "$(wc -l <"$log")" "$((before + 1))"
}

@test "a key is accepted only where the inventory needs it: charlie's not on bravo, bravo's not as kb-charlie on alpha" {
  # charlie never connects to bravo, so its known_hosts has no key for bravo (ssh would stop
  # at host verification): skip that check here to reach bravo's check of charlie's key.
  run fleet_exec charlie ssh -i /var/lib/kindling/ssh/id_ed25519 -o BatchMode=yes -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 kb-charlie@bravo report
  assert_failure 255
  assert_output --partial 'Permission denied (publickey)'
  # bravo's key is in bravo's account only: not in charlie's on alpha.
  run fleet_exec bravo $BRAVO_SSH kb-charlie@alpha repository
  assert_failure 255
  # As kb-bravo on charlie bravo may store, read back and mirror the repository, and nothing else.
  run fleet_exec bravo rsync -e "$BRAVO_SSH" --rsync-path=dist /etc/hostname kb-bravo@charlie:
  assert_failure
  assert_output --partial 'refused: bravo may not run'
}

@test "kindling-fetch on bravo installs the set alpha serves, through alpha's kindling-receive; its wildfire then limits bandwidth" {
  local inventory="$BATS_TEST_TMPDIR/inventory.yaml"
  cp "$WF_INVENTORY" "$inventory"
  wf_yaml_set "$inventory" hosts.bravo.transfer \
    '{"connectTimeoutSeconds": 3, "retries": 2, "retryDelaySeconds": 1, "bandwidthLimitKiBps": 20000}'
  wf_generate "$inventory" "$BATS_TEST_TMPDIR/dist"
  wf_serve "$BATS_TEST_TMPDIR/dist"
  run fleet_exec bravo kindling-fetch
  assert_success
  run fleet_exec bravo grep -c '^readonly RSYNC_RETRIES=2$' /usr/local/bin/wildfire
  assert_output 1
  run fleet_exec bravo stat -c '%U:%G %a' /usr/local/bin/wildfire /usr/local/bin/kindling-fetch
  assert_output "$(printf 'root:root 755\nroot:root 755')"
  # The targets' rrsync accepts the limit that the new wildfire passes on.
  run fleet_exec bravo grep -c -- '--bwlimit=20000' /usr/local/bin/wildfire
  assert_output 1
  run_wildfire
  assert_success
}

@test "a set altered on alpha is rejected by bravo's kindling-fetch, which keeps its last good scripts" {
  local before
  before=$(fleet_exec bravo sha256sum /usr/local/bin/wildfire /usr/local/bin/blaze)
  fleet_exec alpha sed -i 's/^readonly TARGETS=.*/readonly TARGETS=(mallory)/' /srv/kindling/dist/bravo/wildfire
  run fleet_exec bravo kindling-fetch
  assert_failure 1
  assert_equal "$(fleet_exec bravo sha256sum /usr/local/bin/wildfire /usr/local/bin/blaze)" "$before"
  run grep -c 'kindling-fetch\[[0-9]*\] ERROR files of the set do not match SHA256SUMS' "$(fleet_dir bravo)/var-log/blaze-backup.log"
  assert_output 1
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -cE '^[0-9T:-]+Z bravo kindling-fetch FAILED the set was rejected$' "$(fleet_dir alpha)/var-log/blaze-wildfire.log"
  assert_output 1
  # Back to the fleet's own set for the tests after this one.
  wf_serve "$WF_DIST"
  fleet_exec bravo kindling-fetch
}

@test "restore on bravo lists its copies here and on its targets, and restores a file of a given date from alpha's copy" {
  run fleet_exec bravo restore list
  assert_success
  assert_line --regexp '^here +etc +2026-11-19  bravo-etc-Nov-19-2026.tar.bz2$'
  assert_line --regexp '^alpha +etc +2026-11-19  bravo-etc-Nov-19-2026.tar.bz2$'
  assert_line --regexp '^charlie +userlocalbin +2026-11-20  bravo-userlocalbin-Nov-20-2026.tar.bz2$'
  run fleet_exec bravo restore file 2026-11-19 /etc/wf-version --from alpha --to /tmp/restored
  assert_success
  assert_equal "$(cat "$(fleet_dir bravo)/tmp/restored/etc/wf-version")" 'version 1'
  run fleet_exec bravo restore file Nov-20-2026 /etc/wf-version --from charlie --to /tmp/restored
  assert_failure 1
  assert_output --partial 'exists and is not empty'
}

@test "bravo's copies dated 2099 and 2000 prune none of its copies on alpha, whose blaze reports them; a copy altered on alpha is reported there and refused by restore --from" {
  local bravo_dir alpha_dir others saved="$BATS_TEST_TMPDIR/etc-Nov-20"
  bravo_dir="$(fleet_dir bravo)/archive/blaze-backup/bravo"
  alpha_dir="$(fleet_dir alpha)/archive/blaze-backup/bravo"
  # What a compromised bravo, or one with a wrong clock, stores on its targets.
  cp "$bravo_dir/bravo-etc-Nov-19-2026.tar.bz2" "$bravo_dir/bravo-etc-Dec-31-2099.tar.bz2"
  touch -d '2099-12-31 02:15' "$bravo_dir/bravo-etc-Dec-31-2099.tar.bz2"
  cp "$bravo_dir/bravo-etc-Nov-19-2026.tar.bz2" "$bravo_dir/bravo-etc-Jan-01-2000.tar.bz2"
  touch -d '2000-01-01 02:15' "$bravo_dir/bravo-etc-Jan-01-2000.tar.bz2"
  run_wildfire
  assert_success
  assert_equal "$(stat -c %Y "$alpha_dir/bravo-etc-Dec-31-2099.tar.bz2")" "$(date -d '2099-12-31 02:15' +%s)"
  # A byte of a stored copy changes on alpha (its disk, or someone there).
  cp -p "$alpha_dir/bravo-etc-Nov-20-2026.tar.bz2" "$saved"
  corrupt_byte "$alpha_dir/bravo-etc-Nov-20-2026.tar.bz2" 100
  # alpha's own blaze, with a /usr/local/bin that holds only kindling's scripts (the
  # machine's real one, which alpha's sees through an overlay, is large to archive).
  fleet_exec alpha bash -c 'set -e; mkdir -p /tmp/kbin; cp -a /usr/local/bin/{blaze,kindling-*,restore,setup,wildfire} /tmp/kbin/
    mount -t tmpfs -o mode=0755 wf-kbin /usr/local/bin; cp -a /tmp/kbin/. /usr/local/bin/'
  others=$(archive_files alpha | grep '^blaze-backup/bravo/' | cut -d ' ' -f 1)
  run fleet_exec alpha blaze
  assert_failure 1
  local log
  log="$(fleet_dir alpha)/var-log/blaze-backup.log"
  # Every copy of bravo's stays: ages count from their arrival on alpha, tonight.
  assert_equal "$(archive_files alpha | grep '^blaze-backup/bravo/' | cut -d ' ' -f 1)" "$others"
  run grep -c 'WARN /archive/blaze-backup/bravo/bravo-etc-\(Dec-31-2099\|Jan-01-2000\).tar.bz2: dated' "$log"
  assert_output 2
  run grep -F 'INFO /archive/blaze-backup/bravo/bravo-manifest-Nov-19-2026.sha256: every file matches' "$log"
  assert_success
  run grep -F 'ERROR /archive/blaze-backup/bravo/bravo-manifest-Nov-20-2026.sha256: received copies do not match' "$log"
  assert_success
  # (The fixture's copies are named days before the fleet's real night: odd too.)
  run grep -E '^[0-9T:-]+Z alpha blaze FAILED .* odd_dates=[1-9][0-9]* received_verified=1 received_bad=1$' \
    "$(aggregated_log)"
  assert_success
  # bravo asks alpha for the altered copy: restore checks it against bravo's manifest first.
  run fleet_exec bravo restore file 2026-11-20 /etc/wf-version --from alpha --to /tmp/tampered
  assert_failure 1
  assert_output --partial 'bravo-etc-Nov-20-2026.tar.bz2 does not match its checksum in bravo-manifest-Nov-20-2026.sha256'
  [[ ! -e "$(fleet_dir bravo)/tmp/tampered" ]]
  cp -p "$saved" "$alpha_dir/bravo-etc-Nov-20-2026.tar.bz2"
  rm -f "$bravo_dir"/bravo-etc-{Dec-31-2099,Jan-01-2000}.tar.bz2 "$alpha_dir"/bravo-etc-{Dec-31-2099,Jan-01-2000}.tar.bz2 \
    "$(fleet_dir charlie)/archive/blaze-backup/bravo"/bravo-etc-{Dec-31-2099,Jan-01-2000}.tar.bz2
}

@test "a partial transfer (rsync exit 23) fails the copy after its retries, while vanished files (24) are only a warning" {
  local source target
  source="$(fleet_dir bravo)/archive/blaze-backup/bravo/extra"
  target="$(fleet_dir alpha)/archive/blaze-backup/bravo/extra"
  mkdir -p "$source" "$target"
  printf 'x\n' >"$source/file"
  # A folder on alpha that bravo's account cannot write into.
  chmod 0555 "$target"
  run_wildfire
  rm -rf "$source" "$target" "$(fleet_dir charlie)/archive/blaze-backup/bravo/extra"
  assert_failure 1
  run grep -c 'ERROR copy to alpha: failed after 2 attempt(s) (rsync exit 23: partial transfer due to error)' <<<"$RUN_LOG"
  assert_output 1
  run grep -cE '(INFO finished|ERROR finished with failures): copied to charlie, repository@charlie; failed: alpha repository=[0-9]+$' <<<"$RUN_LOG"
  assert_output 1
  # A vanished file cannot be staged reliably: the generated decision itself is checked.
  run fleet_exec bravo bash -c 'source <(sed -n "/^rsync_outcome() {/,/^}/p" /usr/local/bin/wildfire)
    for status in 0 24 23 12 30 255 1 2; do printf "%s=%s " "$status" "$(rsync_outcome "$status")"; done'
  assert_output '0=ok 24=warning 23=retry 12=retry 30=retry 255=retry 1=failed 2=failed '
}

@test "with charlie down, wildfire still copies to alpha, exits 1 and reports which copies failed" {
  printf 'night 22\n' >"$(fleet_dir bravo)/archive/blaze-backup/bravo/bravo-cron-Nov-22-2026.tar.bz2"
  local pid
  pid=$(cat "$(fleet_dir charlie)/sshd.pid")
  kill "$pid"
  timeout 10 tail --pid="$pid" -f /dev/null
  run_wildfire
  fleet_sshd_start charlie
  assert_failure 1
  [[ -f "$(fleet_dir alpha)/archive/blaze-backup/bravo/bravo-cron-Nov-22-2026.tar.bz2" ]]
  [[ ! -e "$(fleet_dir charlie)/archive/blaze-backup/bravo/bravo-cron-Nov-22-2026.tar.bz2" ]]
  # A refused connection ends rsync with 255 (ssh) or 12 (stream closed), as ssh and rsync race.
  run grep -cE 'WARN copy to charlie: attempt 1 failed \(rsync exit (12|255)\); retrying in 1s$' <<<"$RUN_LOG"
  assert_output 1
  run grep -cE 'ERROR copy to charlie: failed after 2 attempt\(s\) \(rsync exit (12|255): ' <<<"$RUN_LOG"
  assert_output 1
  fleet_exec alpha kindling-deadman --merge-reports
  run grep -cE '^[0-9T:-]+Z bravo wildfire FAILED copied to alpha; failed: charlie, repository@charlie repository=[0-9]+$' \
    "$(aggregated_log)"
  assert_output 1
}
