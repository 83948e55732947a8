#!/usr/bin/env bats
#
# The seed's fleet (test/fixtures/inventories/seed.yaml, kindling's copy of the seed
# inventory.yaml: australia, chile, hongkong, iraq, ireland, romania, scotland), each host
# a simulated host of its own (test/e2e/lib/fleet.bash), set up by its generated setup and
# run through real nights: each host runs the exact command line of its
# dist/<host>/crontab, in the order of the schedule in UTC (test/e2e/lib/e2e.bash).
# Then the seed's Backup Layout is checked, ireland's database is restored, and faults are
# injected. Nights one day apart (e2e_shift_calendar): a first night; a night
# with chile's sshd down and ireland's disk for scotland's copies full, then a healthy one;
# (blaze killed on ireland, outside a night); a night with iraq (the admin host) down, with
# copies aged past retention on every host, then a healthy one. Each fault is one test
# with its own assertions (two of them read the nights the test before ran: one night can
# hold two independent faults); each test prints "# scenario NAME: N assertions".
#
# The test copy of the inventory differs from that fixture only by each host's
# sshPublicKey (made by the first setup) and by transfer retries of 1 s instead of 30 s
# (a dead target would otherwise cost 3.5 minutes per copy).
#
# Needs root, and the Debian packages of scripts/test-all. Never run in parallel with the
# other files of test/e2e (one fleet per machine).

bats_require_minimum_version 1.5.0
export BATS_NO_PARALLELIZE_WITHIN_FILE=true
load ../bats/common
# shellcheck source=lib/e2e.bash
source "${BATS_TEST_DIRNAME}/lib/e2e.bash"
e2e_count_assertions

# The seed's Backup Layout (appendix): each source server's LAN targets, and the hosts that
# keep the repository copy. The test checks the generated scripts against this, not
# against the inventory.
declare -gA SEED_TARGETS=(
  [hongkong]='iraq scotland'
  [ireland]='iraq chile'
  [australia]='iraq hongkong'
  [chile]='iraq australia'
  [iraq]='chile'
  [scotland]='iraq ireland'
  [romania]='australia iraq scotland'
)
# The seed's backup sources, by the kind names of the archives.
declare -gA SEED_KINDS=(
  [hongkong]='etc cron userlocalbin bcfg2 manifest'
  [ireland]='etc cron userlocalbin postgresql-koji postgresql-globals manifest'
  [australia]='etc cron userlocalbin manifest'
  [chile]='etc cron userlocalbin manifest'
  [iraq]='etc cron userlocalbin manifest'
  [scotland]='etc cron userlocalbin etherpad manifest'
  [romania]='etc cron userlocalbin manifest'
)
declare -ga SEED_REPO_COPIES=(romania scotland)
# The layout assertions check against the seed's table.
export E2E_LAYOUT_TARGETS=SEED_TARGETS

setup_file() {
  e2e_setup_file "${REPO_ROOT}/test/fixtures/inventories/seed.yaml"
}

teardown_file() {
  fleet_down
}

setup() {
  e2e_begin_scenario
}

# A failed scenario must not leave its fault to the next one: every sshd runs, no small
# disk is mounted, no bulky file stays in ireland's /etc.
teardown() {
  fleet_exec ireland sh -c 'rm -f /etc/kindling-e2e-bulk.bin
    ! mountpoint -q /archive/blaze-backup/scotland || umount /archive/blaze-backup/scotland'
  fleet_sshd_start "${E2E_HOSTS[@]}"
}

@test "setup sets up all seven hosts from the inventory, and a second run changes nothing" {
  local host
  # The inventory's Backup Layout is the seed's.
  for host in "${!SEED_TARGETS[@]}"; do
    assert_equal "${host} -> ${E2E_TARGETS[${host}]}" "${host} -> ${SEED_TARGETS[${host}]}"
    assert_equal "${host}: ${E2E_KINDS[${host}]}" "${host}: ${SEED_KINDS[${host}]}"
  done
  assert_equal "${#E2E_HOSTS[@]} hosts, ${#SEED_TARGETS[@]} in the seed's table" "7 hosts, 7 in the seed's table"

  for host in "${E2E_HOSTS[@]}"; do
    run cat "${E2E_WORK}/setup/first/${host}.out"
    assert_equal "${host} first setup: $(cat "${E2E_WORK}/setup/first/${host}.status")" "${host} first setup: 0"
    # setup printed the key that the inventory now carries.
    assert_output --partial "$(cut -d ' ' -f 1,2 "${E2E_WORK}/keys/${host}.pub")"
    assert_equal "${host} second setup: $(cat "${E2E_WORK}/setup/second/${host}.status")" "${host} second setup: 0"
  done

  e2e_setup_round third "${E2E_WORK}/dist" "${E2E_HOSTS[@]}"
  for host in "${E2E_HOSTS[@]}"; do
    run cat "${E2E_WORK}/setup/third/${host}.out"
    assert_equal "${host} third setup: $(cat "${E2E_WORK}/setup/third/${host}.status")" "${host} third setup: 0"
    assert_line "setup: no changes; ${host} is set up"
    # Installed as generated: the scripts, and the crontab's kindling block.
    run fleet_exec "${host}" sha256sum /usr/local/bin/blaze /usr/local/bin/wildfire /usr/local/bin/kindling-fetch
    assert_output "$(cd "${E2E_WORK}/dist/${host}" && sha256sum blaze wildfire kindling-fetch |
      sed 's|  |  /usr/local/bin/|')"
    run fleet_exec "${host}" crontab -l
    assert_output --partial "$(cat "${E2E_WORK}/dist/${host}/crontab")"
    # Each peer that logs in has its own account here, with a shell for its forced command;
    # Debian's own backup account (uid 34) is none of kindling's and is left alone.
    run fleet_exec "${host}" sh -c 'getent passwd | grep "^kb-" | cut -d: -f1,6,7'
    refute_output --regexp ':/(usr/)?s?bin/(nologin|false)$'
    run fleet_exec "${host}" getent passwd backup
    assert_output --regexp '^backup:x:34:34:'
  done
  e2e_scenario_done setup
}

@test "a first night: every copy lands where the seed's Backup Layout says, and nowhere else" {
  e2e_night first
  local host
  run cat "${E2E_WORK}/nights/first/order"
  # The schedule in UTC: chile 01:35, hongkong 02:05, australia 02:20, ireland 03:35, then
  # scotland, romania and iraq (America/Toronto), then iraq's dead-man check.
  assert_equal "$(awk '{print $2 "." $3}' <<<"${output}" | paste -sd ' ')" \
    "chile.night hongkong.night australia.night ireland.night scotland.night romania.night iraq.night iraq.kindling-deadman"
  e2e_assert_night_ok first "${E2E_HOSTS[@]}"
  assert_equal "deadman: $(e2e_night_status first iraq kindling-deadman)" "deadman: 0"
  e2e_assert_night_layout first

  # Every copy reads back whole (the targets hold the same bytes, checked above).
  for host in "${E2E_HOSTS[@]}"; do
    run e2e_in_host "${host}" verify-folder "/archive/blaze-backup/${host}"
    assert_success
    refute_line --partial BAD
    assert_equal "${host} copies verified: ${#lines[@]}" "${host} copies verified: $(wc -w <<<"${SEED_KINDS[${host}]}")"
  done

  # The repository: chile's /mnt/koji/ mirrored to /archive/repo-backup/ on scotland and
  # romania, and on no other host.
  e2e_assert_repository_copies chile "${SEED_REPO_COPIES[@]}"

  # The aggregated log on iraq: one line per host and run.
  for host in "${E2E_HOSTS[@]}"; do
    e2e_assert_reports first "${host}" kindling-fetch 1
    e2e_assert_reports first "${host}" blaze 1
    e2e_assert_reports first "${host}" wildfire 1
  done
  run e2e_night_log first iraq blaze-wildfire.log
  refute_line --partial FAILED

  # Each host's logs exist; nothing was mailed.
  for host in "${E2E_HOSTS[@]}"; do
    assert [ -s "$(fleet_dir "${host}")/var-log/blaze-backup.log" ]
    assert [ -s "$(fleet_dir "${host}")/var-log/wildfire-sync.log" ]
  done
  e2e_refute_mailed first "${E2E_HOSTS[@]}"
  e2e_scenario_done first-night
}

@test "ireland's database dump restores through dist/ireland/restore into a fresh database with equal rows" {
  local date rows
  date=$(e2e_night_date first ireland)
  # The installed restore is dist/ireland/restore, byte for byte.
  assert_equal "$(fleet_exec ireland cat /usr/local/bin/restore | sha256sum)" \
    "$(sha256sum <"${E2E_WORK}/dist/ireland/restore")"
  rows=$(e2e_in_host ireland pg-rows koji)
  assert_regex "${rows}" "^${E2E_DB_ROWS} [0-9]+ [0-9a-f]{32}$"

  run fleet_exec ireland /usr/local/bin/restore list
  assert_success
  assert_output --partial "${date}"

  run fleet_exec ireland /usr/local/bin/restore database "${date}" koji --into koji_restored
  assert_success
  assert_equal "$(e2e_in_host ireland pg-rows koji_restored)" "${rows}"

  # The copy on a target restores too (the host's own copies lost).
  run fleet_exec ireland /usr/local/bin/restore database "${date}" koji --into koji_from_iraq --from iraq
  assert_success
  assert_equal "$(e2e_in_host ireland pg-rows koji_from_iraq)" "${rows}"

  # A file of a configuration archive, from a target's copy, into a new folder.
  run fleet_exec ireland /usr/local/bin/restore file "${date}" /etc/sysconfig/blaze --to /root/restored --from chile
  assert_success
  assert_equal "$(fleet_exec ireland cat /root/restored/etc/sysconfig/blaze)" iraq

  # It never restores over an existing database.
  run fleet_exec ireland /usr/local/bin/restore database "${date}" koji --into koji
  assert_failure
  assert_equal "$(e2e_in_host ireland pg-rows koji)" "${rows}"
  e2e_scenario_done restore
}


@test "a LAN target down during wildfire: the others are synced, the failure is reported, the next night catches up" {
  local host date
  local -a targets
  e2e_shift_calendar
  # chile's sshd is down for the night: iraq (target chile) and ireland (targets iraq and
  # chile) cannot copy to it. The same night, ireland keeps scotland's copies on a disk
  # that holds far less than one of scotland's /etc archives (the next test's fault).
  e2e_sshd_stop chile
  fleet_exec ireland mount -t tmpfs -o size=256k,mode=0700,uid=backup,gid=backup kfl-full \
    /archive/blaze-backup/scotland
  e2e_night faults
  e2e_tree_sums ireland /archive/blaze-backup/scotland >"${E2E_WORK}/disk-full.received"
  e2e_tree_sums scotland /archive/blaze-backup/scotland >"${E2E_WORK}/disk-full.sent"
  fleet_exec ireland find /archive/blaze-backup/scotland -name '.*' >"${E2E_WORK}/disk-full.hidden"
  fleet_exec ireland umount /archive/blaze-backup/scotland
  fleet_sshd_start chile

  e2e_hosts_but iraq ireland scotland
  e2e_assert_night_ok faults "${E2E_OTHERS[@]}"
  for host in iraq ireland; do
    # The command line's status is wildfire's.
    assert_equal "${host} night: $(e2e_night_status faults "${host}")" "${host} night: 1"
    run e2e_night_log faults "${host}" blaze-backup.log
    assert_line --regexp "^[^ ]+ ${host} blaze\[[0-9]+\] INFO finished with status 0: "
    run e2e_night_log faults "${host}" wildfire-sync.log
    assert_line --regexp " ${host} wildfire\[[0-9]+\] ERROR copy to chile: failed after 2 attempt\(s\) \(rsync exit [0-9]+: "
    assert_line --regexp " ${host} wildfire\[[0-9]+\] ERROR finished with failures: copied to .*; failed: chile$"
    e2e_assert_mailed faults "${host}" "wildfire on ${host}: 1 copy(ies) failed"
  done
  e2e_refute_mailed faults "${E2E_OTHERS[@]}"
  # The aggregated log says so, and has one line per host and run.
  run e2e_night_log faults iraq blaze-wildfire.log
  assert_line --regexp "^[^ ]+ ireland wildfire FAILED copied to iraq; failed: chile$"
  assert_line --regexp "^[^ ]+ iraq wildfire FAILED copied to none; failed: chile$"
  for host in "${E2E_HOSTS[@]}"; do
    e2e_assert_reports faults "${host}" blaze 1
    e2e_assert_reports faults "${host}" wildfire 1
  done
  # Every other copy was made; chile lacks exactly tonight's copies of iraq and ireland.
  e2e_assert_night_layout faults 'iraq>chile' 'ireland>chile' 'scotland>ireland'
  for host in iraq ireland; do
    e2e_refute_copies chile "${host}" "$(e2e_night_date faults "${host}")"
  done

  # The next night chile is back: it receives the copies it missed, and tonight's.
  e2e_shift_calendar
  e2e_night recovery
  e2e_assert_night_ok recovery "${E2E_HOSTS[@]}"
  e2e_refute_mailed recovery "${E2E_HOSTS[@]}"
  e2e_assert_night_layout recovery
  for host in iraq ireland; do
    date=$(e2e_days_before "$(e2e_night_date faults "${host}")" 1)
    read -r -a targets <<<"${SEED_TARGETS[${host}]}"
    e2e_assert_copies "${host}" "${date}" "${targets[@]}"
  done
  e2e_scenario_done target-down
}

@test "a target's disk full: the sender reports it, no partial file lands under a final name, the next night catches up" {
  # The nights of the test before: ireland's disk for scotland's copies was full.
  local date sum name
  date=$(e2e_night_date faults scotland)
  assert_equal "scotland night: $(e2e_night_status faults scotland)" "scotland night: 1"
  run e2e_night_log faults scotland blaze-backup.log
  assert_line --regexp "^[^ ]+ scotland blaze\[[0-9]+\] INFO finished with status 0: "
  run e2e_night_log faults scotland wildfire-sync.log
  # The cause in rsync's own words when they arrive; the receiving rsync's message is lost
  # now and then when it exits before its error is relayed (rsync's race: once in many runs
  # the sender printed nothing, exit 11 only). The exit status's meaning is logged either way.
  if [[ "$output" != *"No space left on device"* ]]; then
    assert_line --regexp " scotland wildfire\[[0-9]+\] ERROR copy to ireland: failed after 2 attempt\(s\) \(rsync exit 11: error in file I/O\)$"
  fi
  assert_line --regexp " scotland wildfire\[[0-9]+\] ERROR copy to ireland: failed after 2 attempt\(s\)"
  assert_line --regexp " scotland wildfire\[[0-9]+\] ERROR finished with failures: copied to iraq; failed: ireland$"
  e2e_assert_mailed faults scotland "wildfire on scotland: 1 copy(ies) failed"
  run e2e_night_log faults iraq blaze-wildfire.log
  assert_line --regexp "^[^ ]+ scotland wildfire FAILED copied to iraq; failed: ireland$"
  # The other target got that night's copies (the calendar has moved on one day since).
  e2e_index_all
  e2e_assert_copies scotland "$(e2e_days_before "${date}" 1)" iraq

  # What did land on the full disk is whole, under its final name, scotland's own bytes;
  # no temporary file stayed; that night's /etc archive is not there.
  run cat "${E2E_WORK}/disk-full.received"
  assert [ "${#lines[@]}" -ge 1 ]
  refute_output --partial "scotland-etc-${date}."
  while read -r sum name; do
    assert_regex "${name}" '^\./scotland-[a-z]+-[A-Z][a-z]{2}-[0-9]{2}-[0-9]{4}\.tar\.bz2$'
    assert_equal "${name}: $(awk -v n="${name}" '$2 == n { print $1 }' "${E2E_WORK}/disk-full.sent")" "${name}: ${sum}"
  done <"${E2E_WORK}/disk-full.received"
  assert_equal "hidden: $(cat "${E2E_WORK}/disk-full.hidden")" "hidden: "

  # The next night ireland has every copy of scotland it missed.
  assert_equal "scotland night: $(e2e_night_status recovery scotland)" "scotland night: 0"
  e2e_assert_copies scotland "$(e2e_days_before "${date}" 1)" iraq ireland
  e2e_assert_copies scotland "$(e2e_night_date recovery scotland)" iraq ireland
  e2e_scenario_done disk-full
}

# Starts ireland's blaze in the background as cron would; sets BLAZE_JOB (the local job)
# and BLAZE_PID (blaze's own pid) once blaze writes PARTIAL (waits at most 30 s).
# Arguments: partial file (outside path).
start_blaze_until() {
  fleet_exec ireland env -i "${E2E_CRON_ENV[@]}" /bin/sh -c \
    'echo $$ >/run/kindling/e2e-blaze.pid; exec /usr/local/bin/blaze' \
    >>"${E2E_WORK}/blaze-killed.out" 2>&1 3>&- &
  BLAZE_JOB=$!
  e2e_wait_for_file "$1" 30
  BLAZE_PID=$(cat "$(fleet_dir ireland)/run/kindling/e2e-blaze.pid")
}

@test "blaze killed mid-run: no partial file under a final name, and the next run is clean" {
  local date status dir host
  dir="$(fleet_dir ireland)/archive/blaze-backup/ireland"
  e2e_shift_calendar
  date=$(e2e_host_date ireland)
  local partial="${dir}/.ireland-etc-${date}.tar.bz2.partial" final="${dir}/ireland-etc-${date}.tar.bz2"
  # A large /etc, so that blaze is caught while it writes the /etc archive.
  fleet_exec ireland sh -c 'head -c 48M /dev/urandom >/etc/kindling-e2e-bulk.bin'

  # 1. SIGTERM (a shutdown, an administrator): blaze removes its unfinished file, reports.
  e2e_mark_night killed-term
  start_blaze_until "${partial}"
  kill -TERM "${BLAZE_PID}"
  status=0
  wait "${BLAZE_JOB}" || status=$?
  assert_equal "blaze status: ${status}" "blaze status: 143"
  assert [ ! -e "${partial}" ]
  assert [ ! -e "${final}" ]
  run e2e_night_log killed-term ireland blaze-backup.log
  assert_line --regexp " ireland blaze\[${BLAZE_PID}\] ERROR stopped by SIGTERM; removing unfinished files$"
  e2e_assert_mailed killed-term ireland "blaze on ireland was stopped by SIGTERM"
  e2e_run_recurring_once
  run e2e_night_log killed-term iraq blaze-wildfire.log
  assert_line --regexp "^[^ ]+ ireland blaze FAILED reason=interrupted "

  # 2. SIGKILL to blaze and all it started (a crash): the unfinished file stays, under its
  # hidden temporary name only.
  e2e_mark_night killed-kill
  start_blaze_until "${partial}"
  # shellcheck disable=SC2046 # one pid per word
  kill -KILL $(e2e_process_tree "${BLAZE_PID}")
  status=0
  wait "${BLAZE_JOB}" || status=$?
  assert_equal "blaze status: ${status}" "blaze status: 137"
  assert [ -e "${partial}" ]
  assert [ ! -e "${final}" ]
  # Every file under a final name is whole.
  run e2e_in_host ireland verify-folder /archive/blaze-backup/ireland
  assert_success
  refute_line --partial BAD
  # wildfire after the crash sends no unfinished file.
  run fleet_exec ireland env -i "${E2E_CRON_ENV[@]}" /bin/sh -c /usr/local/bin/wildfire
  assert_success
  e2e_index_all
  for host in iraq chile; do
    run grep -F -e "blaze-backup/ireland/." -e "blaze-backup/ireland/ireland-etc-${date}" "${E2E_WORK}/index/${host}"
    assert_output ''
  done

  # 3. The next run is clean: it removes the leftover and writes every item.
  fleet_exec ireland rm /etc/kindling-e2e-bulk.bin
  e2e_mark_night killed-next
  run fleet_exec ireland env -i "${E2E_CRON_ENV[@]}" /bin/sh -c '/usr/local/bin/blaze; /usr/local/bin/wildfire'
  assert_success
  run e2e_night_log killed-next ireland blaze-backup.log
  assert_line --regexp " ireland blaze\[[0-9]+\] WARN removed \.ireland-etc-${date}\.tar\.bz2\.partial, left by an interrupted run$"
  assert_line --regexp " ireland blaze\[[0-9]+\] INFO finished with status 0: 5 ok, 0 failed"
  run find "${dir}" -name '.*'
  assert_output ''
  e2e_refute_mailed killed-next ireland
  e2e_index_all
  e2e_assert_copies ireland "${date}" iraq chile
  run e2e_in_host ireland verify-folder /archive/blaze-backup/ireland "${date}"
  assert_success
  refute_line --partial BAD
  assert_equal "verified: ${#lines[@]}" "verified: 6" # five items and the night's manifest
  e2e_scenario_done blaze-killed
}

@test "the admin host down at fetch time: the last good scripts run, the failure is reported" {
  local host date
  local -a targets
  # A new reviewed set waits on iraq (a 6 s connect timeout: most scripts change)...
  node "${E2E_LIB}/test-inventory.js" "${E2E_WORK}/inventory.yaml" "${E2E_WORK}/inventory-b.yaml" \
    --set defaults.transfer.connectTimeoutSeconds=6
  e2e_generate "${E2E_WORK}/inventory-b.yaml" "${E2E_WORK}/dist-b"
  e2e_serve_dist "${E2E_WORK}/dist-b"
  for host in "${E2E_HOSTS[@]}"; do
    assert_not_equal "$(sha256sum <"${E2E_WORK}/dist-b/${host}/blaze")" "$(sha256sum <"${E2E_WORK}/dist/${host}/blaze")"
  done
  e2e_shift_calendar
  # ...when iraq goes down for the night: no fetch, no copy to iraq, no report to it.
  e2e_sshd_stop iraq
  e2e_night admin-down --except iraq

  assert_equal "iraq: $(e2e_night_status admin-down iraq)" "iraq: none"
  e2e_hosts_but iraq
  for host in "${E2E_OTHERS[@]}"; do
    # Every host targets iraq: the command line's status (wildfire's) is 1.
    assert_equal "${host} night: $(e2e_night_status admin-down "${host}")" "${host} night: 1"
    run e2e_night_log admin-down "${host}" blaze-backup.log
    assert_line --regexp " ${host} kindling-fetch\[[0-9]+\] ERROR the set could not be fetched; the last good scripts stay in /usr/local/bin$"
    assert_line --regexp "^[^ ]+ ${host} blaze\[[0-9]+\] INFO finished with status 0: "
    assert_line --regexp " ${host} blaze\[[0-9]+\] WARN could not send the summary to iraq"
    e2e_assert_mailed admin-down "${host}" "kindling-fetch on ${host}: the set could not be fetched"
    e2e_assert_mailed admin-down "${host}" "wildfire on ${host}: 1 copy(ies) failed"
    run e2e_night_log admin-down "${host}" wildfire-sync.log
    assert_line --regexp " ${host} wildfire\[[0-9]+\] ERROR copy to iraq: failed after 2 attempt\(s\)"
    # The last good set ran: the one installed is still the set of dist/.
    assert_equal "${host} blaze: $(fleet_exec "${host}" cat /usr/local/bin/blaze | sha256sum)" \
      "${host} blaze: $(sha256sum <"${E2E_WORK}/dist/${host}/blaze")"
  done
  # kindling-fetch's own exit status, run alone while iraq is still down.
  run fleet_exec australia env -i "${E2E_CRON_ENV[@]}" /bin/sh -c /usr/local/bin/kindling-fetch
  assert_failure 1
  # Copies to the other targets were made; none reached iraq.
  local pairs=()
  for host in "${E2E_OTHERS[@]}"; do pairs+=("${host}>iraq"); done
  e2e_assert_night_layout admin-down "${pairs[@]}"
  for host in "${E2E_OTHERS[@]}"; do
    e2e_refute_copies iraq "${host}" "$(e2e_night_date admin-down "${host}")"
  done

  # iraq is back the next night: every host fetches the new set, and iraq catches up.
  fleet_sshd_start iraq
  e2e_shift_calendar
  # Copies 40, 35, 10 and 5 days older than the newest of each kind, in every folder of
  # every host (own and received): the retention scenario, checked in the next test.
  for host in "${E2E_HOSTS[@]}"; do
    # Two copies within 30 days, so that the 3 newest (retention.keepNewest) are within them.
    e2e_in_host "${host}" age-copies 40 35 10 5 >"${E2E_WORK}/aged.${host}"
  done
  e2e_night admin-back
  # While iraq was down the others aged their copies from a newer night than iraq's: those
  # arrive on iraq tonight, days after their date, and iraq's blaze says so (their age
  # counts from tonight). Nothing else may warn.
  local late='^[^ ]+ iraq blaze\[[0-9]+\] WARN /archive/blaze-backup/[a-z]+/[^ ]+: dated [0-9-]+ \(name or modification time\) but arrived [0-9-]+; its age counts from its arrival$'
  run e2e_night_log admin-back iraq blaze-backup.log
  assert_line --regexp "${late}"
  E2E_EXPECTED_WARNINGS=${late} e2e_assert_night_ok admin-back "${E2E_HOSTS[@]}"
  e2e_refute_mailed admin-back "${E2E_HOSTS[@]}"
  e2e_assert_night_layout admin-back
  for host in "${E2E_HOSTS[@]}"; do
    run e2e_night_log admin-back "${host}" blaze-backup.log
    assert_line --regexp " ${host} kindling-fetch\[[0-9]+\] INFO installed .*blaze"
    assert_equal "${host} blaze: $(fleet_exec "${host}" cat /usr/local/bin/blaze | sha256sum)" \
      "${host} blaze: $(sha256sum <"${E2E_WORK}/dist-b/${host}/blaze")"
    e2e_assert_reports admin-back "${host}" kindling-fetch 1
    e2e_assert_reports admin-back "${host}" blaze 1
    e2e_assert_reports admin-back "${host}" wildfire 1
  done
  for host in "${E2E_OTHERS[@]}"; do
    read -r -a targets <<<"${SEED_TARGETS[${host}]}"
    e2e_assert_copies "${host}" "$(e2e_days_before "$(e2e_night_date admin-down "${host}")" 1)" "${targets[@]}"
  done
  # The set of dist/ goes back on iraq.
  e2e_serve_dist "${E2E_WORK}/dist"
  e2e_scenario_done admin-down
}

# Check generator (e2e_check): each aged copy of a host is gone if it was more than 30
# days older than the newest of its kind, and there otherwise.
# Arguments: host.
retention_checks() {
  local host=$1 days file actual expected kind log
  while read -r days file; do
    actual=pruned
    [[ ! -e "$(fleet_dir "${host}")${file}" ]] || actual=kept
    expected=kept
    ((days <= 30)) || expected=pruned
    printf '%s\x1f%s\x1f%s\n' "${host}:${file} (${days} days older)" "${actual}" "${expected}"
  done <"${E2E_WORK}/aged.${host}"
  # blaze says what it pruned of each of the host's own kinds.
  log="$(fleet_dir "${host}")/var-log/blaze-backup.log"
  for kind in ${SEED_KINDS[${host}]}; do
    printf '%s\x1f%s\x1f%s\n' "${host} blaze logged pruning ${kind}" \
      "$(grep -cE " ${host} blaze\[[0-9]+\] INFO pruned /archive/blaze-backup/${host}/${host}-${kind}-" "${log}")" 2
  done
}

@test "copies aged past retention are pruned on every host and target, the newest of each kind kept" {
  # The last night of the test before: before it, every folder of every host got copies
  # 40, 35, 10 and 5 days older than its newest of each kind. Each host pruned its own copies
  # and the ones it received.
  local host
  for host in "${E2E_HOSTS[@]}"; do
    # Own kinds and received ones, four ages each.
    assert [ "$(wc -l <"${E2E_WORK}/aged.${host}")" -ge $((4 * $(wc -w <<<"${SEED_KINDS[${host}]}"))) ]
    e2e_check retention_checks "${host}"
  done
  # The newest copies of every kind are there, on every host and target.
  e2e_assert_night_layout admin-back
  e2e_scenario_done retention
}

# What a host's configuration is, as sums: the scripts, known_hosts, authorized_keys,
# the alias file, the allowed signers and root's crontab.
config_sums() {
  # shellcheck disable=SC2016 # expanded by the shell inside the host
  fleet_exec "$1" sh -c 'sha256sum /usr/local/bin/* /var/lib/kindling/ssh/known_hosts \
    /var/lib/kindling/home/kb-*/.ssh/authorized_keys /etc/aliases /etc/sysconfig/blaze
    crontab -l | sha256sum'
}

@test "a broken set on the admin host leaves every host's scripts and configuration as it was" {
  local host
  local -A before=()
  for host in "${E2E_HOSTS[@]}"; do before[${host}]=$(config_sums "${host}"); done
  # A changed inventory (another failure address: every host's alias and setup change)...
  node "${E2E_LIB}/test-inventory.js" "${E2E_WORK}/inventory.yaml" "${E2E_WORK}/inventory-broken.yaml" \
    --set fleet.mailAddress=broken@example.org
  e2e_generate "${E2E_WORK}/inventory-broken.yaml" "${E2E_WORK}/dist-broken"
  # ...whose setup cannot run through (its sums made to match: only the dry run can tell).
  for host in "${E2E_HOSTS[@]}"; do
    sed -i 's/^main "\$@"$/echo "broken on purpose" >\&2; exit 1/' "${E2E_WORK}/dist-broken/${host}/setup"
    (cd "${E2E_WORK}/dist-broken/${host}" && sha256sum $(awk '{ print $2 }' SHA256SUMS) >SHA256SUMS.new &&
      mv SHA256SUMS.new SHA256SUMS)
  done
  e2e_serve_dist "${E2E_WORK}/dist-broken"
  for host in "${E2E_HOSTS[@]}"; do
    run fleet_exec "${host}" env -i "${E2E_CRON_ENV[@]}" /bin/sh -c /usr/local/bin/kindling-fetch
    assert_failure 1
    run fleet_exec "${host}" tail -n 5 /var/log/blaze-backup.log
    assert_output --partial "the set's setup fails its dry run (exit 1): broken on purpose"
    assert_equal "${host}: $(config_sums "${host}")" "${host}: ${before[${host}]}"
  done
  e2e_serve_dist "${E2E_WORK}/dist"
  e2e_scenario_done broken-set
}

@test "a changed inventory and a re-keyed host: the next night every host applies it, nothing run on the peers; the old key is refused" {
  local host key_dir="${E2E_WORK}/keys-rekey"
  # README, Adding a host: a new kindling key for australia, made by its own setup.
  fleet_exec australia cp /var/lib/kindling/ssh/id_ed25519 /root/old-kindling-key
  fleet_exec australia rm -f /var/lib/kindling/ssh/id_ed25519 /var/lib/kindling/ssh/id_ed25519.pub
  mkdir -p "${E2E_WORK}/setup/rekey" "${key_dir}"
  fleet_exec australia /usr/local/bin/setup >"${E2E_WORK}/setup/rekey/australia.out" 2>&1
  setup_printed_value "${E2E_WORK}/setup/rekey/australia.out" australia sshPublicKey >"${key_dir}/australia.pub"
  assert_not_equal "$(cut -d ' ' -f 2 "${key_dir}/australia.pub")" "$(cut -d ' ' -f 2 "${E2E_WORK}/keys/australia.pub")"
  # The new key and another failure address go into the inventory; published on iraq.
  node "${E2E_LIB}/test-inventory.js" "${E2E_WORK}/inventory.yaml" "${E2E_WORK}/inventory-rekey.yaml" \
    --keys "${key_dir}" --set fleet.mailAddress=rekeyed@example.org
  e2e_generate "${E2E_WORK}/inventory-rekey.yaml" "${E2E_WORK}/dist-rekey"
  e2e_serve_dist "${E2E_WORK}/dist-rekey"
  run fleet_exec iraq env -i "${E2E_CRON_ENV[@]}" /bin/sh -c /usr/local/bin/kindling-fetch
  assert_success
  e2e_shift_calendar
  e2e_night rekey

  e2e_assert_night_ok rekey "${E2E_HOSTS[@]}"
  for host in "${E2E_HOSTS[@]}"; do
    # Every host runs the new set and has applied its configuration.
    assert_equal "${host}: $(config_sums "${host}" | grep -c ' /usr/local/bin/')" "${host}: 7"
    run fleet_exec "${host}" grep -x 'blaze-wildfire: rekeyed@example.org' /etc/aliases
    assert_success
    run fleet_exec "${host}" cmp /usr/local/bin/setup /dev/stdin <"${E2E_WORK}/dist-rekey/${host}/setup"
    assert_success
  done
  # australia's copies reached both targets with the new key...
  run e2e_night_log rekey australia wildfire-sync.log
  assert_line --regexp " australia wildfire\[[0-9]+\] INFO finished: copied to "
  # ...and its old key is refused by them.
  for host in hongkong iraq; do
    run fleet_exec australia rsync -e "ssh -i /root/old-kindling-key -o BatchMode=yes -o IdentitiesOnly=yes \
      -o UserKnownHostsFile=/var/lib/kindling/ssh/known_hosts -o GlobalKnownHostsFile=/dev/null" \
      --rsync-path=store /etc/hostname "kb-australia@${host}:"
    assert_failure
    assert_output --partial 'Permission denied'
  done
  cp -r "${E2E_WORK}/dist-rekey/." "${E2E_WORK}/dist/"
  e2e_scenario_done rekey
}

@test "chile's repository mount empty: wildfire refuses to mirror it, both copies stay as they were, and the snapshot of each of the last nights restores" {
  local host today yesterday before_yesterday old_sums new_sums
  # The night before the fault, the repository gains a package: the last nights' snapshots differ.
  old_sums=$(e2e_tree_sums chile /mnt/koji)
  e2e_shift_calendar
  fleet_exec chile sh -c 'printf "new package\n" >/mnt/koji/sub/new-package.rpm'
  new_sums=$(e2e_tree_sums chile /mnt/koji)
  e2e_night repository-grown
  e2e_assert_night_ok repository-grown "${E2E_HOSTS[@]}"
  # The fault: the repository's file system is not there, an empty one in its place.
  e2e_shift_calendar
  fleet_exec chile mount -t tmpfs -o size=1m kfl-koji-empty /mnt/koji
  e2e_night repository-empty
  fleet_exec chile umount /mnt/koji
  assert_equal "chile night: $(e2e_night_status repository-empty chile)" "chile night: 1"
  run e2e_night_log repository-empty chile wildfire-sync.log
  assert_line --regexp " chile wildfire\[[0-9]+\] ERROR repository: refused: /mnt/koji has no marker file \.kindling-repository: not the repository; nothing sent to romania scotland$"
  # (The mail address is the one the re-key scenario before may have changed.)
  run e2e_night_mail repository-empty chile
  assert_line "Subject: wildfire on chile: 2 copy(ies) failed"
  assert_line --partial '  repository: refused: /mnt/koji has no marker file'
  run e2e_night_log repository-empty iraq blaze-wildfire.log
  assert_line --regexp "^[^ ]+ chile wildfire FAILED copied to iraq, australia; failed: repository@romania \(refused: /mnt/koji has no marker file \.kindling-repository: not the repository\), repository@scotland \(refused: .*\)$"
  e2e_hosts_but chile
  e2e_assert_night_ok repository-empty "${E2E_OTHERS[@]}"
  # Both copies are the repository of the night before, and each of the last three nights
  # has a snapshot on each copy host that holds what the repository held that night:
  # plain files, restored with cp.
  today=$(date +%F)
  yesterday=$(date -d '1 day ago' +%F)
  before_yesterday=$(date -d '2 days ago' +%F)
  for host in "${SEED_REPO_COPIES[@]}"; do
    assert_equal "${host} incoming: $(e2e_tree_sums "${host}" /archive/repo-backup/incoming)" "${host} incoming: ${new_sums}"
    assert_equal "${host} ${today}: $(e2e_tree_sums "${host}" "/archive/repo-backup/${today}")" "${host} ${today}: ${new_sums}"
    assert_equal "${host} ${yesterday}: $(e2e_tree_sums "${host}" "/archive/repo-backup/${yesterday}")" "${host} ${yesterday}: ${new_sums}"
    assert_equal "${host} ${before_yesterday}: $(e2e_tree_sums "${host}" "/archive/repo-backup/${before_yesterday}")" \
      "${host} ${before_yesterday}: ${old_sums}"
    run fleet_exec "${host}" sh -c "rm -rf /tmp/restored && cp -a /archive/repo-backup/${yesterday} /tmp/restored"
    assert_success
    assert_equal "${host} restored: $(e2e_tree_sums "${host}" /tmp/restored)" "${host} restored: ${new_sums}"
    run fleet_exec "${host}" cat "/archive/repo-backup/${yesterday}/sub/new-package.rpm"
    assert_output 'new package'
    run fleet_exec "${host}" test -e "/archive/repo-backup/${before_yesterday}/sub/new-package.rpm"
    assert_failure
  done
  e2e_scenario_done repository-empty
}

@test "a removed host: the next night its key is refused everywhere, nothing run on the peers" {
  local host base="${E2E_WORK}/inventory-rekey.yaml"
  # The inventory as the test before left it (alone: as the first setup left it).
  [[ -f "${base}" ]] || base="${E2E_WORK}/inventory.yaml"
  node -e '
    const fs = require("fs");
    const YAML = require(process.argv[1] + "/node_modules/yaml");
    const doc = YAML.parseDocument(fs.readFileSync(process.argv[2], "utf8"));
    doc.deleteIn(["hosts", "romania"]);
    fs.writeFileSync(process.argv[3], doc.toString({ lineWidth: 0 }));
  ' "${REPO_ROOT}" "${base}" "${E2E_WORK}/inventory-removed.yaml"
  e2e_generate "${E2E_WORK}/inventory-removed.yaml" "${E2E_WORK}/dist-removed"
  e2e_serve_dist "${E2E_WORK}/dist-removed"
  run fleet_exec iraq env -i "${E2E_CRON_ENV[@]}" /bin/sh -c /usr/local/bin/kindling-fetch
  assert_success
  rm -rf "${E2E_WORK}/dist" && cp -r "${E2E_WORK}/dist-removed" "${E2E_WORK}/dist"
  e2e_hosts_but romania
  E2E_HOSTS=("${E2E_OTHERS[@]}")
  e2e_shift_calendar
  e2e_night removed
  for host in "${E2E_HOSTS[@]}"; do
    assert_equal "${host} night: $(e2e_night_status removed "${host}")" "${host} night: 0"
    # shellcheck disable=SC2016 # expanded by the shell inside the host
    run fleet_exec "${host}" sh -c 'cat /var/lib/kindling/home/kb-*/.ssh/authorized_keys | grep -c "kindling@romania\|romania ("'
    assert_output 0
  done
  # romania's key, which australia, iraq and scotland let in before, is refused now.
  for host in australia iraq scotland; do
    run fleet_exec romania rsync -e "ssh -i /var/lib/kindling/ssh/id_ed25519 -o BatchMode=yes \
      -o IdentitiesOnly=yes -o UserKnownHostsFile=/var/lib/kindling/ssh/known_hosts \
      -o GlobalKnownHostsFile=/dev/null" --rsync-path=store /etc/hostname "kb-romania@${host}:"
    assert_failure
    assert_output --partial 'Permission denied'
    # Its account there is locked by that host's setup, and its authorized_keys gone.
    run fleet_exec "${host}" sh -c 'getent shadow kb-romania | cut -d: -f2; ls -A /var/lib/kindling/home/kb-romania/.ssh'
    assert_output '!*'
  done
  e2e_scenario_done removed
}
